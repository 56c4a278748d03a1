"""Actions arising from audits, and immediate safeguarding concerns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from audit.clock import add_working_days, to_local, today, utcnow
from audit.domain import notifications, supervision
from audit.domain.audits import awaiting_my_reflection
from audit.domain.bounded import Bounded, KeysetPage, NumberedPage, first_rows, keyset_page, numbered_page
from audit.extensions import db
from audit.models import (
    Action,
    Audit,
    AuditStatus,
    Role,
    SafeguardingConcern,
    SupervisionRecord,
    SupervisionStatus,
    User,
    UserRole,
)
from audit.models.people import SERVICE_WIDE_ROLES

__all__ = ["today"]


def _can_read(audit: Audit) -> ColumnElement[bool]:
    """Users who may read the audit (as ``audits.can_view``): its team, its auditor, and
    service-wide roles. An owner must be able to open the audit their action came from."""
    service_wide = exists().where(
        UserRole.user_id == User.id, UserRole.role.in_([role.value for role in SERVICE_WIDE_ROLES])
    )
    return or_(User.team_id == audit.team_id, User.id == audit.auditor_id, service_wide)


def possible_owners(audit: Audit) -> Sequence[User]:
    """Active people who can read the audit: usually the worker, their manager or the auditor."""
    return db.session.scalars(
        select(User).where(User.active, _can_read(audit)).options(selectinload(User.team)).order_by(User.name)
    ).all()


def add_action(audit: Audit, *, description: str, owner_id: int, due_date: date, created_by: User) -> Action:
    owner = db.session.scalar(select(User).where(User.id == owner_id, User.active, _can_read(audit)))
    if owner is None:
        raise ValueError("The owner must be an active user who can read the audit")
    action = Action(
        audit_id=audit.id, description=description, owner_id=owner.id, due_date=due_date, created_by_id=created_by.id
    )
    db.session.add(action)
    db.session.flush()
    return action


def _actions_owned_query(user: User) -> Select[Action]:
    return (
        select(Action)
        .where(Action.owner_id == user.id)
        .options(
            selectinload(Action.audit).selectinload(Audit.case),
            selectinload(Action.supervision),
            selectinload(Action.supervision_case),
            selectinload(Action.completed_by),
        )
        .order_by(Action.completed_at.is_not(None), Action.due_date, Action.id)
    )


def actions_owned_by(user: User) -> Sequence[Action]:
    """The user's actions from audits and supervision: open ones first, soonest due first; with
    the audit's case reference or the supervision session."""
    return db.session.scalars(_actions_owned_query(user)).all()


ACTIONS_PAGE_SIZE = 25


def actions_owned_page(user: User, page: int) -> NumberedPage[Action]:
    """Page ``page`` of ``actions_owned_by`` (open ones first) and how many there are: what My
    actions shows and logs as viewed, a page at a time, whatever the person has accumulated."""
    return numbered_page(_actions_owned_query(user), page, ACTIONS_PAGE_SIZE)


def complete_action(action: Action, user: User, note: str | None) -> None:
    action.completed_at = utcnow()
    action.completed_by_id = user.id
    action.completion_note = note


def raise_concern(audit: Audit, user: User, details: str) -> SafeguardingConcern:
    concern = SafeguardingConcern(audit_id=audit.id, team_id=audit.team_id, details=details, raised_by_id=user.id)
    db.session.add(concern)
    db.session.flush()
    notifications.concern_raised(concern, respond_by(concern))
    return concern


def can_acknowledge(user: User, concern: SafeguardingConcern) -> bool:
    """Leaders, and the supervisors (team managers) of the concern's team."""
    return user.has_role(Role.LEADER) or (user.has_role(Role.SUPERVISOR) and user.team_id == concern.team_id)


def open_concerns_for(user: User) -> Sequence[SafeguardingConcern]:
    """Unacknowledged concerns the user must see: every team's for leaders, their team's for
    supervisors. Empty for everyone else."""
    query = _open_concerns_query(user)
    return db.session.scalars(query).all() if query is not None else []


CONCERNS_SHOWN = 20


