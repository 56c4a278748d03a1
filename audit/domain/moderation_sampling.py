"""Which submitted audits are moderated, by whom and by when.

The rule (a programme's own, else the service-wide setting): every audit graded the scale's best or
worst grade overall (Outstanding or Inadequate on Ofsted's scale), where the tool asks for an overall
grade and the rule includes them, plus a random percentage of the rest. The draw is decided once,
at submission, from an HMAC of the audit's id under the sample key: the same audit always draws the
same way (it can be checked afterwards), but an auditor cannot work out in advance whether theirs
will be moderated. A selected audit goes to the active moderator with the fewest moderations still
open (never its own auditor), due a number of working days later (Monday to Friday; bank holidays
are not known to the service, so they count as working days).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from audit.clock import add_working_days, to_local, today
from audit.config import FollowThroughSettings
from audit.extensions import db
from audit.models import Audit, AuditProgramme, AuditStatus, ModerationAssignment, Role, ScaleGrade, User, UserRole

BY_GRADE = "grade"
AT_RANDOM = "random"


def settings() -> FollowThroughSettings:
    """The service's follow-through settings (audit/config.py)."""
    found = current_app.config.get("FOLLOW_THROUGH")
    return found if isinstance(found, FollowThroughSettings) else FollowThroughSettings()


@dataclass(frozen=True)
class ModerationRule:
    percent: int
    best_and_worst: bool

    @property
    def in_words(self) -> str:
        if self.best_and_worst:
            return (
                "every audit graded the best or worst grade overall (such as Outstanding or Inadequate), "
                f"and {self.percent}% of the rest at random"
            )
        return f"{self.percent}% of completed audits at random"

    @property
    def sentence(self) -> str:
        """The rule in words, starting with a capital letter."""
        words = self.in_words
        return words[:1].upper() + words[1:]


def rule_for(audit: Audit) -> ModerationRule:
    """The audit's programme's rule where it sets one, else the service-wide setting."""
    return programme_rule(audit.programme)


def programme_rule(programme: AuditProgramme | None) -> ModerationRule:
    """A programme's moderation rule: its own percentage and choice where it sets them, else the
    service-wide setting's."""
    service = settings()
    percent = programme.moderation_percent if programme and programme.moderation_percent is not None else None
    extremes = programme.moderate_best_and_worst if programme else None
    return ModerationRule(
        percent=service.moderation_percent if percent is None else percent,
        best_and_worst=service.moderate_best_and_worst if extremes is None else extremes,
    )


def drawn_at_random(audit_id: int, percent: int, key: str) -> bool:
    """Whether the random part of the rule draws this audit: the same answer every time for the
    same audit, key and percentage; over many audits, about ``percent`` in 100."""
    if percent <= 0:
        return False
    digest = hmac.new(key.encode(), f"moderation:{audit_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < percent / 100


def overall_grade_of(audit: Audit) -> ScaleGrade | None:
    """The auditor's overall grade, looked up by id (the relationship may not yet follow a grade
    saved earlier in the same request)."""
    if audit.overall_grade_id is None or not audit.tool_version.asks_overall_grade:
        return None
    return db.session.get(ScaleGrade, audit.overall_grade_id)


def graded_at_either_end(audit: Audit) -> bool:
    """Whether the audit's overall grade is its scale's best or worst grade."""
    grade = overall_grade_of(audit)
    if grade is None:
        return False
    positions = [scale_grade.position for scale_grade in audit.tool_version.scale.grades]
    return grade.position in (min(positions), max(positions))


def why_selected(audit: Audit) -> str | None:
    """``BY_GRADE`` or ``AT_RANDOM`` when the rule selects this submitted audit, else None."""
    rule = rule_for(audit)
    if rule.best_and_worst and graded_at_either_end(audit):
        return BY_GRADE
    if drawn_at_random(audit.id, rule.percent, settings().sample_key or current_app.config["SECRET_KEY"]):
        return AT_RANDOM
    return None


def fairest_moderator(audit: Audit) -> User | None:
    """The active moderator, other than the audit's auditor, with the fewest selected audits still
    awaiting moderation (the lowest id on a tie); None when there is nobody."""
    open_load = (
        select(ModerationAssignment.moderator_id, func.count().label("open"))
        .join(Audit, Audit.id == ModerationAssignment.audit_id)
        .where(Audit.status == AuditStatus.SUBMITTED)
        .group_by(ModerationAssignment.moderator_id)
        .subquery()
    )
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .outerjoin(open_load, open_load.c.moderator_id == User.id)
        .where(User.active, UserRole.role == Role.MODERATOR, User.id != audit.auditor_id)
        .order_by(func.coalesce(open_load.c.open, 0), User.id)
        .limit(1)
    )


def select_for_moderation(audit: Audit, submitted_on: date | None = None) -> ModerationAssignment | None:
    """At submission: if the rule selects the audit, assign it to a moderator with a due date
    counted from ``submitted_on`` (today). An audit is selected once; a later call (a
    resubmission) changes nothing."""
    if audit.moderation_assignment is not None:
        return audit.moderation_assignment
    because = why_selected(audit)
    if because is None:
        return None
    moderator = fairest_moderator(audit)
    assignment = ModerationAssignment(
        audit=audit,
        moderator_id=moderator.id if moderator else None,
        selected_because=because,
        due_date=add_working_days(submitted_on or today(), settings().moderation_due_working_days),
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def days_overdue(assignment: ModerationAssignment | None, on: date | None = None) -> int | None:
    """How many days past its due date a selected audit is (0 or fewer: not overdue)."""
    if assignment is None:
        return None
    return ((on or today()) - assignment.due_date).days


@dataclass(frozen=True)
class QueueTiming:
    """How long a submitted audit has waited, and when its moderation is due, as the queue shows it."""

    waiting_days: int
    due_date: date | None
    days_overdue: int | None  # positive: overdue by so many days; 0: due today; negative: due later

    @property
    def overdue(self) -> bool:
        return self.days_overdue is not None and self.days_overdue > 0


def queue_timing(audit: Audit, on: date | None = None) -> QueueTiming:
    on = on or today()
    submitted = to_local(audit.submitted_at).date() if audit.submitted_at else on
    assignment = audit.moderation_assignment
    return QueueTiming(
        waiting_days=(on - submitted).days,
        due_date=assignment.due_date if assignment else None,
        days_overdue=days_overdue(assignment, on),
    )


def service_rule() -> ModerationRule:
    """The service-wide moderation rule, for audits whose programme sets none."""
    service = settings()
    return ModerationRule(percent=service.moderation_percent, best_and_worst=service.moderate_best_and_worst)
