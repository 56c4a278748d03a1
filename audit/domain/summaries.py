"""The grade summary (``audit.models.summaries``), kept in step with the audits in the same
transaction as every change that moves a report figure.

What an audit adds to the figures is worked out by one set of queries (``_grade_rows`` and
``_pair_rows``), used both to rebuild everything (``rebuild``) and to refresh the audits a change
touched (``refresh``): the audit's old rows are taken off the day and month counts and its new rows
put on. Nothing else writes these tables.

**Which changes refresh.** A listener on every flush (``_refresh_flushed``) refreshes each audit
whose rows the flush touched in a way a figure reads: an audit's status, submitted time, team, tool
version, auditor, overall grade or moderation time; a section judgement's grade or N/A; a moderation
or moderated section; a new amendment (an amendment after moderation is counted). So submit, amend,
moderate, re-grade, cancel, reassign and the tests' own factories are all covered without each
writer having to remember a call, and an autosave of a draft costs one indexed look-up (a draft is
not completed and has no rows). Statements that bypass the ORM must call ``refresh`` themselves:
retention's bulk delete does (``retention._delete_by_id``), and so does the demo seeder.
"""

from __future__ import annotations

import typing
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    event,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy import Date as DateType
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.attributes import get_history

from audit.clock import bst_periods, today
from audit.domain.final_grades import (
    AUDITOR_JUDGED,
    FINAL_OVERALL_GRADE_ID,
    FINAL_SECTION_GRADE_ID,
    SECTION_MODERATED,
    not_shared,
    shared_theme_grades,
    with_moderation,
)
from audit.models import (
    Audit,
    AuditAmendment,
    AuditGradeRow,
    AuditPairRow,
    AuditStatus,
    GradeSummary,
    ModeratedSection,
    Moderation,
    PairSummary,
    SectionJudgement,
)
from audit.models.summaries import NO_GRADE, OVERALL

COMPLETED = (AuditStatus.SUBMITTED.value, AuditStatus.MODERATED.value)
BATCH = 500

GRADE_ROW_COLUMNS = (
    "audit_id",
    "section_id",
    "day",
    "month",
    "team_id",
    "tool_version_id",
    "final_grade_id",
    "auditor_grade_id",
    "moderated",
    "amended_after_moderation",
)
PAIR_ROW_COLUMNS = (
    "audit_id",
    "section_id",
    "day",
    "month",
    "team_id",
    "tool_version_id",
    "auditor_id",
    "auditor_grade_id",
    "moderator_grade_id",
)
# The summary's key: a per-audit row's columns without the audit, the day standing for the period.
GRADE_KEY = ("team_id", "tool_version_id", "section_id", "final_grade_id", "auditor_grade_id", "moderated",
             "amended_after_moderation")  # fmt: skip
PAIR_KEY = ("team_id", "tool_version_id", "auditor_id", "section_id", "auditor_grade_id", "moderator_grade_id")


# The UK date of a stored (naive UTC) time, in SQL ---------------------------------------------------


def uk_date(column: Any, dialect: str) -> ColumnElement[date]:
    """The Europe/London date of a naive UTC time. PostgreSQL knows the zone; SQLite is told when
    British Summer Time was in force (the same periods ``audit.clock`` uses), one test per year."""
    if dialect == "postgresql":
        return cast(func.timezone("Europe/London", func.timezone("UTC", column)), DateType)
    in_summer_time = or_(
        false(), *(and_(column >= start, column < end) for start, end in bst_periods(range(2000, today().year + 2)))
    )
    return func.date(column, case((in_summer_time, "+1 hours"), else_="+0 hours"))


def month_start(day: Any, dialect: str) -> ColumnElement[date]:
    if dialect == "postgresql":
        return cast(func.date_trunc("month", day), DateType)
    return func.date(day, "start of month")


# What each audit adds: one definition for rebuild and refresh --------------------------------------


def _audit_keys(audits: ColumnElement[bool], dialect: str) -> Any:
    """Per completed audit among ``audits``: its day, month, team, tool version, auditor and flags."""
    day = uk_date(Audit.submitted_at, dialect)
    moderated = Audit.status == AuditStatus.MODERATED.value
    amended_since = exists().where(AuditAmendment.audit_id == Audit.id, AuditAmendment.at > Audit.moderated_at)
    return (
        select(
            Audit.id.label("audit_id"),
            day.label("day"),
            month_start(day, dialect).label("month"),
            Audit.team_id,
            Audit.tool_version_id,
            Audit.auditor_id,
            Audit.overall_grade_id,
            case((moderated, True), else_=False).label("moderated"),
            case((and_(moderated, amended_since), True), else_=False).label("amended"),
        )
        .where(Audit.status.in_(COMPLETED), Audit.submitted_at.is_not(None), audits)
        .subquery("audit_keys")
    )


