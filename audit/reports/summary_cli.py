"""``flask rebuild-summaries`` and ``flask check-summaries``: the grade summary the report figures
read (``audit.domain.summaries``), rebuilt from the audits or compared with a rebuild, for operators."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext

from audit.domain import summaries
from audit.extensions import db


@click.command("rebuild-summaries")
@with_appcontext
def rebuild_summaries_command() -> None:
    """Empty the grade summary and fill it again from the audits, in one transaction."""
    started = time.perf_counter()
    counts = summaries.rebuild()
    db.session.commit()
    for table, rows in counts.items():
        click.echo(f"{table}: {rows:,} rows")
    click.echo(f"Rebuilt in {time.perf_counter() - started:.1f} s.")


@click.command("check-summaries")
@click.option("--show", default=20, show_default=True, help="How many differences to print (0: all).")
@with_appcontext
def check_summaries_command(show: int) -> None:
    """Compare the grade summary with a rebuild from the audits; changes nothing. Prints each
    difference and exits with status 1 if there is any (then run ``flask rebuild-summaries``)."""
    found = summaries.differences(limit=0)
    db.session.rollback()
    if not found:
        click.echo("The grade summary agrees with the audits.")
        return
    for line in found[:show] if show else found:
        click.echo(line)
    click.echo(f"{len(found):,} difference(s): run `flask rebuild-summaries`.", err=True)
    sys.exit(1)
