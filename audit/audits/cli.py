"""``flask concerns escalate``: mark unacknowledged safeguarding concerns past their response time as
escalated to the service's leaders. Run it from the scheduler (every hour, say) until background
jobs run it; it is safe to run at any time and escalates each concern once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from audit.domain import follow_up
from audit.extensions import db

concerns = AppGroup("concerns", help="Immediate safeguarding concerns raised during audits.")


@concerns.command("escalate")
def escalate_command() -> None:
    """Escalate every concern not acknowledged within its response time (once each)."""
    escalated = follow_up.escalate_overdue_concerns()
    db.session.commit()
    # Counts only: a concern's details and its child's reference stay out of logs and terminals.
    click.echo(f"Escalated {len(escalated)} overdue concern{'s' if len(escalated) != 1 else ''} to leaders.")
