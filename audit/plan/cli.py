"""``flask report plan --out FILE.pdf``: the improvement plan's progress report, for scheduled runs;
``flask plan record-measures``: today's value of every measure, kept for its trend."""

from __future__ import annotations

from pathlib import Path

import click

from audit.extensions import db
from audit.plan import plan
from audit.reporting import measure_history
from audit.reporting import plan as document
from audit.reporting.downloads import record_download
from audit.reports.cli import report


@report.command("plan")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the PDF, e.g. improvement-plan.pdf.",
)
def plan_command(out: Path) -> None:
    """Write the improvement plan's progress report (the plan page as a PDF) to a file."""
    body, plan_report = document.plan_pdf(generated_by=None)
    out.write_bytes(body)
    record_download(document.REPORT_NAME, {"on": plan_report.on, "out": out.name}, None, "command")
    db.session.commit()
    priorities, measures = len(plan_report.priorities), plan_report.summary.measures
    click.echo(
        f"Wrote the improvement plan ({priorities} priorit{'y' if priorities == 1 else 'ies'}, "
        f"{measures} measure{'' if measures == 1 else 's'}) to {out}."
    )


@plan.cli.command("record-measures")
def record_measures_command() -> None:
    """Record today's value of every measure of the plan (again today: replaces today's values)."""
    count = measure_history.record_measures()
    db.session.commit()
    click.echo(f"Recorded today's value of {count} measure{'' if count == 1 else 's'}.")
