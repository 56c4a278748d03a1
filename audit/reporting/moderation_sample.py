"""Moderation sample achieved against the rule, for a period.

Of the audits submitted in the period (UK dates, both inclusive): how many the moderation rule
selected (for their grade, or at random), how many of those have been moderated, and how many were
moderated by their due date (the moderation's UK date on or before it). Selected audits still
waiting are counted as overdue once their due date has passed. The moderation queue shows it; the
dashboard and the themed report should call this function too, so the figure is worked out once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from audit.clock import to_local, today, utc_start_of
from audit.domain.moderation_sampling import BY_GRADE
from audit.extensions import db
from audit.models import Audit, AuditStatus, GradeSummary, Moderation, ModerationAssignment
from audit.reporting.figures import ReportScope, completed_audits_counted


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass(frozen=True)
class SampleAchieved:
    start: date
    end: date
    completed: int  # audits submitted in the period
    selected: int  # of those, selected by the rule
    selected_for_grade: int
    selected_at_random: int
    moderated: int  # of the selected, moderated so far
    on_time: int  # of the moderated, by their due date
    overdue: int  # of the selected, still waiting after their due date

    @property
    def percent_moderated(self) -> int | None:
        return _percent(self.moderated, self.selected)

    @property
    def percent_on_time(self) -> int | None:
        return _percent(self.on_time, self.selected)


def sample_achieved(start: date, end: date, on: date | None = None) -> SampleAchieved:
    """The moderation sample achieved for audits submitted from ``start`` to ``end``: two queries."""
    on = on or today()
    since, until = utc_start_of(start), utc_start_of(end + timedelta(days=1))
    in_period = (
        Audit.status.in_([AuditStatus.SUBMITTED, AuditStatus.MODERATED]),
        Audit.submitted_at >= since,
        Audit.submitted_at < until,
    )
    completed = db.session.scalar(
        select(func.sum(GradeSummary.audits)).where(*completed_audits_counted(ReportScope(start, end)))
    )
    rows = db.session.execute(
        select(ModerationAssignment.selected_because, ModerationAssignment.due_date, Moderation.created_at)
        .join(Audit, Audit.id == ModerationAssignment.audit_id)
        .outerjoin(Moderation, Moderation.audit_id == Audit.id)
        .where(*in_period)
    ).all()
    # The moderation's time is None where the selected audit is still waiting (an outer join).
    selected: list[tuple[str, date, datetime | None]] = [(because, due, done) for because, due, done in rows]
    moderated = [(due, done) for _because, due, done in selected if done is not None]
    return SampleAchieved(
        start=start,
        end=end,
        completed=int(completed or 0),
        selected=len(selected),
        selected_for_grade=sum(1 for because, _due, _done in selected if because == BY_GRADE),
        selected_at_random=sum(1 for because, _due, _done in selected if because != BY_GRADE),
        moderated=len(moderated),
        on_time=sum(1 for due, done in moderated if to_local(done).date() <= due),
        overdue=sum(1 for _because, due, done in selected if done is None and due < on),
    )
