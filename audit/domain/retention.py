"""Retention: which records are past the period the council keeps them for, and deleting them.

Each kind of record has a period in days (the ``RETENTION_DAYS`` setting, from audit/config.py)
counted from a date that says when the record stopped being needed: for an audit, the day its
child's case closed (an open case keeps everything); for a supervision record, the day of the
session; for the service's own logs, the moment the row was written.

Nothing is deleted unless asked (``delete_past_period``); a report comes first (``past_period``).
Each deletion is logged on the ``audit.retention`` logger: for an audit or a supervision record,
one line per record with its id and the period that ended; for a log table, one line with how many
rows went and the cut-off. No line carries a case reference, a name or anything typed about a child.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select

from audit.clock import to_local
from audit.domain import summaries
from audit.extensions import db
from audit.models import (
    AccessLogEntry,
    Audit,
    Case,
    PlanType,
    PreservedForm,
    ReportDownload,
    SignInFailure,
    SupervisionRecord,
)
from audit.models.cases import CaseImportUpload

log = logging.getLogger("audit.retention")

# Children in care and care leavers: their files are kept far longer (to the 75th birthday).
IN_CARE = (PlanType.CHILD_IN_CARE, PlanType.CARE_LEAVER)
BATCH = 500


@dataclass(frozen=True)
class Cutoff:
    """The end of a period: a moment (for rows stamped with a time) and the UK date (for rows
    dated by day). A record dated before it is past its period."""

    moment: datetime
    day: date


@dataclass(frozen=True)
class RecordKind:
    key: str  # as in the RETENTION_DAYS setting
    label: str
    counted_from: str  # in words, for the report
    model: Any
    past: Callable[[Cutoff], ColumnElement[bool]]  # the condition for a row past its period
    child_linked: bool  # logged one record at a time, by id
    joins_case: bool = False


def _audits_closed_before(cutoff: Cutoff, in_care: bool) -> ColumnElement[bool]:
    plan = Case.plan_type.in_(IN_CARE) if in_care else Case.plan_type.not_in(IN_CARE)
    return Audit.case_id.in_(select(Case.id).where(Case.closed_on.is_not(None), Case.closed_on < cutoff.day, plan))


KINDS: tuple[RecordKind, ...] = (
    RecordKind(
        "audits",
        "Audits (children not in care)",
        "the day the child's case closed",
        Audit,
        lambda cutoff: _audits_closed_before(cutoff, in_care=False),
        child_linked=True,
    ),
    RecordKind(
        "audits_in_care",
        "Audits (children in care and care leavers)",
        "the day the child's case closed",
        Audit,
        lambda cutoff: _audits_closed_before(cutoff, in_care=True),
        child_linked=True,
    ),
    RecordKind(
        "supervision",
        "Supervision records",
        "the day of the session",
        SupervisionRecord,
        lambda cutoff: SupervisionRecord.held_on < cutoff.day,
        child_linked=True,
    ),
    RecordKind(
        "access_log",
        "Access log entries",
        "the moment of the access",
        AccessLogEntry,
        lambda cutoff: AccessLogEntry.at < cutoff.moment,
        child_linked=False,
    ),
    RecordKind(
        "report_downloads",
        "Report download log entries",
        "the moment of the download",
        ReportDownload,
        lambda cutoff: ReportDownload.at < cutoff.moment,
        child_linked=False,
    ),
    RecordKind(
        "sign_in_failures",
        "Failed sign-ins",
        "the moment of the attempt",
        SignInFailure,
        lambda cutoff: SignInFailure.failed_at < cutoff.moment,
        child_linked=False,
    ),
    RecordKind(
        "kept_forms",
        "Forms kept when a session expired",
        "the moment the form was kept",
        PreservedForm,
        lambda cutoff: PreservedForm.created_at < cutoff.moment,
        child_linked=False,
    ),
    RecordKind(
        "case_import_uploads",
        "Case files waiting to be imported",
        "the moment the file was uploaded",
        CaseImportUpload,
        lambda cutoff: CaseImportUpload.created_at < cutoff.moment,
        child_linked=False,
    ),
)


@dataclass(frozen=True)
class KindResult:
    kind: RecordKind
    period_days: int
    cutoff: Cutoff
    past_period: int  # how many records were past their period
    deleted: int  # how many were deleted (0 on a dry run)


def cutoff_for(period_days: int, now: datetime) -> Cutoff:
    moment = now - timedelta(days=period_days)
    return Cutoff(moment=moment, day=to_local(now).date() - timedelta(days=period_days))


def _period(periods: Mapping[str, int], kind: RecordKind) -> int:
    if kind.key not in periods:
        raise KeyError(f"No retention period is set for {kind.key}")
    return periods[kind.key]


def _count(kind: RecordKind, cutoff: Cutoff) -> int:
    query: Select[int] = select(func.count()).select_from(kind.model).where(kind.past(cutoff))
    return db.session.scalar(query) or 0


def past_period(periods: Mapping[str, int], now: datetime) -> list[KindResult]:
    """How many records of each kind are past their period at ``now``. Changes nothing."""
    results = []
    for kind in KINDS:
        days = _period(periods, kind)
        cutoff = cutoff_for(days, now)
        results.append(KindResult(kind, days, cutoff, _count(kind, cutoff), 0))
    return results


def _delete_by_id(kind: RecordKind, days: int, cutoff: Cutoff) -> int:
    ids: Sequence[int] = db.session.scalars(
        select(kind.model.id).where(kind.past(cutoff)).order_by(kind.model.id)
    ).all()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        # The database cascades to the record's parts (answers, actions, amendments...).
        db.session.execute(
            delete(kind.model).where(kind.model.id.in_(chunk)), execution_options={"synchronize_session": False}
        )
        if kind.model is Audit:  # a bulk delete: the summary's flush listener does not see it
            summaries.refresh(chunk)
        for record_id in chunk:
            log.info(
                "Retention: deleted %s %s: past its period of %s days from %s (cut-off %s)",
                kind.key,
                record_id,
                days,
                kind.counted_from,
                cutoff.day.isoformat(),
            )
    return len(ids)


def delete_past_period(periods: Mapping[str, int], now: datetime) -> list[KindResult]:
    """Delete every record past its period at ``now`` and log each deletion. The caller commits."""
    results = []
    for kind in KINDS:
        days = _period(periods, kind)
        cutoff = cutoff_for(days, now)
        if kind.child_linked:
            deleted = _delete_by_id(kind, days, cutoff)
        else:
            result = db.session.execute(
                delete(kind.model).where(kind.past(cutoff)), execution_options={"synchronize_session": False}
            )
            deleted = getattr(result, "rowcount", 0) or 0
            if deleted:
                log.info(
                    "Retention: deleted %s %s rows written before %s (period %s days)",
                    deleted,
                    kind.key,
                    cutoff.moment.isoformat(timespec="seconds"),
                    days,
                )
        results.append(KindResult(kind, days, cutoff, deleted, deleted))
    return results