def open_concerns_shown(user: User, limit: int | None = None) -> Bounded[SafeguardingConcern]:
    """The oldest ``limit`` of ``open_concerns_for`` and how many there are, in one statement: what
    the home page shows (the concerns page lists them all)."""
    query = _open_concerns_query(user)
    return first_rows(query, limit or CONCERNS_SHOWN) if query is not None else Bounded(items=[], total=0)


CONCERNS_PAGE_SIZE = 50


def open_concerns_page(
    user: User, after: int | None = None, size: int | None = None
) -> KeysetPage[SafeguardingConcern]:
    """A page of ``open_concerns_for``, oldest first, after the concern ``after`` (the last one on
    the page before): a keyset page, so a page deep in a long list costs what the first does."""
    query = _open_concerns_query(user)
    if query is None:
        return KeysetPage(items=[], after_these=0, next_after=None)
    # The key is looked up in the page's own statement: the same statements for every page.
    raised = select(SafeguardingConcern.raised_at).where(SafeguardingConcern.id == after).scalar_subquery()
    key = (raised, after) if after is not None else None
    return keyset_page(query, (SafeguardingConcern.raised_at, SafeguardingConcern.id), key, size or CONCERNS_PAGE_SIZE)


def _open_concerns_query(user: User) -> Select[SafeguardingConcern] | None:
    query = (
        select(SafeguardingConcern)
        .where(SafeguardingConcern.acknowledged_at.is_(None))
        .options(
            # The concern's team is the audit's team (the case's when audited), not the case's now.
            selectinload(SafeguardingConcern.audit).selectinload(Audit.case),
            selectinload(SafeguardingConcern.audit).selectinload(Audit.team),
            selectinload(SafeguardingConcern.raised_by),
        )
        .order_by(SafeguardingConcern.raised_at, SafeguardingConcern.id)
    )
    if user.has_role(Role.LEADER):
        return query
    if user.has_role(Role.SUPERVISOR) and user.team_id is not None:
        return query.where(SafeguardingConcern.team_id == user.team_id)
    return None


def acknowledge_concern(concern: SafeguardingConcern, user: User, action_taken: str) -> None:
    concern.acknowledged_at = utcnow()
    concern.acknowledged_by_id = user.id
    concern.action_taken = action_taken


@dataclass(frozen=True)
class WorkCounts:
    """What is waiting for one user, for the home page."""

    open_actions: int
    overdue_actions: int
    open_audits: int
    overdue_audits: int
    awaiting_reflection: int
    supervision_to_acknowledge: int = 0  # completed records of their supervision, not yet acknowledged
    oldest_supervision_waiting_days: int | None = None  # days since the oldest of those was completed
    supervision_drafts: int = 0  # records they supervise, not yet completed
    supervision_awaiting_worker: int = 0  # records they completed that a worker has not acknowledged


def days_since(moment: datetime, on: date | None = None) -> int:
    """Whole days from a stored (UTC) time to ``on`` (by default today), both as UK dates."""
    return ((on or today()) - to_local(moment).date()).days


