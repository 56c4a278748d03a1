"""Looking across supervision: the records of every team, filtered in SQL, newest first, a page
at a time, for leaders checking its quality.

A row holds what the list shows and nothing more: who, when, what kind, the team, how many children
were discussed, the status and the workers' acknowledgement. No child's details, no wellbeing and
no free text reach the list, so reading it is not logged as reading a child's record; opening a
record is (see ``supervision.record_accesses_for``). Nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from audit.domain.bounded import page_within
from audit.extensions import db
from audit.models import (
    Role,
    SupervisionAttendee,
    SupervisionCase,
    SupervisionKind,
    SupervisionRecord,
    SupervisionStatus,
    User,
)

PAGE_SIZE = 50
LISTED_COLUMNS = (
    SupervisionRecord.kind,
    SupervisionRecord.team_id,
    SupervisionRecord.supervisor_id,
    SupervisionRecord.status,
    SupervisionRecord.held_on,
    SupervisionRecord.version,
)


@dataclass(frozen=True)
class SupervisionFilters:
    """What a leader narrows the list to; ``None`` is "any". Dates are the UK dates the sessions
    were held on, both ends included."""

    team_id: int | None = None
    supervisor_id: int | None = None
    worker_id: int | None = None
    kind: SupervisionKind | None = None
    status: SupervisionStatus | None = None
    held_from: date | None = None
    held_to: date | None = None


@dataclass(frozen=True)
class BrowsedRecord:
    """One line of the list: the record (with its team, supervisor and workers loaded) and the
    number of children it discusses."""

    record: SupervisionRecord
    children: int

    @property
    def workers(self) -> int:
        return len(self.record.attendees)

    @property
    def acknowledged_by(self) -> int:
        """How many of the record's workers have acknowledged it."""
        return sum(attendee.acknowledged_at is not None for attendee in self.record.attendees)


@dataclass(frozen=True)
class BrowsePage:
    rows: Sequence[BrowsedRecord]
    total: int
    page: int
    pages: int
    filters: SupervisionFilters = field(default_factory=SupervisionFilters)


def _visible_to(viewer: User) -> ColumnElement[bool] | None:
    """The records ``viewer`` may open, as SQL (``supervision.can_view`` for one record): every
    record for a leader, otherwise those they wrote or were supervised in."""
    if viewer.has_role(Role.LEADER):
        return None
    return or_(
        SupervisionRecord.supervisor_id == viewer.id,
        SupervisionRecord.attendees.any(SupervisionAttendee.user_id == viewer.id),
    )


def _filtered(viewer: User, filters: SupervisionFilters) -> Select[SupervisionRecord]:
    query = select(SupervisionRecord)
    visible = _visible_to(viewer)
    if visible is not None:
        query = query.where(visible)
    if filters.team_id is not None:
        query = query.where(SupervisionRecord.team_id == filters.team_id)
    if filters.supervisor_id is not None:
        query = query.where(SupervisionRecord.supervisor_id == filters.supervisor_id)
    if filters.worker_id is not None:
        query = query.where(SupervisionRecord.attendees.any(SupervisionAttendee.user_id == filters.worker_id))
    if filters.kind is not None:
        query = query.where(SupervisionRecord.kind == filters.kind)
    if filters.status is not None:
        query = query.where(SupervisionRecord.status == filters.status)
    # held_on is the date the supervisor gave (a UK date), so it is compared as it is.
    if filters.held_from is not None:
        query = query.where(SupervisionRecord.held_on >= filters.held_from)
    if filters.held_to is not None:
        query = query.where(SupervisionRecord.held_on <= filters.held_to)
    return query


def browse(viewer: User, filters: SupervisionFilters, page: int = 1) -> BrowsePage:
    """A page of the supervision records ``viewer`` may open that match ``filters``, newest held
    first; a fixed number of queries whatever the page holds."""
    query = _filtered(viewer, filters)
    total = (
        db.session.scalar(select(func.count()).select_from(query.with_only_columns(SupervisionRecord.id).subquery()))
        or 0
    )
    page, pages = page_within(total, page, PAGE_SIZE)
    children = (
        select(func.count(SupervisionCase.id))
        .where(SupervisionCase.record_id == SupervisionRecord.id)
        .correlate(SupervisionRecord)
        .scalar_subquery()
    )
    rows = db.session.execute(
        query.add_columns(children)
        .options(
            # Only what the list shows: the record's and the workers' free text is never read here.
            load_only(*LISTED_COLUMNS),
            joinedload(SupervisionRecord.team),
            joinedload(SupervisionRecord.supervisor),
            selectinload(SupervisionRecord.attendees)
            .load_only(SupervisionAttendee.user_id, SupervisionAttendee.acknowledged_at)
            .joinedload(SupervisionAttendee.user),
        )
        .order_by(SupervisionRecord.held_on.desc(), SupervisionRecord.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return BrowsePage(
        rows=[BrowsedRecord(record=record, children=count) for record, count in rows],
        total=total,
        page=page,
        pages=pages,
        filters=filters,
    )


def _people(ids: Select[tuple[int]]) -> Sequence[User]:
    return db.session.scalars(
        select(User).where(User.id.in_(ids)).options(joinedload(User.team)).order_by(User.name, User.id)
    ).all()


def supervisors() -> Sequence[User]:
    """Everyone who has written a supervision record, by name: the choices of the supervisor filter."""
    return _people(select(SupervisionRecord.supervisor_id))


def supervised_workers() -> Sequence[User]:
    """Everyone who has been supervised in a record, by name: the choices of the worker filter."""
    return _people(select(SupervisionAttendee.user_id))