def _grade_rows(audits: ColumnElement[bool], dialect: str) -> Select[Any]:
    """(``GRADE_ROW_COLUMNS``) for the completed audits among ``audits``: one row per theme the
    audit judged (final grade graded or not applicable) and one for its overall grade."""
    keys = _audit_keys(audits, dialect)
    no = literal(False)

    def key_columns(section_id: Any, final: Any, auditor: Any, moderated: Any, amended: Any) -> list[Any]:
        values = (
            keys.c.audit_id,
            section_id,
            keys.c.day,
            keys.c.month,
            keys.c.team_id,
            keys.c.tool_version_id,
            func.coalesce(final, NO_GRADE),
            func.coalesce(auditor, NO_GRADE),
            moderated,
            amended,
        )
        return [value.label(name) for value, name in zip(values, GRADE_ROW_COLUMNS, strict=True)]

    own_theme = with_moderation(
        select(*key_columns(SectionJudgement.section_id, FINAL_SECTION_GRADE_ID, SectionJudgement.grade_id, no, no))
        .select_from(SectionJudgement)
        .join(keys, keys.c.audit_id == SectionJudgement.audit_id)
    ).where(or_(AUDITOR_JUDGED, SECTION_MODERATED), not_shared(SectionJudgement.section_id))
    shared = shared_theme_grades(select(keys.c.audit_id))
    shared_theme = (
        select(*key_columns(shared.c.section_id, shared.c.final_grade_id, shared.c.auditor_grade_id, no, no))
        .select_from(shared)
        .join(keys, keys.c.audit_id == shared.c.audit_id)
        .where(shared.c.final_judged == 1)
    )
    overall = (
        select(
            *key_columns(
                literal(OVERALL), FINAL_OVERALL_GRADE_ID, keys.c.overall_grade_id, keys.c.moderated, keys.c.amended
            )
        )
        .select_from(keys)
        .join(Audit, Audit.id == keys.c.audit_id)
        .outerjoin(Moderation, Moderation.audit_id == keys.c.audit_id)
    )
    return select(union_all(own_theme, shared_theme, overall).subquery())


def _pair_rows(audits: ColumnElement[bool], dialect: str) -> Select[Any]:
    """(``PAIR_ROW_COLUMNS``): each section of the completed ``audits`` graded by both the auditor
    and the moderator (N/A on either side is no pair)."""
    keys = _audit_keys(audits, dialect)
    return (
        select(
            keys.c.audit_id,
            SectionJudgement.section_id,
            keys.c.day,
            keys.c.month,
            keys.c.team_id,
            keys.c.tool_version_id,
            keys.c.auditor_id,
            SectionJudgement.grade_id.label("auditor_grade_id"),
            ModeratedSection.grade_id.label("moderator_grade_id"),
        )
        .select_from(SectionJudgement)
        .join(keys, keys.c.audit_id == SectionJudgement.audit_id)
        .join(Moderation, Moderation.audit_id == keys.c.audit_id)
        .join(
            ModeratedSection,
            and_(
                ModeratedSection.moderation_id == Moderation.id,
                ModeratedSection.section_id == SectionJudgement.section_id,
            ),
        )
        .where(SectionJudgement.grade_id.is_not(None), ModeratedSection.grade_id.is_not(None))
    )


# Refresh: take an audit's old rows off, put its new rows on -----------------------------------------


def refresh(audit_ids: Iterable[int], connection: Connection | None = None) -> None:
    """Bring the summary up to date for ``audit_ids`` (audits changed, or deleted, in this
    transaction). Safe to call for audits that are not completed: they have no rows."""
    from audit.extensions import db

    ids = sorted(set(audit_ids))
    bind = connection if connection is not None else db.session.connection()
    for start in range(0, len(ids), BATCH):
        _refresh(bind, ids[start : start + BATCH])


