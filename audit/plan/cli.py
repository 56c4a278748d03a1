"""``flask report plan --out FILE.pdf``: the improvement plan's progress report, for scheduled runs."""

from __future__ import annotations

from pathlib import Path

import click

from audit.extensions import db
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
