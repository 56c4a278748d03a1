"""Audits: who may see and change them, starting one, loading one whole, and listing them.

Saving answers and submitting live in ``audit.domain.audit_answers``; moderation, the programme
and the PDF in their own modules. Everything here knows nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from audit.clock import today, utcnow
from audit.domain import notifications
from audit.domain.bounded import NumberedPage, numbered_page, page_within
from audit.domain.summaries import due_before_today
from audit.extensions import db
from audit.models import (
    Action,
    Audit,
    AuditAmendment,
    AuditProgramme,
    AuditStatus,
    AuditToolVersion,
    Case,
    GradeScale,
    Moderation,
    OpenAuditSummary,
    Role,
    SafeguardingConcern,
    ScaleGrade,
    ToolQuestion,
    ToolSection,
    User,
    UserRole,
)

PAGE_SIZE = 50
OPEN_STATUSES = (AuditStatus.ASSIGNED, AuditStatus.IN_PROGRESS)


class AuditError(ValueError):
    """A request about an audit that cannot be done, with the reason in words for the user."""


# Who may do what ---------------------------------------------------------------------------------


def visible_to(user: User) -> Select[Audit]:
    """Audits the user may see: every team's for service-wide roles; otherwise their own team's,
    and any they are the auditor of (auditors often audit other teams' cases)."""
    query = select(Audit)
    if user.is_service_wide:
        return query
    return query.where(or_(Audit.team_id == user.team_id, Audit.auditor_id == user.id))


def can_view(user: User, audit: Audit) -> bool:
    return user.is_service_wide or audit.team_id == user.team_id or audit.auditor_id == user.id


def can_edit(user: User, audit: Audit) -> bool:
    """Only the assigned auditor edits a draft; a submitted audit is changed only by amendment,
    and a cancelled one not at all."""
    return audit.auditor_id == user.id and audit.status_enum.is_open


def can_amend(user: User, audit: Audit) -> bool:
    return audit.is_locked and (audit.auditor_id == user.id or user.has_role(Role.LEADER, Role.ADMIN))


def can_reflect(user: User, audit: Audit) -> bool:
    """The case's worker adds their reflection once the audit is submitted, until it closes."""
    return audit.status == AuditStatus.SUBMITTED and audit.case.worker_id == user.id


def add_reflection(audit: Audit, practitioner: User, reflection: str) -> None:
    """The worker's reflection on the audit of their case (``can_reflect`` says when)."""
    audit.practitioner_reflection = reflection
    audit.reflection_by_id = practitioner.id
    audit.reflection_at = utcnow()


def auditor_conflict(case: Case, auditor: User) -> str | None:
    """Why this person must not audit this case, or None. Nobody audits their own work or the
    work of someone they manage (a supervisor in the case's team)."""
    if case.worker_id == auditor.id:
        return f"{auditor.name} is the case's allocated worker and cannot audit it"
    if auditor.team_id == case.team_id and auditor.has_role(Role.SUPERVISOR):
        return f"{auditor.name} manages the case's team and cannot audit it"
    if not auditor.active or not auditor.has_role(Role.AUDITOR):
        return f"{auditor.name} is not an active auditor"
    return None


# Starting and loading ----------------------------------------------------------------------------


def start_audit(
    *,
    case: Case,
    tool_version: AuditToolVersion,
    auditor: User,
    created_by: User,
    due_date: date | None = None,
    programme: AuditProgramme | None = None,
) -> Audit:
    problem = auditor_conflict(case, auditor)
    if problem:
        raise AuditError(problem)
    if due_date is not None and due_date < today():
        raise AuditError("The due date must be today or in the future")
    audit = Audit(
        case=case,
        team_id=case.team_id,
        tool_version=tool_version,
        auditor=auditor,
        created_by_id=created_by.id,
        due_date=due_date,
        programme=programme,
        status=AuditStatus.ASSIGNED,
        # A practice-week programme's audits are done with the case's worker present.
        collaborative=bool(programme and programme.collaborative),
    )
    db.session.add(audit)
    db.session.flush()
    if created_by.id != auditor.id:  # an auditor starting an audit themselves needs no email
        notifications.audit_assigned(audit, auditor)
    return audit


def audit_with_everything(audit_id: int) -> Audit | None:
    """One audit with its case, tool (scale, sections, questions), answers, judgements, actions,
    concerns, moderation and amendments: a fixed number of queries whatever its size."""
    return db.session.scalar(
        select(Audit)
        .where(Audit.id == audit_id)
        .options(
            selectinload(Audit.case).selectinload(Case.worker),
            selectinload(Audit.team),
            selectinload(Audit.auditor),
            selectinload(Audit.updated_by),
            selectinload(Audit.overall_grade),
            selectinload(Audit.tool_version).selectinload(AuditToolVersion.scale).selectinload(GradeScale.grades),
            selectinload(Audit.tool_version)
            .selectinload(AuditToolVersion.sections)
            .selectinload(ToolSection.questions)
            .joinedload(ToolQuestion.options),  # in the questions' own statement
            selectinload(Audit.answers),
            selectinload(Audit.judgements),
            selectinload(Audit.actions).selectinload(Action.owner),
            selectinload(Audit.actions).selectinload(Action.completed_by),
            selectinload(Audit.concerns).selectinload(SafeguardingConcern.raised_by),
            selectinload(Audit.concerns).selectinload(SafeguardingConcern.acknowledged_by),
            selectinload(Audit.moderation).selectinload(Moderation.section_grades),
            selectinload(Audit.moderation).selectinload(Moderation.moderator),
            selectinload(Audit.amendments).selectinload(AuditAmendment.user),
            selectinload(Audit.parts_done),
        )
    )


def audit_for_saving(audit_id: int) -> Audit | None:
    """One audit with only what saving a draft reads: its tool (scale, sections, questions, for the
    form and the grade keys), answers and judgements. Autosave runs every few seconds while an
    auditor types, so it does not load the case, people, actions, concerns, moderation or
    amendments that ``audit_with_everything`` brings for the pages. The tool version and its scale
    come in the audit's own statement; six statements in all, whatever the audit's size."""
    return db.session.scalar(
        select(Audit)
        .where(Audit.id == audit_id)
        .options(
            joinedload(Audit.tool_version).joinedload(AuditToolVersion.scale).selectinload(GradeScale.grades),
            joinedload(Audit.tool_version)
            .selectinload(AuditToolVersion.sections)
            .selectinload(ToolSection.questions)
            .joinedload(ToolQuestion.options),  # in the questions' own statement
            selectinload(Audit.answers),
            selectinload(Audit.judgements),
        )
    )


# Lists -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    team_id: int | None = None
    tool_id: int | None = None
    status: str | None = None
    overall_grade_key: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    auditor_id: int | None = None
    overdue_only: bool = False


@dataclass(frozen=True)
class AuditPage:
    audits: Sequence[Audit]
    total: int
    page: int
    pages: int
    filters: AuditFilters = field(default_factory=AuditFilters)


def open_as_written() -> ColumnElement[bool]:
    """An open audit, as SQL with the statuses written into the statement, not bound: the condition
    of the partial index of open audits by due date (``ix_audits_open_due``), which SQLite uses
    only for a query that names it as written."""
    statuses: BindParameter[list[str]] = bindparam(
        "open_statuses", [status.value for status in OPEN_STATUSES], expanding=True, literal_execute=True
    )
    return Audit.status.in_(statuses)


def awaiting_reflection_as_written() -> ColumnElement[bool]:
    """A submitted audit its practitioner has not yet reflected on: the condition of the partial
    index of those audits by case (``ix_audits_awaiting_reflection``), with the status written into
    the statement, not bound, so that no plan has to prove a bound value matches the index (a
    generic plan, as PostgreSQL keeps for a prepared statement, cannot). My audits lists them and
    the home page counts them; without the index both read every audit of the practitioner's cases
    whole (4 ms each for the demo practitioner's 1,260 at 100,000 audits)."""
    submitted: BindParameter[str] = bindparam("submitted_status", AuditStatus.SUBMITTED.value, literal_execute=True)
    return and_(Audit.status == submitted, Audit.practitioner_reflection.is_(None))


def is_overdue_clause() -> ColumnElement[bool]:
    """An open audit whose due date has passed, as SQL; ``is_overdue`` is the same rule for one audit."""
    return and_(open_as_written(), Audit.due_date.is_not(None), Audit.due_date < today())


def is_overdue(audit: Audit, on: date | None = None) -> bool:
    """An open audit whose due date has passed (on ``on``, by default today): the rule of
    ``is_overdue_clause`` for an audit already loaded, as the audit lists show it."""
    on = on or today()
    return audit.status in OPEN_STATUSES and audit.due_date is not None and audit.due_date < on


def _open_first_then_newest() -> tuple[ColumnElement[Any], ...]:
    """Open audits first, soonest due first; then the rest, most recently submitted first."""
    is_open = Audit.status.in_(OPEN_STATUSES)
    open_due = case((is_open, Audit.due_date))
    return (case((is_open, 0), else_=1), open_due.is_(None), open_due, Audit.submitted_at.desc(), Audit.id.desc())


def audit_page(user: User, filters: AuditFilters, page: int = 1) -> AuditPage:
    """A page of the audits the user may see, filtered; a fixed number of queries at any size."""
    query = visible_to(user)
    if filters.team_id:
        query = query.where(Audit.team_id == filters.team_id)
    if filters.tool_id:
        query = query.where(
            Audit.tool_version_id.in_(select(AuditToolVersion.id).where(AuditToolVersion.tool_id == filters.tool_id))
        )
    if filters.status in {status.value for status in AuditStatus}:
        query = query.where(Audit.status == filters.status)
    if filters.overall_grade_key:
        query = query.where(
            Audit.overall_grade_id.in_(select(ScaleGrade.id).where(ScaleGrade.key == filters.overall_grade_key))
        )
    if filters.submitted_from:
        query = query.where(func.date(Audit.submitted_at) >= filters.submitted_from)
    if filters.submitted_to:
        query = query.where(func.date(Audit.submitted_at) <= filters.submitted_to)
    if filters.auditor_id:
        query = query.where(Audit.auditor_id == filters.auditor_id)
    if filters.overdue_only:
        query = query.where(is_overdue_clause())
    is_open = Audit.status.in_(OPEN_STATUSES)
    counted = query.with_only_columns(Audit.id, is_open.label("open")).subquery()
    total, open_count = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((counted.c.open, 1), else_=0)), 0)).select_from(counted)
    ).one()
    page, pages = page_within(total, page, PAGE_SIZE)
    ids = _page_ids(query, (page - 1) * PAGE_SIZE, int(open_count))
    loaded = db.session.scalars(
        select(Audit)
        .where(Audit.id.in_(ids))
        .options(
            selectinload(Audit.case),
            selectinload(Audit.team),
            selectinload(Audit.auditor),
            selectinload(Audit.overall_grade),
            selectinload(Audit.tool_version).selectinload(AuditToolVersion.tool),
        )
    ).all()
    by_id = {audit.id: audit for audit in loaded}
    return AuditPage(audits=[by_id[audit_id] for audit_id in ids], total=total, page=page, pages=pages, filters=filters)


