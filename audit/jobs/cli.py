"""``flask jobs ...``: the worker's scheduled work, run by hand (or by cron where no worker runs),
and each notification's state. Each command does its work now, in this process."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from audit.jobs import tasks

jobs = AppGroup("jobs", help="Background work: email delivery and the daily jobs.")


@jobs.command("daily")
def daily_command() -> None:
    """The scheduled work now: due and overdue notices and concern escalation (each thing once,
    however often this runs), and today's digests and measure values if not yet done today."""
    done = tasks.run_daily()
    for job, count in done.items():
        click.echo(f"{job}: {count}")
    if "digests" not in done:
        click.echo("Today's digests and measure values were already done.")


@jobs.command("deliver")
def deliver_command() -> None:
    """Send every email due now, in this process (without a worker)."""
    ids = tasks.due_ids()
    results = [tasks.deliver(notification_id) for notification_id in ids]
    click.echo(
        f"Sent {results.count('sent')}, failed {results.count('failed')} (will retry), "
        f"skipped {results.count('skipped')}."
    )
