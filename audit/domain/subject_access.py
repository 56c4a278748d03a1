"""A subject access request about one child: everything the service holds about their case, and
everyone who viewed, changed or exported it (from the access log).

It is a register of what is held, not the records' content: each entry says what the record is,
when, who made it and its id, so the data protection officer can gather the content from the
records themselves. Supervision records hold other children and the worker's wellbeing, so only
the discussion of this child is listed, and of its amendments only those to this child's part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from audit.clock import to_local
from audit.domain import access_log
from audit.extensions import db
from audit.models import (
    AccessLogEntry,
    Action,
    Audit,
    Case,
    SupervisionAmendment,
    SupervisionCase,
    SupervisionRecord,
    User,
)

ACCESS_WORDS = {"view": "viewed", "create": "created", "update": "changed", "export": "exported", "import": "imported"}


@dataclass(frozen=True)
class HeldRecord:
    """One record held about the child."""

    on: date
    kind: str  # in words: "Audit", "Supervision discussion", "Action"...
    record_type: str  # as in the access log: audit, supervision, action, concern, amendment
    record_id: int
    description: str  # what the record is, never what it says about the child
    by: str  # who made it


@dataclass(frozen=True)
class Access:
    """One access-log row about the child's case."""

    at: datetime
    user_id: int
    name: str
    email: str
    action: str  # in words: viewed, changed, exported...
    record_type: str
    record_id: int


@dataclass(frozen=True)
class Viewer:
    """Everyone who opened, changed or exported a record about the child, with when."""

    user_id: int
    name: str
    email: str
    times: int
    first: datetime
    last: datetime
    actions: str  # e.g. "viewed, exported"


@dataclass(frozen=True)
class SubjectAccess:
    case: Case
    held: Sequence[HeldRecord]
    viewers: Sequence[Viewer]
    accesses: Sequence[Access]  # newest first


def _day(moment: datetime) -> date:
    return to_local(moment).date()


def subject_access(case: Case) -> SubjectAccess:
    """Everything held about ``case`` and everyone who accessed it, in a fixed number of queries."""
    audits = db.session.scalars(
        select(Audit)
        .where(Audit.case_id == case.id)
        .options(
            selectinload(Audit.tool_version),
            selectinload(Audit.auditor),
            selectinload(Audit.moderation),
            selectinload(Audit.concerns),
            selectinload(Audit.amendments),
        )
    ).all()
    discussions = db.session.scalars(
        select(SupervisionCase)
        .where(SupervisionCase.case_id == case.id)
        .options(selectinload(SupervisionCase.record).selectinload(SupervisionRecord.supervisor))
    ).all()
    audit_ids = [audit.id for audit in audits]
    actions = db.session.scalars(
        select(Action)
        .where(or_(Action.audit_id.in_(audit_ids), Action.supervision_case_id == case.id))
        .options(selectinload(Action.owner))
        .order_by(Action.id)
    ).all()
    # A record may discuss several children: only the amendments to this child's part are theirs.
    record_amendments = db.session.scalars(
        select(SupervisionAmendment).where(
            SupervisionAmendment.record_id.in_([discussed.record_id for discussed in discussions]),
            SupervisionAmendment.field.startswith(f"{case.reference}: ", autoescape=True),
        )
    ).all()
    names = _names(
        {amendment.user_id for audit in audits for amendment in audit.amendments}
        | {amendment.user_id for amendment in record_amendments}
        | {concern.raised_by_id for audit in audits for concern in audit.concerns}
    )

    held: list[HeldRecord] = []
    for audit in audits:
        moment = audit.submitted_at or audit.started_at or audit.created_at
        description = f"{audit.tool_version.name}, {audit.status_enum.label.lower()}"
        if audit.moderation is not None:
            description += f", moderated on {_day(audit.moderation.created_at):%d %B %Y}"
        held.append(HeldRecord(_day(moment), "Audit", "audit", audit.id, description, audit.auditor.name))
        held.extend(
            HeldRecord(
                _day(concern.raised_at),
                "Safeguarding concern",
                "concern",
                concern.id,
                f"Raised during audit {audit.id}"
                + (", acknowledged" if concern.acknowledged_at else ", not yet acknowledged"),
                names.get(concern.raised_by_id, ""),
            )
            for concern in audit.concerns
        )
        held.extend(
            HeldRecord(
                _day(amendment.at),
                "Amendment to an audit",
                "audit",
                audit.id,
                f"Audit {audit.id}: {amendment.field}",
                names.get(amendment.user_id, ""),
            )
            for amendment in audit.amendments
        )
    for discussed in discussions:
        record = discussed.record
        held.append(
            HeldRecord(
                record.held_on,
                "Supervision discussion",
                "supervision",
                record.id,
                f"{record.kind_enum.label}, {record.status_enum.label.lower()}",
                record.supervisor.name,
            )
        )
    held.extend(
        HeldRecord(
            _day(amendment.at),
            "Amendment to a supervision record",
            "supervision",
            amendment.record_id,
            f"Supervision record {amendment.record_id}: {amendment.field.removeprefix(f'{case.reference}: ')}",
            names.get(amendment.user_id, ""),
        )
        for amendment in record_amendments
    )
    held.extend(
        HeldRecord(
            _day(action.created_at),
            "Action",
            "action",
            action.id,
            (f"From audit {action.audit_id}" if action.audit_id else f"From supervision record {action.supervision_id}")
            + f", due {action.due_date:%d %B %Y}, "
            + (f"done on {_day(action.completed_at):%d %B %Y}" if action.completed_at else "open"),
            action.owner.name,
        )
        for action in actions
    )
    held.sort(key=lambda item: (item.on, item.kind, item.record_id), reverse=True)
    accesses = _accesses(case)
    return SubjectAccess(case=case, held=held, viewers=_viewers(accesses), accesses=accesses)


def _names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())


def _accesses(case: Case) -> list[Access]:
    access_log.write_queued_now()  # this request's own access is listed too
    rows = db.session.execute(
        select(
            AccessLogEntry.at,
            User.id,
            User.name,
            User.email,
            AccessLogEntry.action,
            AccessLogEntry.record_type,
            AccessLogEntry.record_id,
        )
        .join(User, User.id == AccessLogEntry.user_id)
        .where(AccessLogEntry.case_id == case.id)
        .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
    ).all()
    return [
        Access(at, user_id, name, email, ACCESS_WORDS.get(action, action), record_type, record_id)
        for at, user_id, name, email, action, record_type, record_id in rows
    ]


def _viewers(accesses: Sequence[Access]) -> list[Viewer]:
    by_user: dict[int, list[Access]] = {}
    for access in accesses:
        by_user.setdefault(access.user_id, []).append(access)
    viewers = [
        Viewer(
            user_id=user_id,
            name=theirs[0].name,
            email=theirs[0].email,
            times=len(theirs),
            first=min(access.at for access in theirs),
            last=max(access.at for access in theirs),
            actions=", ".join(sorted({access.action for access in theirs})),
        )
        for user_id, theirs in by_user.items()
    ]
    return sorted(viewers, key=lambda viewer: viewer.last, reverse=True)