def _page_ids(query: Select[Audit], offset: int, open_count: int) -> list[int]:
    """One page of ``_open_first_then_newest`` as two runs, each read with a limit: the open audits
    (a few, soonest due first), then the rest newest first along the submitted_at index. One sort
    of every audit by that order's CASE expression cost 0.5 s for a page deep in 100,000 audits.
    The open audits are read from the partial index of open audits by due date."""
    is_open = Audit.status.in_(OPEN_STATUSES)
    ids = list(
        db.session.scalars(
            query.where(open_as_written())
            .with_only_columns(Audit.id)
            .order_by(Audit.due_date.is_(None), Audit.due_date, Audit.submitted_at.desc(), Audit.id.desc())
            .limit(PAGE_SIZE)
            .offset(offset)
        ).all()
    )
    ids += db.session.scalars(
        query.where(~is_open)
        .with_only_columns(Audit.id)
        .order_by(Audit.submitted_at.desc(), Audit.id.desc())
        .limit(PAGE_SIZE - len(ids))
        .offset(max(0, offset - open_count))
    ).all()
    return ids


def _my_audits_query(user: User) -> Select[Audit]:
    return (
        select(Audit)
        .where(Audit.auditor_id == user.id, Audit.status.in_(OPEN_STATUSES))
        .options(
            selectinload(Audit.case),
            selectinload(Audit.team),
            selectinload(Audit.tool_version),
        )
        .order_by(Audit.due_date.is_(None), Audit.due_date, Audit.id)
    )