def work_counts(user: User) -> WorkCounts:
    """The user's open and overdue actions, the open and overdue audits assigned to them, the
    submitted audits of their cases waiting for their reflection, the supervision records waiting
    for their acknowledgement (and when the oldest was completed), and the records they supervise
    that are drafts or wait for a worker's acknowledgement: counted in one SQL statement."""
    now = today()
    open_action = and_(Action.owner_id == user.id, Action.completed_at.is_(None))
    open_audit = and_(
        Audit.auditor_id == user.id,
        Audit.status.in_((AuditStatus.ASSIGNED, AuditStatus.IN_PROGRESS)),
    )
    # The same queries My audits and the supervision list read, their columns swapped for the
    # count (not wrapped as subqueries: copying every column of the record cost 2-3 ms a page).
    waiting = supervision.waiting_for_acknowledgement(user)
    supervised_by_them = SupervisionRecord.supervisor_id == user.id

    def count(model: type[Action | Audit | SupervisionRecord], *where: ColumnElement[bool]) -> ScalarSelect[int]:
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    row = db.session.execute(
        select(
            count(Action, open_action),
            count(Action, open_action, Action.due_date < now),
            count(Audit, open_audit),
            count(Audit, open_audit, Audit.due_date.is_not(None), Audit.due_date < now),
            awaiting_my_reflection(user).with_only_columns(func.count()).order_by(None).scalar_subquery(),
            waiting.with_only_columns(func.count()).scalar_subquery(),
            count(SupervisionRecord, supervised_by_them, SupervisionRecord.status == SupervisionStatus.DRAFT),
            count(SupervisionRecord, supervised_by_them, SupervisionRecord.status == SupervisionStatus.COMPLETED),
            waiting.with_only_columns(func.min(SupervisionRecord.completed_at)).scalar_subquery(),
        )
    ).one()
    *numbers, oldest = row
    (open_actions, overdue_actions, open_audits, overdue_audits, reflection, acknowledge, drafts, awaiting) = (
        int(value or 0) for value in numbers
    )
    return WorkCounts(
        open_actions,
        overdue_actions,
        open_audits,
        overdue_audits,
        reflection,
        supervision_to_acknowledge=acknowledge,
        oldest_supervision_waiting_days=days_since(oldest, now) if isinstance(oldest, datetime) else None,
        supervision_drafts=drafts,
        supervision_awaiting_worker=awaiting,
    )


def action_is_overdue(action: Action, on: date | None = None) -> bool:
    """An action not yet done whose due date has passed (on ``on``, by default today): the rule
    ``work_counts`` counts by, for an action already loaded, as the action lists show it."""
    return action.completed_at is None and action.due_date < (on or today())


# Concerns with a response time --------------------------------------------------------------------

# A concern must be acknowledged by the end of this many working days after the UK day it was
# raised (1: by the end of the next working day). Set from CONCERN_RESPONSE_WORKING_DAYS at start
# (audit.config); weekends are not working days; bank holidays are not known, so a concern raised
# before one is due a day early, never late.
_response = {"working_days": 1}


class ConcernTimes(Protocol):
    """What the response-time rules read of a concern: a ``SafeguardingConcern``, or a row of
    those two columns (the reports read hundreds of concerns as rows, not objects)."""

    @property
    def raised_at(self) -> datetime: ...

    @property
    def acknowledged_at(self) -> datetime | None: ...


def set_response_time(working_days: int) -> None:
    if working_days < 1:
        raise ValueError("a concern's response time is at least one working day")
    _response["working_days"] = working_days


def response_working_days() -> int:
    return _response["working_days"]


def respond_by(concern: ConcernTimes) -> date:
    """The last UK day on which the concern is acknowledged in time."""
    return add_working_days(to_local(concern.raised_at).date(), _response["working_days"])


def is_overdue(concern: ConcernTimes, on: date | None = None) -> bool:
    """Not acknowledged, and past the end of its response time (acknowledged late still counts
    as late in reports, but no longer as overdue)."""
    return concern.acknowledged_at is None and (on or today()) > respond_by(concern)


def acknowledged_in_time(concern: ConcernTimes) -> bool | None:
    if concern.acknowledged_at is None:
        return None
    return to_local(concern.acknowledged_at).date() <= respond_by(concern)


def age_in_days(concern: ConcernTimes, on: date | None = None) -> int:
    end = to_local(concern.acknowledged_at).date() if concern.acknowledged_at else (on or today())
    return (end - to_local(concern.raised_at).date()).days


def escalate_overdue_concerns(on: date | None = None) -> list[SafeguardingConcern]:
    """Mark every unacknowledged concern past its response time as escalated to the service's
    leaders (once): run by ``flask concerns escalate`` until background jobs exist. Leaders see every
    open concern anyway; the mark says when the escalation happened."""
    day = on or today()
    open_concerns = db.session.scalars(
        select(SafeguardingConcern).where(
            SafeguardingConcern.acknowledged_at.is_(None), SafeguardingConcern.escalated_at.is_(None)
        )
    ).all()
    escalated = [concern for concern in open_concerns if is_overdue(concern, day)]
    for concern in escalated:
        concern.escalated_at = utcnow()
        notifications.concern_escalated(concern, to_local(concern.raised_at).date())
    db.session.flush()
    return escalated