def _refresh(bind: Connection, ids: Sequence[int]) -> None:
    has_rows = exists().where(AuditGradeRow.audit_id.in_(ids))
    completed = exists().where(Audit.id.in_(ids), Audit.status.in_(COMPLETED))
    if not bind.execute(select(or_(has_rows, completed))).scalar():
        return  # drafts, cancelled audits: nothing counted before or now
    dialect = bind.dialect.name
    for model, columns, rows, key, count in (
        (AuditGradeRow, GRADE_ROW_COLUMNS, _grade_rows, GRADE_KEY, "audits"),
        (AuditPairRow, PAIR_ROW_COLUMNS, _pair_rows, PAIR_KEY, "pairs"),
    ):
        table = _table(model)
        statement = _for_audits(rows, dialect, today().year)
        old = Counter(
            tuple(row)
            for row in bind.execute(select(*(table.c[name] for name in columns)).where(table.c.audit_id.in_(ids)))
        )
        new = Counter(tuple(row) for row in bind.execute(statement, {"ids": list(ids)}))
        new = Counter({_typed(row): number for row, number in new.items()})
        if old == new:
            continue
        bind.execute(delete(table).where(table.c.audit_id.in_(ids)))
        if new:
            bind.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in new.elements()])
        deltas: Counter[tuple[Any, ...]] = Counter()
        for rows_counted, sign in ((old, -1), (new, 1)):
            for row, number in rows_counted.items():
                values = dict(zip(columns, row, strict=True))
                for period, day in (("day", values["day"]), ("month", values["month"])):
                    deltas[(period, day, *(values[name] for name in key))] += sign * number
        _apply(bind, model, key, count, deltas)


@cache
def _for_audits(rows: Callable[[ColumnElement[bool], str], Select[Any]], dialect: str, year: int) -> Select[Any]:
    """``rows`` for the audits given as the ``ids`` parameter, built once per dialect (and year, for
    SQLite's summer-time periods): building the statement cost more than running it."""
    return rows(Audit.id.in_(bindparam("ids", expanding=True)), dialect)


def _table(model: type[Any]) -> Table:
    return typing.cast(Table, model.__table__)