def my_audits(user: User) -> Sequence[Audit]:
    """The auditor's assigned and in-progress audits, soonest due first."""
    return db.session.scalars(_my_audits_query(user)).all()


# My audits' two lists, a page at a time: the page costs the same however many an auditor is
# assigned or a practitioner's cases have waiting (drawing 100 rows, the old cap, was most of it).
MY_AUDITS_PAGE_SIZE = 25
REFLECTIONS_PAGE_SIZE = 25


def my_audits_page(user: User, page: int) -> NumberedPage[Audit]:
    """Page ``page`` of ``my_audits`` (soonest due first) and how many there are."""
    return numbered_page(_my_audits_query(user), page, MY_AUDITS_PAGE_SIZE)


def awaiting_my_reflection(user: User) -> Select[int]:
    """The ids of the submitted audits of the practitioner's own cases that have no reflection yet,
    longest waiting first: what My audits pages through and the home page counts, read from the
    partial index of those audits."""
    return (
        select(Audit.id)
        .join(Case, Case.id == Audit.case_id)
        .where(Case.worker_id == user.id, awaiting_reflection_as_written())
        .order_by(Audit.submitted_at, Audit.id)
    )


def awaiting_my_reflection_page(user: User, page: int) -> NumberedPage[Audit]:
    """Page ``page`` of ``awaiting_my_reflection`` and how many there are: counted and ordered from
    the index (ids alone), then the page's 25 read whole."""
    loaded = select(Audit).options(
        selectinload(Audit.case), selectinload(Audit.tool_version), selectinload(Audit.auditor)
    )
    return numbered_page(awaiting_my_reflection(user), page, REFLECTIONS_PAGE_SIZE, rows=loaded)


