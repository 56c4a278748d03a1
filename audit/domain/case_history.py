"""A child's history on their case page: the audits of the case, the supervision discussions about
the child, the actions from both and the safeguarding concerns raised, newest first.

Each item is shown only to someone who may open its record: audits by ``audits.can_view``, and
supervision by ``supervision.can_view`` (its parties and leaders only, never the rest of the team
or an admin), so an action or a concern is shown only with a record the viewer may see. The rules
are applied to records loaded in a fixed number of queries, however long the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audit.clock import to_local, today
from audit.domain import audits as audit_rules
from audit.domain import follow_up
from audit.domain import supervision as supervision_rules
from audit.extensions import db
from audit.models import (
    Action,
    Audit,
    AuditStatus,
    Case,
    SafeguardingConcern,
    ScaleGrade,
    SupervisionCase,
    SupervisionKind,
    SupervisionRecord,
    SupervisionStatus,
    User,
)


def _uk_date(moment: datetime) -> date:
    return to_local(moment).date()


@dataclass(frozen=True)
class AuditEntry:
    """An audit of the case. Its date is when it was submitted, or else started, or assigned."""

    kind: ClassVar[str] = "audit"
    on: date
    audit_id: int
    tool: str
    status: AuditStatus
    auditor: str
    submitted_on: date | None
    # Grades are the auditor's judgement only once submitted; a draft's are not shown.
    auditor_grade: str | None
    moderated_grade: str | None
    moderated_on: date | None


@dataclass(frozen=True)
class SupervisionEntry:
    """A supervision session in which the child was discussed."""

    kind: ClassVar[str] = "supervision"
    on: date
    record_id: int
    supervision_kind: SupervisionKind
    status: SupervisionStatus
    supervisor: str
    workers: str


@dataclass(frozen=True)
class ActionEntry:
    """An action from an audit of the case, or from a supervision discussion of the child. Its
    date is when it was set."""

    kind: ClassVar[str] = "action"
    on: date
    action_id: int
    description: str
    owner: str
    due_date: date
    done_on: date | None
    overdue: bool
    audit_id: int | None
    record_id: int | None


@dataclass(frozen=True)
class ConcernEntry:
    """An immediate safeguarding concern raised during an audit of the case."""

    kind: ClassVar[str] = "concern"
    on: date
    concern_id: int
    audit_id: int
    raised_by: str
    acknowledged_on: date | None
    acknowledged_by: str | None
    viewer_may_acknowledge: bool


HistoryEntry = AuditEntry | SupervisionEntry | ActionEntry | ConcernEntry
# Newest first: by date, then by the moment within the day, then what a record set in motion above it.
_SAME_MOMENT_ORDER = {"audit": 0, "supervision": 0, "concern": 1, "action": 2}


def case_history(case: Case, viewer: User) -> Sequence[HistoryEntry]:
    """What the viewer may see of the child's history, newest first, in at most ten queries
    however many records there are."""
    audits = [audit for audit in _audits_of(case) if audit_rules.can_view(viewer, audit)]
    records = [record for record in _supervision_of(case) if supervision_rules.can_view(viewer, record)]
    # A record may discuss several children: only the actions about this one are on their file.
    record_actions = [
        action for record in records for action in record.actions if action.supervision_case_id == case.id
    ]
    audit_actions = [action for audit in audits for action in audit.actions]
    concerns = [concern for audit in audits for concern in audit.concerns]
    names = _names(audits, records, audit_actions + record_actions, concerns)
    grades = _grade_labels(audits)
    on_today = today()

    entries: list[tuple[HistoryEntry, datetime]] = []
    for audit in audits:
        entries.append((_audit_entry(audit, names, grades), audit.submitted_at or audit.started_at or audit.created_at))
    for record in records:
        moment = datetime.combine(record.held_on, record.start_time or time.min)
        entries.append((_supervision_entry(record, names), moment))
    entries.extend(
        (_action_entry(action, names, on_today), action.created_at) for action in audit_actions + record_actions
    )
    entries.extend((_concern_entry(concern, names, viewer), concern.raised_at) for concern in concerns)
    entries.sort(key=lambda item: (item[0].on, item[1], _SAME_MOMENT_ORDER[item[0].kind]), reverse=True)
    return [entry for entry, _moment in entries]


def _audits_of(case: Case) -> Sequence[Audit]:
    return db.session.scalars(
        select(Audit)
        .where(Audit.case_id == case.id)
        .options(
            selectinload(Audit.tool_version),
            selectinload(Audit.moderation),
            selectinload(Audit.actions),
            selectinload(Audit.concerns),
        )
    ).all()


def _supervision_of(case: Case) -> Sequence[SupervisionRecord]:
    discussed = select(SupervisionCase.record_id).where(SupervisionCase.case_id == case.id)
    return db.session.scalars(
        select(SupervisionRecord)
        .where(SupervisionRecord.id.in_(discussed))
        .options(selectinload(SupervisionRecord.attendees), selectinload(SupervisionRecord.actions))
    ).all()


def _names(
    audits: Sequence[Audit],
    records: Sequence[SupervisionRecord],
    actions: Sequence[Action],
    concerns: Sequence[SafeguardingConcern],
) -> dict[int, str]:
    """Everyone named in the history, by id, in one query (their roles are not needed)."""
    ids = {audit.auditor_id for audit in audits}
    ids |= {record.supervisor_id for record in records}
    ids |= {attendee.user_id for record in records for attendee in record.attendees}
    ids |= {action.owner_id for action in actions}
    ids |= {concern.raised_by_id for concern in concerns}
    ids |= {concern.acknowledged_by_id for concern in concerns if concern.acknowledged_by_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _grade_labels(audits: Sequence[Audit]) -> dict[int, str]:
    """The auditors' and moderators' overall grades, by id, in one query."""
    ids = {audit.overall_grade_id for audit in audits if audit.overall_grade_id is not None}
    ids |= {
        audit.moderation.overall_grade_id for audit in audits if audit.moderation and audit.moderation.overall_grade_id
    }
    if not ids:
        return {}
    return dict(db.session.execute(select(ScaleGrade.id, ScaleGrade.label).where(ScaleGrade.id.in_(ids))).all())


def _audit_entry(audit: Audit, names: dict[int, str], grades: dict[int, str]) -> AuditEntry:
    # The grades are the auditor's judgement only once submitted: a draft's are not shown.
    submitted = audit.status_enum.is_locked
    moderation = audit.moderation
    return AuditEntry(
        on=_uk_date(audit.submitted_at or audit.started_at or audit.created_at),
        audit_id=audit.id,
        tool=audit.tool_version.name,
        status=audit.status_enum,
        auditor=names[audit.auditor_id],
        submitted_on=_uk_date(audit.submitted_at) if audit.submitted_at else None,
        auditor_grade=grades[audit.overall_grade_id] if submitted and audit.overall_grade_id else None,
        moderated_grade=grades[moderation.overall_grade_id] if moderation and moderation.overall_grade_id else None,
        moderated_on=_uk_date(moderation.created_at) if moderation else None,
    )


def _supervision_entry(record: SupervisionRecord, names: dict[int, str]) -> SupervisionEntry:
    return SupervisionEntry(
        on=record.held_on,
        record_id=record.id,
        supervision_kind=record.kind_enum,
        status=record.status_enum,
        supervisor=names[record.supervisor_id],
        workers=", ".join(names[attendee.user_id] for attendee in record.attendees),
    )


def _action_entry(action: Action, names: dict[int, str], on_today: date) -> ActionEntry:
    return ActionEntry(
        on=_uk_date(action.created_at),
        action_id=action.id,
        description=action.description,
        owner=names[action.owner_id],
        due_date=action.due_date,
        done_on=_uk_date(action.completed_at) if action.completed_at else None,
        overdue=follow_up.action_is_overdue(action, on_today),
        audit_id=action.audit_id,
        record_id=action.supervision_id,
    )


def _concern_entry(concern: SafeguardingConcern, names: dict[int, str], viewer: User) -> ConcernEntry:
    acknowledged_by = concern.acknowledged_by_id
    return ConcernEntry(
        on=_uk_date(concern.raised_at),
        concern_id=concern.id,
        audit_id=concern.audit_id,
        raised_by=names[concern.raised_by_id],
        acknowledged_on=_uk_date(concern.acknowledged_at) if concern.acknowledged_at else None,
        acknowledged_by=names[acknowledged_by] if acknowledged_by is not None else None,
        viewer_may_acknowledge=concern.acknowledged_at is None and follow_up.can_acknowledge(viewer, concern),
    )
