"""Re-audits: an audit graded Inadequate overall (and, where the setting says so, Requires
improvement) is followed by an audit of the same case some weeks later, so that whether practice
improved for that child can be shown.

The follow-up is created at once, assigned and due after the set number of weeks, and linked to
the audit it follows (``follows_audit_id``). It is created directly, never through the programme's
sampler, so the sampler's six-month exclusion of recently audited cases does not stop it. It uses
the newest version of the same tool, and goes to the original auditor if they may still audit the
case, else the programme's lead (who created it), else the active auditor with the fewest open
audits who may audit it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from audit.clock import today
from audit.domain.audits import OPEN_STATUSES, auditor_conflict, start_audit
from audit.domain.moderation_sampling import settings
from audit.extensions import db
from audit.models import Audit, AuditStatus, AuditToolVersion, Role, ScaleGrade, User, UserRole


def grades_followed_up(audit: Audit) -> list[ScaleGrade]:
    """The grades of the audit's scale that call for a re-audit: the worst, and the one above it
    when the setting includes Requires improvement."""
    grades = sorted(audit.tool_version.scale.grades, key=lambda grade: grade.position)
    count = 2 if settings().reaudit_requires_improvement else 1
    return [grade for grade in grades[-count:] if not grade.good_or_better]


def needs_reaudit(audit: Audit, grade: ScaleGrade | None) -> bool:
    return grade is not None and grade.id in {found.id for found in grades_followed_up(audit)}


def existing_follow_up(audit: Audit) -> Audit | None:
    return db.session.scalar(
        select(Audit).where(Audit.follows_audit_id == audit.id, Audit.status != AuditStatus.CANCELLED).limit(1)
    )


def _least_busy_auditor(audit: Audit) -> User | None:
    open_audits = (
        select(Audit.auditor_id, func.count().label("open"))
        .where(Audit.status.in_(OPEN_STATUSES))
        .group_by(Audit.auditor_id)
        .subquery()
    )
    candidates = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .outerjoin(open_audits, open_audits.c.auditor_id == User.id)
        .where(User.active, UserRole.role == Role.AUDITOR)
        .order_by(func.coalesce(open_audits.c.open, 0), User.id)
    )
    return next((user for user in candidates if auditor_conflict(audit.case, user) is None), None)


def follow_up_auditor(audit: Audit) -> User | None:
    """Who re-audits the case: the original auditor, else the programme's lead, else the least busy
    active auditor; each only if they may audit the case (``auditor_conflict``)."""
    for person in (audit.auditor, audit.programme.created_by if audit.programme else None):
        if person is not None and auditor_conflict(audit.case, person) is None:
            return person
    return _least_busy_auditor(audit)


def _newest_version(audit: Audit) -> AuditToolVersion:
    newest = db.session.scalar(
        select(AuditToolVersion)
        .where(AuditToolVersion.tool_id == audit.tool_version.tool_id)
        .order_by(AuditToolVersion.version.desc())
        .limit(1)
    )
    return newest or audit.tool_version


def schedule_reaudit(audit: Audit, grade: ScaleGrade | None, by: User) -> Audit | None:
    """If ``grade`` (the audit's overall grade, the auditor's or the moderator's) calls for it,
    create the follow-up audit of the same case, due after the set number of weeks; once per
    audit. None when no re-audit is needed, one exists already, the case is closed, or nobody may
    audit the case."""
    if not needs_reaudit(audit, grade) or audit.case.closed_on is not None:
        return None
    if existing_follow_up(audit) is not None:
        return None
    auditor = follow_up_auditor(audit)
    if auditor is None:
        return None
    follow_up = start_audit(
        case=audit.case,
        tool_version=_newest_version(audit),
        auditor=auditor,
        created_by=by,
        due_date=today() + timedelta(weeks=settings().reaudit_after_weeks),
    )
    follow_up.follows_audit_id = audit.id
    db.session.flush()
    return follow_up