def overdue_count(user: User) -> int:
    """The overdue audits the user may see. Every team's (a service-wide role) is a sum of the
    open audits' kept counts, not a read of every open audit."""
    if user.is_service_wide:
        kept = OpenAuditSummary
        overdue = select(func.coalesce(func.sum(kept.audits), 0)).where(due_before_today(kept.due_date))
        return int(db.session.scalar(overdue) or 0)
    query = visible_to(user).where(is_overdue_clause())
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def eligible_auditors() -> Sequence[User]:
    return db.session.scalars(
        select(User)
        .where(User.active, exists().where(UserRole.user_id == User.id, UserRole.role == Role.AUDITOR))
        .options(selectinload(User.team))
        .order_by(User.name)
    ).all()


def mark_started(audit: Audit) -> None:
    if audit.status == AuditStatus.ASSIGNED:
        audit.status = AuditStatus.IN_PROGRESS
        audit.started_at = utcnow()


def grade_options() -> list[tuple[str, str]]:
    """Every grade on any scale in use, best first, for filtering lists."""
    rows = db.session.execute(
        select(ScaleGrade.key, ScaleGrade.label, func.min(ScaleGrade.position))
        .group_by(ScaleGrade.key, ScaleGrade.label)
        .order_by(func.min(ScaleGrade.position))
    )
    return [(key, label) for key, label, _position in rows]
