"""``flask retention [--delete]``: which records are past their retention period, and deleting them.

A dry run by default: it only counts. ``--delete`` deletes what it counted and logs each deletion
(see audit/domain/retention.py for what the log line holds: ids and periods, no child details).
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from audit.clock import utcnow
from audit.domain import retention
from audit.extensions import db


@click.command("retention")
@click.option("--delete", "delete_records", is_flag=True, help="Delete the records past their period (and log it).")
@with_appcontext
def retention_command(delete_records: bool) -> None:
    """Report, per kind of record, how many are past their retention period; --delete deletes them."""
    periods = current_app.config["RETENTION_DAYS"]
    now = utcnow()
    if delete_records:
        results = retention.delete_past_period(periods, now)
        db.session.commit()
    else:
        results = retention.past_period(periods, now)
    width = max(len(result.kind.label) for result in results)
    click.echo(f"{'Record':<{width}}  {'Kept for':>12}  {'Counted from':<34}  Past period")
    for result in results:
        done = f"  deleted {result.deleted:,}" if delete_records else ""
        days = f"{result.period_days:,} day{'' if result.period_days == 1 else 's'}"
        click.echo(
            f"{result.kind.label:<{width}}  {days:>12}  {result.kind.counted_from:<34}  {result.past_period:>11,}{done}"
        )
    total = sum(result.past_period for result in results)
    if delete_records:
        click.echo(f"\nDeleted {total:,} records past their retention period. Each deletion is in the log.")
    elif total:
        click.echo(f"\nDry run: nothing was deleted. Run again with --delete to delete these {total:,} records.")
    else:
        click.echo("\nNo records are past their retention period.")