def _typed(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row as read back from the per-audit table: SQLite gives dates computed in SQL as text."""
    return tuple(date.fromisoformat(value) if isinstance(value, str) else value for value in row)


def _summary_model(model: type[AuditGradeRow] | type[AuditPairRow]) -> type[GradeSummary] | type[PairSummary]:
    return GradeSummary if model is AuditGradeRow else PairSummary


def _apply(
    bind: Connection,
    model: type[AuditGradeRow] | type[AuditPairRow],
    key: Sequence[str],
    count: str,
    deltas: Counter[tuple[Any, ...]],
) -> None:
    """Add each delta to its count (an upsert: the unique key takes two writers at once), then drop
    the counts that reached 0."""
    changes = [
        dict(zip(("period", "day", *key), row, strict=True), **{count: delta}) for row, delta in deltas.items() if delta
    ]
    if not changes:
        return
    table = _table(_summary_model(model))
    upsert = (postgresql if bind.dialect.name == "postgresql" else sqlite).insert(table)
    bind.execute(
        upsert.on_conflict_do_update(
            index_elements=["period", "day", *key], set_={count: table.c[count] + upsert.excluded[count]}
        ),
        changes,
    )
    taken_off = [
        {f"k_{name}": change[name] for name in ("period", "day", *key)} for change in changes if change[count] < 0
    ]
    if taken_off:
        bind.execute(
            delete(table).where(
                table.c[count] == 0, *(table.c[name] == bindparam(f"k_{name}") for name in ("period", "day", *key))
            ),
            taken_off,
        )


# Rebuild and check ---------------------------------------------------------------------------------


def rebuild(bind: Connection | None = None) -> dict[str, int]:
    """Empty the summary and fill it again from the audits; how many rows each table now holds."""
    from audit.extensions import db

    bind = bind if bind is not None else db.session.connection()
    dialect = bind.dialect.name
    for model in (AuditGradeRow, AuditPairRow, GradeSummary, PairSummary):
        bind.execute(delete(_table(model)))
    bind.execute(insert(_table(AuditGradeRow)).from_select(list(GRADE_ROW_COLUMNS), _grade_rows(true(), dialect)))
    bind.execute(insert(_table(AuditPairRow)).from_select(list(PAIR_ROW_COLUMNS), _pair_rows(true(), dialect)))
    for model, key, count in ((AuditGradeRow, GRADE_KEY, "audits"), (AuditPairRow, PAIR_KEY, "pairs")):
        bind.execute(
            insert(_table(_summary_model(model))).from_select(["period", "day", *key, count], _counted(model, key))
        )
    return {
        model.__tablename__: bind.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (AuditGradeRow, AuditPairRow, GradeSummary, PairSummary)
    }


def _counted(model: type[AuditGradeRow] | type[AuditPairRow], key: Sequence[str]) -> Select[Any]:
    """The per-audit rows counted per day and per month: the summary's rows, from scratch."""
    table = _table(model)
    key_columns = [table.c[name] for name in key]
    by_period = [
        select(literal(period).label("period"), table.c[column].label("day"), *key_columns, func.count()).group_by(
            table.c[column], *key_columns
        )
        for period, column in (("day", "day"), ("month", "month"))
    ]
    return select(union_all(*by_period).subquery())


def differences(bind: Connection | None = None, limit: int = 20) -> list[str]:
    """How the maintained summary differs from a rebuild from the audits (none: they agree). Reads
    only; the rebuild is worked out in memory."""
    from audit.extensions import db

    bind = bind if bind is not None else db.session.connection()
    dialect = bind.dialect.name
    found: list[str] = []
    for model, columns, rows, count in (
        (AuditGradeRow, GRADE_ROW_COLUMNS, _grade_rows, "audits"),
        (AuditPairRow, PAIR_ROW_COLUMNS, _pair_rows, "pairs"),
    ):
        table = _table(model)
        kept = Counter(tuple(row) for row in bind.execute(select(*(table.c[name] for name in columns))))
        expected = Counter(_typed(tuple(row)) for row in bind.execute(rows(true(), dialect)))
        found += _compare(table.name, kept, expected)
        summary = _table(_summary_model(model))
        summary_key = ("period", "day", *(GRADE_KEY if model is AuditGradeRow else PAIR_KEY))
        kept_counts = {
            tuple(row[:-1]): row[-1]
            for row in bind.execute(select(*(summary.c[name] for name in summary_key), summary.c[count]))
        }
        expected_counts: Counter[tuple[Any, ...]] = Counter()
        for row, number in expected.items():
            values = dict(zip(columns, row, strict=True))
            for period in ("day", "month"):
                expected_counts[(period, values[period], *(values[name] for name in summary_key[2:]))] += number
        found += _compare(summary.name, Counter(kept_counts), expected_counts)
    return found[:limit] if limit else found


def _compare(name: str, kept: Counter[tuple[Any, ...]], expected: Counter[tuple[Any, ...]]) -> list[str]:
    return [
        f"{name} {row}: kept {kept.get(row, 0)}, rebuilt {expected.get(row, 0)}"
        for row in sorted(set(kept) | set(expected), key=str)
        if kept.get(row, 0) != expected.get(row, 0)
    ]


# Every ORM write that moves a figure refreshes its audits ------------------------------------------

AUDIT_FIELDS = (
    "status",
    "submitted_at",
    "team_id",
    "tool_version_id",
    "auditor_id",
    "overall_grade_id",
    "moderated_at",
)
JUDGEMENT_FIELDS = ("grade_id", "not_applicable", "section_id", "audit_id")


WATCHED = (Audit, SectionJudgement, Moderation, ModeratedSection, AuditAmendment)


def _changed(instance: object, fields: Sequence[str]) -> bool:
    return any(get_history(instance, name).has_changes() for name in fields)


def changed_audits(session: Session) -> tuple[set[int], set[int]]:
    """(audit ids, moderation ids) whose rows this flush wrote in a way the figures read."""
    audits: set[int] = set()
    moderations: set[int] = set()
    # Session.new and .deleted build a new set on each access: read them once (a flush of 200,000
    # new cases spent minutes here when they were read per row).
    new, dirty_rows, deleted = session.new, session.dirty, session.deleted
    for instance in (*new, *dirty_rows, *deleted):
        if not isinstance(instance, WATCHED):
            continue
        dirty = instance not in new and instance not in deleted
        if isinstance(instance, Audit):
            if not dirty or _changed(instance, AUDIT_FIELDS):
                audits.add(instance.id)
        elif isinstance(instance, SectionJudgement):
            if not dirty or _changed(instance, JUDGEMENT_FIELDS):
                audits.add(instance.audit_id)
                if dirty and get_history(instance, "audit_id").deleted:
                    audits.update(get_history(instance, "audit_id").deleted)
        elif isinstance(instance, Moderation):
            if not dirty or _changed(instance, ("overall_grade_id", "audit_id")):
                audits.add(instance.audit_id)
        elif isinstance(instance, ModeratedSection):
            if not dirty or _changed(instance, ("grade_id", "not_applicable", "section_id")):
                moderations.add(instance.moderation_id)
        elif isinstance(instance, AuditAmendment) and not dirty:
            audits.add(instance.audit_id)
    return {audit_id for audit_id in audits if audit_id is not None}, moderations


@event.listens_for(Session, "after_flush")
def _refresh_flushed(session: Session, _context: UOWTransaction) -> None:
    audits, moderations = changed_audits(session)
    if not audits and not moderations:
        return
    connection = session.connection()
    if moderations:
        audits |= set(connection.execute(select(Moderation.audit_id).where(Moderation.id.in_(moderations))).scalars())
    refresh(audits, connection)
