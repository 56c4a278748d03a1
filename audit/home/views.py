"""The home page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import render_template
from flask_login import current_user

from audit.access import signed_in
from audit.domain import follow_up, supervision_compliance
from audit.domain import moderation as moderation_outcome
from audit.home import home
from audit.models import Role, User
from audit.reporting import figures


@dataclass(frozen=True)
class LeaderFigures:
    """A leader's headline figures, each from the function the reports use."""

    open_audits: int
    overdue_audits: int
    percent_workers_supervised: int | None  # within timescale; None when there are no workers


def _leader_figures(user: User, compliance: supervision_compliance.ComplianceReport | None) -> LeaderFigures:
    on = follow_up.today()
    # Open and overdue audits are as at today whatever the period; the period is the dashboard's year.
    counts = figures.audit_counts(figures.ReportScope(start=on - timedelta(days=364), end=on))
    # A leader's compliance report covers every team already; otherwise ask for every team.
    total = (
        compliance.total
        if compliance is not None
        else supervision_compliance.total_compliance(supervision_compliance.team_compliance())
    )
    return LeaderFigures(counts.in_progress, counts.overdue, total.percent_workers)


@home.route("/")
@signed_in
def index() -> str:
    # Unacknowledged immediate safeguarding concerns: for the team's supervisors and leaders.
    concerns = follow_up.open_concerns_shown(current_user)  # the oldest few, and how many in all
    outcomes = moderation_outcome.unread_outcomes_shown(current_user) if current_user.has_role(Role.AUDITOR) else None
    compliance = supervision_compliance.compliance(current_user) if current_user.has_role(Role.SUPERVISOR) else None
    return render_template(
        "home/index.html",
        concerns=concerns.items,
        concerns_total=concerns.total,
        concern_days={concern.id: follow_up.days_since(concern.raised_at) for concern in concerns.items},
        counts=follow_up.work_counts(current_user),
        workers_overdue=(
            [worker for worker in compliance.workers_due if worker.overdue] if compliance is not None else []
        ),
        leader=_leader_figures(current_user, compliance) if current_user.has_role(Role.LEADER) else None,
        # The moderators' verdicts on the auditor's audits, until the auditor opens each audit.
        outcomes=outcomes.items if outcomes is not None else [],
        outcomes_total=outcomes.total if outcomes is not None else 0,
        agreement_summary=moderation_outcome.agreement_summary,
        title="Home",
    )
