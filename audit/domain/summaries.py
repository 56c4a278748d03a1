"""The report summaries (``audit.models.summaries``), kept in step with the audits in the same
transaction as every change that moves a report figure.

Each kind kept (``kinds``) is a per-audit table and a table of counts: the grades and the
moderation pairs of completed audits, the actions of completed audits, and the open audits. What an
audit adds is worked out by one query per kind (``_grade_rows``, ``_pair_rows``, ``_action_rows``,
``_open_audit_rows``), used both to rebuild everything (``rebuild``) and to refresh the audits a
change touched (``refresh``): the audit's old rows are taken off the counts and its new rows put
on. Nothing else writes these tables.

**Which changes refresh.** A listener on every flush (``_refresh_flushed``) refreshes each audit
whose rows the flush touched in a way a figure reads: an audit's status, submitted time, team, tool
version, auditor, overall grade, moderation time or due date; a section judgement's grade or N/A; a
moderation or moderated section; a new amendment (an amendment after moderation is counted); an
action added, deleted, done or given a new due date; a completed audit's answer (a draft's are not
counted, so its autosave costs no statement here); a case's ethnicity, disability, age band or
gender (its completed audits, for the kinds that read a case: ``CASE_KINDS``). So submit, amend,
moderate, re-grade, cancel, reassign, completing an action, a case import and the tests' own
factories are all covered without each writer having to remember a call, and an autosave of a
draft's answers costs nothing here. Statements that bypass the ORM must call ``refresh``
themselves: retention's bulk delete does (``retention._delete_by_id``), and so does the demo seeder.
"""

from __future__ import annotations

import re
import typing
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    DateTime,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    Table,
    and_,
    any_,
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
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy import Date as DateType
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.orm.attributes import get_history
from sqlalchemy.orm.util import identity_key

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
    Action,
    ActionSummary,
    Answer,
    Audit,
    AuditActionRow,
    AuditAmendment,
    AuditGradeRow,
    AuditPairRow,
    AuditStatus,
    Case,
    GradeSummary,
    ModeratedSection,
    Moderation,
    OpenAuditRow,
    OpenAuditSummary,
    PairSummary,
    ProgrammeAuditRow,
    ProgrammeStatusSummary,
    ScaleGrade,
    SectionJudgement,
    ToolSection,
)
from audit.models.summaries import NO_GRADE, NO_THEME, NOT_OPEN, OVERALL, PERIODS, period_start

COMPLETED = (AuditStatus.SUBMITTED.value, AuditStatus.MODERATED.value)
OPEN = (AuditStatus.ASSIGNED.value, AuditStatus.IN_PROGRESS.value)  # as audit.domain.audits.OPEN_STATUSES
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
ACTION_ROW_COLUMNS = ("action_id", "audit_id", "day", "month", "team_id", "tool_version_id", "theme_section_id",
                      "theme", "due_date", "open_due", "on_time")  # fmt: skip
ACTION_KEY = ("team_id", "tool_version_id", "theme_section_id", "open_due", "on_time")
OPEN_AUDIT_ROW_COLUMNS = ("audit_id", "team_id", "tool_version_id", "due_date")
OPEN_AUDIT_KEY = ("team_id", "tool_version_id", "due_date")
PROGRAMME_ROW_COLUMNS = ("audit_id", "programme_id", "status", "due_date")
PROGRAMME_KEY = ("programme_id", "status", "due_date")


def due_before_today(due: SQLColumnExpression[date]) -> ColumnElement[bool]:
    """A kept due date (``NOT_OPEN`` where the audit or action has none, or is done) before today's
    UK date: what "overdue" is on every kept count (open audits, programmes' audits, actions)."""
    return and_(due != NOT_OPEN, due < today())


# The UK date of a stored (naive UTC) time, in SQL ---------------------------------------------------


def uk_date(column: Any, dialect: str) -> ColumnElement[date]:
    """The Europe/London date of a naive UTC time. PostgreSQL knows the zone; SQLite is told when
    British Summer Time was in force (the same periods ``audit.clock`` uses), one test per year."""
    if dialect == "postgresql":
        return cast(func.timezone("Europe/London", func.timezone("UTC", column)), DateType)
    return func.date(column, case((_in_summer_time(column, 2000, dialect), "+1 hours"), else_="+0 hours"))


def _in_summer_time(column: Any, since: int, dialect: str) -> ColumnElement[bool]:
    """Whether a stored (naive UTC) time fell in British Summer Time, for the years from ``since``
    to next year. The bounds are written into the statement rather than bound: a refresh runs
    these statements for one audit, and processing some 60 bound times each time cost more than
    running the statement (issue 16's write cost)."""
    return or_(
        false(),
        *(
            and_(column >= _fixed_time(start, dialect), column < _fixed_time(end, dialect))
            for start, end in bst_periods(range(since, today().year + 2))
        ),
    )


def _fixed_time(moment: datetime, dialect: str) -> ColumnElement[datetime]:
    """A stored time as a constant of the statement, in the form each database stores it (SQLite:
    the text SQLAlchemy writes; PostgreSQL: a timestamp without time zone)."""
    written = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return literal_column(f"TIMESTAMP '{written}'" if dialect == "postgresql" else f"'{written}'", DateTime())


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


def _action_rows(audits: ColumnElement[bool], dialect: str) -> Select[Any]:
    """(``ACTION_ROW_COLUMNS``): each action of the completed ``audits``, with the theme its audit's
    actions are shown under (``ACTION_THEME_RULE`` in ``audit.reporting.evidence``): the audit's
    lowest final section grade below good, the first such section of the tool where two tie."""
    keys = _audit_keys(audits, dialect)
    ranked = (
        with_moderation(
            select(
                SectionJudgement.audit_id,
                ToolSection.id.label("section_id"),
                ToolSection.theme,
                func.row_number()
                .over(
                    partition_by=SectionJudgement.audit_id,
                    order_by=(ScaleGrade.position.desc(), ToolSection.position, ToolSection.id),
                )
                .label("rank"),
            )
            .select_from(SectionJudgement)
            .join(keys, keys.c.audit_id == SectionJudgement.audit_id)
            .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
        )
        .join(ScaleGrade, ScaleGrade.id == FINAL_SECTION_GRADE_ID)
        .where(ScaleGrade.good_or_better.is_(False))
        .subquery()
    )
    lowest = select(ranked.c.audit_id, ranked.c.section_id, ranked.c.theme).where(ranked.c.rank == 1).subquery()
    return (
        select(
            Action.id.label("action_id"),
            keys.c.audit_id,
            keys.c.day,
            keys.c.month,
            keys.c.team_id,
            keys.c.tool_version_id,
            func.coalesce(lowest.c.section_id, NO_THEME).label("theme_section_id"),
            func.coalesce(lowest.c.theme, "").label("theme"),
            Action.due_date,
            case((Action.completed_at.is_(None), Action.due_date), else_=literal(NOT_OPEN, DateType)).label("open_due"),
            case((action_on_time(dialect), True), else_=False).label("on_time"),
        )
        .select_from(Action)
        .join(keys, keys.c.audit_id == Action.audit_id)
        .outerjoin(lowest, lowest.c.audit_id == keys.c.audit_id)
    )


def action_on_time(dialect: str) -> ColumnElement[bool]:
    """Done on or before the due day, by the UK date. PostgreSQL knows the zone (and the statement
    does not depend on the year: it is kept in a function, ``install_functions``); on SQLite a
    time from 23:00 UTC in summer time is already the next UK day."""
    if dialect == "postgresql":
        return and_(Action.completed_at.is_not(None), uk_date(Action.completed_at, dialect) <= Action.due_date)
    done_on = func.date(Action.completed_at)
    in_summer_time = _in_summer_time(Action.completed_at, today().year - 10, dialect)
    next_uk_day = and_(func.extract("hour", Action.completed_at) == 23, in_summer_time)
    return and_(
        Action.completed_at.is_not(None),
        or_(done_on < Action.due_date, and_(done_on == Action.due_date, not_(next_uk_day))),
    )


def _is_open() -> ColumnElement[bool]:
    return Audit.status.in_(OPEN)


def _in_a_programme() -> ColumnElement[bool]:
    return Audit.programme_id.is_not(None)


def _open_audit_rows(audits: ColumnElement[bool], _dialect: str) -> Select[Any]:
    """(``OPEN_AUDIT_ROW_COLUMNS``): each open audit among ``audits``."""
    return typing.cast(
        Select[Any],
        select(
            Audit.id.label("audit_id"),
            Audit.team_id,
            Audit.tool_version_id,
            func.coalesce(Audit.due_date, literal(NOT_OPEN, DateType)).label("due_date"),
        ).where(_is_open(), audits),
    )


def _programme_rows(audits: ColumnElement[bool], _dialect: str) -> Select[Any]:
    """(``PROGRAMME_ROW_COLUMNS``): each audit of a programme among ``audits``, whatever its status."""
    return typing.cast(
        Select[Any],
        select(
            Audit.id.label("audit_id"),
            Audit.programme_id,
            cast(Audit.status, String(20)).label("status"),
            func.coalesce(Audit.due_date, literal(NOT_OPEN, DateType)).label("due_date"),
        ).where(_in_a_programme(), audits),
    )


# The kinds kept -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kept:
    """One kind of per-audit rows and the counts kept of them. ``rows`` gives the rows of the audits
    matching a condition on ``Audit`` (for rebuild, refresh and check alike); ``key`` names the
    per-audit columns the summary counts by. A dated kind is counted per UK day, week, month,
    quarter and year (``period`` and its first ``day``: ``audit.models.summaries.PERIODS``; its
    rows carry the UK ``day``), so a range of dates is read as the few whole periods that tile it;
    an undated kind is counted as it stands now. ``holds`` says, on ``Audit``, which audits can have
    rows of the kind (its rows query keeps to them too), so a refresh reads the new rows only where
    there can be some."""

    row_model: type[Any]
    summary_model: type[Any]
    columns: tuple[str, ...]
    rows: Callable[[ColumnElement[bool], str], Select[Any]]
    key: tuple[str, ...]
    count: str
    dated: bool = True
    holds: Callable[[], ColumnElement[bool]] = lambda: Audit.status.in_(COMPLETED)

    @property
    def row_table(self) -> Table:
        return _table(self.row_model)

    @property
    def summary_table(self) -> Table:
        return _table(self.summary_model)

    @property
    def summary_key(self) -> tuple[str, ...]:
        return ("period", "day", *self.key) if self.dated else self.key

    def counted_keys(self, values: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The summary keys one per-audit row adds 1 to."""
        key = tuple(values[name] for name in self.key)
        if not self.dated:
            return [key]
        day = values["day"]
        return [(period, period_start(period, day), *key) for period in PERIODS]


@cache
def kinds() -> tuple[Kept, ...]:
    from audit.domain import summary_voices as voices
    from audit.domain.summary_answers import ANSWER_KEY, ANSWER_ROW_COLUMNS, answer_rows
    from audit.domain.summary_equality import EQUALITY_KEY, EQUALITY_ROW_COLUMNS, equality_rows
    from audit.models import AnswerSummary, AuditAnswerRow
    from audit.models.summary_equality import AuditEqualityRow, EqualitySummary
    from audit.models.summary_voices import AuditSampleRow, AuditVoiceRow, SampleSummary, VoiceSummary

    return (
        Kept(AuditGradeRow, GradeSummary, GRADE_ROW_COLUMNS, _grade_rows, GRADE_KEY, "audits"),
        Kept(AuditPairRow, PairSummary, PAIR_ROW_COLUMNS, _pair_rows, PAIR_KEY, "pairs"),
        Kept(AuditActionRow, ActionSummary, ACTION_ROW_COLUMNS, _action_rows, ACTION_KEY, "actions"),
        Kept(
            OpenAuditRow,
            OpenAuditSummary,
            OPEN_AUDIT_ROW_COLUMNS,
            _open_audit_rows,
            OPEN_AUDIT_KEY,
            "audits",
            dated=False,
            holds=_is_open,
        ),
        Kept(AuditAnswerRow, AnswerSummary, ANSWER_ROW_COLUMNS, answer_rows, ANSWER_KEY, "audits"),
        Kept(AuditVoiceRow, VoiceSummary, voices.VOICE_ROW_COLUMNS, voices.voice_rows, voices.VOICE_KEY, "audits"),
        Kept(AuditSampleRow, SampleSummary, voices.SAMPLE_ROW_COLUMNS, voices.sample_rows, voices.SAMPLE_KEY, "audits"),
        Kept(AuditEqualityRow, EqualitySummary, EQUALITY_ROW_COLUMNS, equality_rows, EQUALITY_KEY, "audits"),
        Kept(
            ProgrammeAuditRow,
            ProgrammeStatusSummary,
            PROGRAMME_ROW_COLUMNS,
            _programme_rows,
            PROGRAMME_KEY,
            "audits",
            dated=False,
            holds=_in_a_programme,
        ),
    )


# Refresh: take an audit's old rows off, put its new rows on -----------------------------------------


def refresh(audit_ids: Iterable[int], connection: Connection | None = None, only: Iterable[str] = ()) -> None:
    """Bring the summary up to date for ``audit_ids`` (audits changed, or deleted, in this
    transaction). Safe to call for audits that are not completed: they have no rows. ``only`` the
    kinds whose per-audit tables are named, as ``rebuild`` (a case's change moves only them)."""
    from audit.extensions import db

    ids = sorted(set(audit_ids))
    bind = connection if connection is not None else db.session.connection()
    for start in range(0, len(ids), BATCH):
        _refresh(bind, ids[start : start + BATCH], tuple(only))


def _refresh(bind: Connection, ids: Sequence[int], only: tuple[str, ...] = ()) -> None:
    every = tuple(kind for kind in kinds() if not only or kind.row_table.name in only)
    dialect = bind.dialect.name
    chosen = {"ids": list(ids)}
    if dialect == "postgresql":
        # Two transactions refreshing one audit at once (two of its actions completed by two
        # people, or one completed as the audit is submitted) would each work from the rows before
        # the other's: the second waits here for the first to commit, then reads what it wrote.
        # SQLite has one writer at a time anyway.
        bind.execute(_locked(), chosen)
        # Then every kind in one call, each through its function (``install_functions``): the
        # server keeps their plans, and the rows never travel to Python and back.
        bind.execute(_refresh_call(every), chosen)
        return
    # One look-up says which kinds to work out again: those the audits had rows of, and those
    # whose statuses an audit is in now (a cancelled audit's autosave costs this and nothing more).
    found = bind.execute(_found(every), chosen).one()
    for index, kind in enumerate(every):
        had_rows, may_have_rows = found[index], found[len(every) + index]
        if not had_rows and not may_have_rows:
            continue
        # Each side is read only where it can hold rows: a new draft or a submission reads half.
        statements = _statements(kind, dialect)
        old: Counter[tuple[Any, ...]] = Counter()
        if had_rows:
            old = Counter(tuple(row) for row in bind.execute(statements.kept, chosen))
        new: Counter[tuple[Any, ...]] = Counter()
        if may_have_rows:
            statement = _for_audits(kind.rows, dialect, today().year)
            new = Counter(_typed(tuple(row)) for row in bind.execute(statement, chosen))
        if old == new:
            continue
        if had_rows:
            bind.execute(statements.forget, chosen)
        if new:
            bind.execute(statements.keep, [dict(zip(kind.columns, row, strict=True)) for row in new.elements()])
        deltas: Counter[tuple[Any, ...]] = Counter()
        for rows_counted, sign in ((old, -1), (new, 1)):
            for row, number in rows_counted.items():
                for counted_key in kind.counted_keys(dict(zip(kind.columns, row, strict=True))):
                    deltas[counted_key] += sign * number
        _apply(bind, kind, deltas)


# Each statement a refresh runs is built once (per kind and database): building them each time, with
# the audits' ids as literal values, cost more than running them (issue 16's write cost).
CHOSEN: BindParameter[list[int]] = bindparam("ids", expanding=True)


@cache
def _locked() -> Select[Any]:
    return select(Audit.id).where(Audit.id.in_(CHOSEN)).order_by(Audit.id).with_for_update()


@cache
def _found(every: tuple[Kept, ...]) -> Select[Any]:
    return select(  # type: ignore[return-value]  # a row of booleans, one per kind and side
        *(exists().where(kind.row_table.c.audit_id.in_(CHOSEN)) for kind in every),
        *(exists().where(Audit.id.in_(CHOSEN), kind.holds()) for kind in every),
    )


@dataclass(frozen=True)
class _Statements:
    kept: Select[Any]  # the audits' rows as kept
    forget: Any  # delete them
    keep: Any  # insert rows
    add: Any  # add a delta to a count (an upsert)
    drop_zeros: Any  # delete the counts a delta brought to 0


@cache
def _statements(kind: Kept, dialect: str) -> _Statements:
    table, summary, key, count = kind.row_table, kind.summary_table, kind.summary_key, kind.count
    upsert = (postgresql if dialect == "postgresql" else sqlite).insert(summary)
    return _Statements(
        kept=select(*(table.c[name] for name in kind.columns)).where(table.c.audit_id.in_(CHOSEN)),
        forget=delete(table).where(table.c.audit_id.in_(CHOSEN)),
        keep=insert(table),
        add=upsert.on_conflict_do_update(
            index_elements=list(key), set_={count: summary.c[count] + upsert.excluded[count]}
        ),
        drop_zeros=delete(summary).where(
            summary.c[count] == 0, *(summary.c[name] == bindparam(f"k_{name}") for name in key)
        ),
    )


@cache
def _for_audits(rows: Callable[[ColumnElement[bool], str], Select[Any]], dialect: str, year: int) -> Select[Any]:
    """``rows`` for the audits given as the ``ids`` parameter, built once per dialect (and year, for
    SQLite's summer-time periods): building the statement cost more than running it."""
    return rows(Audit.id.in_(bindparam("ids", expanding=True)), dialect)


def _table(model: type[Any]) -> Table:
    return typing.cast(Table, model.__table__)


def _typed(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row as read back from the per-audit table: SQLite gives dates computed in SQL as text (and
    a boolean computed in SQL as 0 or 1)."""
    return tuple(
        date.fromisoformat(value) if isinstance(value, str) and ISO_DATE.fullmatch(value) else value for value in row
    )


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _apply(bind: Connection, kind: Kept, deltas: Counter[tuple[Any, ...]]) -> None:
    """Add each delta to its count (an upsert: the unique key takes two writers at once), then drop
    the counts that reached 0."""
    key, count = kind.summary_key, kind.count
    changes = [dict(zip(key, row, strict=True), **{count: delta}) for row, delta in deltas.items() if delta]
    if not changes:
        return
    statements = _statements(kind, bind.dialect.name)
    bind.execute(statements.add, changes)
    taken_off = [{f"k_{name}": change[name] for name in key} for change in changes if change[count] < 0]
    if taken_off:
        bind.execute(statements.drop_zeros, taken_off)


# Rebuild and check ---------------------------------------------------------------------------------


def rebuild(bind: Connection | None = None, only: Iterable[str] = ()) -> dict[str, int]:
    """Empty the summaries (``only`` those whose per-audit tables are named, as a migration that
    adds one does) and fill them again from the audits; how many rows each table now holds."""
    from audit.extensions import db

    bind = bind if bind is not None else db.session.connection()
    dialect = bind.dialect.name
    _no_statement_timeout(bind)
    install_functions(bind)  # the refresh's functions as the code defines them, on PostgreSQL
    chosen = [kind for kind in kinds() if not only or kind.row_table.name in set(only)]
    found: dict[str, int] = {}
    for kind in chosen:
        bind.execute(delete(kind.row_table))
        bind.execute(delete(kind.summary_table))
        bind.execute(insert(kind.row_table).from_select(list(kind.columns), kind.rows(true(), dialect)))
        bind.execute(insert(kind.summary_table).from_select([*kind.summary_key, kind.count], _counted(kind, dialect)))
        for table in (kind.row_table, kind.summary_table):
            found[table.name] = bind.execute(select(func.count()).select_from(table)).scalar_one()
    return found


def _no_statement_timeout(bind: Connection) -> None:
    """A rebuild or a check reads every audit: at a million audits on PostgreSQL one statement
    takes minutes, past the statement timeout that protects web requests (``database``). Lifted
    for this transaction only; run from the command line and migrations, never from a request."""
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("SET LOCAL statement_timeout = 0")


def _counted(kind: Kept, dialect: str, signed: Any = None) -> Select[Any]:
    """The per-audit rows counted per period (``PERIODS``; or as they stand, for an undated kind):
    the summary's rows, from scratch. Or, given ``signed`` rows (the kind's columns and ``n``, -1
    for a row taken off and 1 for a row put on), the changes to the counts, none of them 0."""
    rows = kind.row_table if signed is None else signed
    number = func.count() if signed is None else func.sum(signed.c.n)
    key_columns = [rows.c[name] for name in kind.key]

    def counted(*period: Any) -> Select[Any]:  # the period's name and its first day, or nothing
        found = select(*period, *key_columns, number).group_by(*period[1:], *key_columns)
        return found if signed is None else found.having(number != 0)

    if not kind.dated:
        return counted()
    by_period = []
    for period in PERIODS:
        start = _period_start_sql(period, rows.c.day, dialect)
        by_period.append(counted(literal(period).label("period"), start.label("day")))
    return select(union_all(*by_period).subquery())


def _period_start_sql(period: str, day: Any, dialect: str) -> ColumnElement[date]:
    """``period_start`` in SQL, for the rebuild."""
    if period == "day":
        return typing.cast(ColumnElement[date], day)
    if dialect == "postgresql":
        trunc = {"week": "week", "month": "month", "qtr": "quarter", "year": "year"}[period]
        return cast(func.date_trunc(trunc, day), DateType)
    if period == "week":  # the Monday on or before: back six days, then on to a Monday
        return func.date(day, "-6 days", "weekday 1")
    if period == "month":
        return func.date(day, "start of month")
    if period == "qtr":
        months_in = (cast(func.strftime("%m", day), Integer) - 1) % 3
        return func.date(day, "start of month", "-" + cast(months_in, String) + " months")
    return func.date(day, "start of year")


def differences(bind: Connection | None = None, limit: int = 20) -> list[str]:
    """How the maintained summaries differ from a rebuild from the audits (none: they agree). Reads
    only; the rebuild is worked out in memory."""
    from audit.extensions import db

    bind = bind if bind is not None else db.session.connection()
    _no_statement_timeout(bind)
    dialect = bind.dialect.name
    found: list[str] = []
    for kind in kinds():
        table = kind.row_table
        kept = Counter(tuple(row) for row in bind.execute(select(*(table.c[name] for name in kind.columns))))
        expected = Counter(_typed(tuple(row)) for row in bind.execute(kind.rows(true(), dialect)))
        found += _compare(table.name, kept, expected)
        summary = kind.summary_table
        kept_counts = {
            tuple(row[:-1]): row[-1]
            for row in bind.execute(select(*(summary.c[name] for name in kind.summary_key), summary.c[kind.count]))
        }
        expected_counts: Counter[tuple[Any, ...]] = Counter()
        for row, number in expected.items():
            for counted_key in kind.counted_keys(dict(zip(kind.columns, row, strict=True))):
                expected_counts[counted_key] += number
        found += _compare(summary.name, Counter(kept_counts), expected_counts)
        found += [f"{summary.name} {row}: kept at 0, not deleted" for row, number in kept_counts.items() if number == 0]
    found += _function_differences(bind)
    return found[:limit] if limit else found


def _compare(name: str, kept: Counter[tuple[Any, ...]], expected: Counter[tuple[Any, ...]]) -> list[str]:
    return [
        f"{name} {row}: kept {kept.get(row, 0)}, rebuilt {expected.get(row, 0)}"
        for row in sorted(set(kept) | set(expected), key=str)
        if kept.get(row, 0) != expected.get(row, 0)
    ]


# PostgreSQL: the refresh's costly statements as functions, so the server keeps their plans ------------
#
# Planning cost PostgreSQL more than running: the grade rows' statement for one audit takes 3-5 ms to
# plan and 0.3 ms to run, and a refresh runs one such statement a kind. No plan outlived its request:
# psycopg drops its prepared statements at every rollback, and every request that reads ends in one.
# A PL/pgSQL function's plans are kept by the server connection for as long as the connection
# lives, whatever is rolled back; ``force_generic_plan`` plans each statement once rather than five
# times. The bodies are the kinds' own statements (``Kept.rows``) compiled from this code, so there
# is still one definition: ``install_functions`` writes them (a migration, and every rebuild), and
# ``differences`` reports a function that is missing or differs from the code.


@dataclass(frozen=True)
class _Function:
    name: str
    arguments: tuple[tuple[str, str], ...]  # (name, type)
    returns: str
    volatility: str
    body: str  # the statements between BEGIN and END

    @property
    def source(self) -> str:
        return f"\nBEGIN\n{self.body}\nEND\n"

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(f'{name} {type_}' for name, type_ in self.arguments)})"

    def create(self) -> str:
        return (
            f"CREATE FUNCTION {self.signature} RETURNS {self.returns} LANGUAGE plpgsql {self.volatility} "
            f"SET plan_cache_mode = force_generic_plan AS $body${self.source}$body$"
        )


GIVEN: ColumnElement[Any] = literal_column("chosen")  # a function's argument: the audits' ids
# Compiled for a function's source with named parameters, so a "%" in a literal is written as itself.
POSTGRESQL = postgresql.psycopg.dialect(paramstyle="named")  # type: ignore[no-untyped-call]  # untyped class


def _sql(statement: Any) -> str:
    return str(statement.compile(dialect=POSTGRESQL, compile_kwargs={"literal_binds": True}))


def _type(table: Table, name: str) -> str:
    return str(table.c[name].type.compile(dialect=POSTGRESQL))


def _rows_function_name(kind: Kept) -> str:
    return f"{kind.row_table.name}_of"


def _refresh_function_name(kind: Kept) -> str:
    return f"{kind.row_table.name}_refresh"


def _rows_function(kind: Kept) -> _Function:
    """The kind's rows for the audits whose ids are ``chosen``, cast to the per-audit table's types
    (a function's result must match its declared types exactly)."""
    table = kind.row_table
    rows = kind.rows(Audit.id == any_(GIVEN), "postgresql").subquery()
    typed = select(*(cast(column, table.c[name].type) for column, name in zip(rows.c, kind.columns, strict=True)))
    columns = ", ".join(f"r_{name} {_type(table, name)}" for name in kind.columns)
    return _Function(_rows_function_name(kind), (("chosen", "integer[]"),), f"TABLE ({columns})", "STABLE",
                     f"RETURN QUERY {_sql(typed)};")  # fmt: skip


def _refresh_function(kind: Kept) -> _Function:
    """Bring the kind up to date for the audits whose ids are ``chosen``, in one call: the changes
    to the counts (the audits' kept rows taken off, their rows now put on, summed per key) added
    in one upsert, the counts that reached 0 deleted (found by ``no_zero_counts``' index), and the
    kept rows replaced."""
    table, summary, key, count = kind.row_table, kind.summary_table, kind.summary_key, kind.count
    now = getattr(func, _rows_function_name(kind))(GIVEN).table_valued(*(f"r_{name}" for name in kind.columns))
    now_rows = [now.c[f"r_{name}"].label(name) for name in kind.columns]
    kept = [table.c[name] for name in kind.columns]
    signed = union_all(
        select(*kept, literal(-1).label("n")).where(table.c.audit_id == any_(GIVEN)),
        select(*now_rows, literal(1).label("n")),
    ).subquery("signed")
    upsert = postgresql.insert(summary)
    add = upsert.from_select([*key, count], _counted(kind, "postgresql", signed)).on_conflict_do_update(
        index_elements=list(key), set_={count: summary.c[count] + upsert.excluded[count]}
    )
    statements = (
        add,
        delete(summary).where(summary.c[count] == 0),
        delete(table).where(table.c.audit_id == any_(GIVEN)),
        insert(table).from_select(list(kind.columns), select(*now_rows)),
    )
    body = "\n".join(f"{_sql(statement)};" for statement in statements)
    return _Function(_refresh_function_name(kind), (("chosen", "integer[]"),), "void", "VOLATILE", body)


@cache
def functions() -> tuple[_Function, ...]:
    return tuple(function for kind in kinds() for function in (_rows_function(kind), _refresh_function(kind)))


def install_functions(bind: Connection) -> None:
    """Write the refresh's functions as this code defines them (PostgreSQL only; SQLite plans
    in-process and cheaply). Dropped first: a kind whose columns change changes its result type."""
    if bind.dialect.name != "postgresql":
        return
    for function in functions():
        _install(bind, function)


def _install(bind: Connection, function: _Function) -> None:
    bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function.signature}")
    bind.exec_driver_sql(function.create().replace("%", "%%"))  # the driver reads "%%" as "%"


def _function_differences(bind: Connection) -> list[str]:
    if bind.dialect.name != "postgresql":
        return []
    named = text("SELECT proname, prosrc FROM pg_proc WHERE proname IN :names").bindparams(
        bindparam("names", expanding=True)
    )
    installed: dict[str, str] = dict(bind.execute(named, {"names": [function.name for function in functions()]}).all())
    return [
        f"function {function.name}: {'missing' if function.name not in installed else 'differs from the code'}"
        for function in functions()
        if installed.get(function.name) != function.source
    ]


@cache
def _refresh_call(every: tuple[Kept, ...]) -> Any:
    """One statement that refreshes ``every`` kind (each function in turn) for the ``ids``. Named,
    not compiled: compiling a function's body is for installing it, never for a write."""
    called = ", ".join(f"{_refresh_function_name(kind)}(:ids)" for kind in every)
    return text(f"SELECT {called}").bindparams(bindparam("ids", type_=postgresql.ARRAY(Integer)))


# Every ORM write that moves a figure refreshes its audits ------------------------------------------

# The per-audit tables (the kinds' names), for saying which kinds a change moves.
GRADES, PAIRS, ACTIONS, OPEN_AUDITS = "audit_grade_rows", "audit_pair_rows", "audit_action_rows", "open_audit_rows"
ANSWERS, VOICES, SAMPLE, EQUALITY = "audit_answer_rows", "audit_voice_rows", "audit_sample_rows", "audit_equality_rows"
PROGRAMMES = "programme_audit_rows"
EVERY_KIND = frozenset({GRADES, PAIRS, ACTIONS, OPEN_AUDITS, ANSWERS, VOICES, SAMPLE, EQUALITY, PROGRAMMES})
JUDGED = frozenset({GRADES, PAIRS, ACTIONS, VOICES})  # what a section's judgement or grade moves
MODERATED = frozenset({GRADES, PAIRS, ACTIONS})

# An audit's fields and the kinds each moves. Status, dates, team and tool move every kind.
AUDIT_FIELDS: dict[str, frozenset[str]] = {
    "status": EVERY_KIND,
    "submitted_at": EVERY_KIND,
    "team_id": EVERY_KIND,
    "tool_version_id": EVERY_KIND,
    "auditor_id": frozenset({PAIRS}),
    "overall_grade_id": frozenset({GRADES, EQUALITY}),
    "moderated_at": frozenset({GRADES}),  # an amendment after moderation is counted
    "due_date": frozenset({OPEN_AUDITS, PROGRAMMES}),
    "programme_id": frozenset({SAMPLE, PROGRAMMES}),
    "follows_audit_id": frozenset({SAMPLE}),
    "case_id": frozenset({EQUALITY}),  # the equality figures read the audit's case
}
# Written by a draft's autosave too, so watched only once the audit is completed (an amendment).
COMPLETED_AUDIT_FIELDS = ("child_family_feedback", "practitioner_reflection")
VOICED = frozenset({VOICES, SAMPLE})
JUDGEMENT_FIELDS = ("grade_id", "not_applicable", "section_id", "audit_id")


ACTION_FIELDS = ("completed_at", "due_date", "audit_id")
ANSWER_FIELDS = ("choice", "option_id", "question_id", "audit_id")
# The child's characteristics the equality figures read from the case as it stands now, and the
# kinds that read them: a change to them refreshes those kinds for the case's completed audits.
CASE_FIELDS = ("ethnicity", "disability", "age_band", "gender")
CASE_KINDS = (EQUALITY,)
WATCHED = (Audit, SectionJudgement, Moderation, ModeratedSection, AuditAmendment, Action, Answer)

Changes = dict[int, set[str]]  # audit id: the kinds to work out again


def _changed(instance: object, fields: Sequence[str]) -> bool:
    return any(get_history(instance, name).has_changes() for name in fields)


def _moves(found: Changes, audit_id: int | None, kinds_moved: Iterable[str]) -> None:
    if audit_id is not None:
        found.setdefault(audit_id, set()).update(kinds_moved)


def changed_audits(session: Session) -> tuple[Changes, Changes]:
    """(audit ids, moderation ids), each with the kinds this flush moved for it: the rows it wrote
    in a way the figures read, and only the kinds that read them (a re-grade works out the grades,
    pairs, actions and voices again, not the answers, sample or equality)."""
    audits: Changes = {}
    moderations: Changes = {}
    answered: set[int] = set()  # counted only if the audit is completed
    # Session.new and .deleted build a new set on each access: read them once (a flush of 200,000
    # new cases spent minutes here when they were read per row).
    new, dirty_rows, deleted = session.new, session.dirty, session.deleted
    for instance in (*new, *dirty_rows, *deleted):
        if not isinstance(instance, WATCHED):
            continue
        dirty = instance not in new and instance not in deleted
        if isinstance(instance, Audit):
            if not dirty:
                _moves(audits, instance.id, EVERY_KIND)
                continue
            for name, kinds_moved in AUDIT_FIELDS.items():
                history = get_history(instance, name)
                if not history.has_changes():
                    continue
                if name == "status" and history.deleted and {*history.deleted, *history.added} <= set(COMPLETED):
                    # Submitted to moderated (the old status known): only what final grades move,
                    # and the programme's count by status.
                    kinds_moved = MODERATED | {EQUALITY, PROGRAMMES}
                _moves(audits, instance.id, kinds_moved)
            status = instance.__dict__.get("status")  # not loaded: refresh, to be safe (costs a look-up)
            if status in (None, *COMPLETED) and _changed(instance, COMPLETED_AUDIT_FIELDS):
                _moves(audits, instance.id, VOICED)
        elif isinstance(instance, SectionJudgement):
            if not dirty or _changed(instance, JUDGEMENT_FIELDS):
                _moves(audits, instance.audit_id, JUDGED)
                if dirty:
                    for moved_from in get_history(instance, "audit_id").deleted:
                        _moves(audits, moved_from, JUDGED)
        elif isinstance(instance, Moderation):
            if not dirty or _changed(instance, ("overall_grade_id", "audit_id")):
                _moves(audits, instance.audit_id, MODERATED | {EQUALITY})
        elif isinstance(instance, ModeratedSection):
            if not dirty or _changed(instance, ("grade_id", "not_applicable", "section_id")):
                _moves(moderations, instance.moderation_id, MODERATED)
        elif isinstance(instance, AuditAmendment) and not dirty:
            _moves(audits, instance.audit_id, {GRADES})
        elif isinstance(instance, Action) and (not dirty or _changed(instance, ACTION_FIELDS)):
            _moves(audits, instance.audit_id, {ACTIONS})  # None for a supervision action: no audit
            if dirty:
                for moved_from in get_history(instance, "audit_id").deleted:
                    _moves(audits, moved_from, {ACTIONS})
        elif isinstance(instance, Answer) and (not dirty or _changed(instance, ANSWER_FIELDS)):
            answered.add(instance.audit_id)
            if dirty:
                answered.update(get_history(instance, "audit_id").deleted)
    for audit_id in _completed(session, {audit_id for audit_id in answered if audit_id is not None}):
        _moves(audits, audit_id, {ANSWERS})
    return audits, moderations


def _completed(session: Session, audit_ids: set[int]) -> set[int]:
    """Those of ``audit_ids`` that are completed: only their answers are counted, and a draft's
    autosave writes answers every few seconds. Read from the audits the session holds (autosave
    has loaded its audit, so it costs no statement), else in one look-up by primary key."""
    found: set[int] = set()
    unknown: set[int] = set()
    for audit_id in audit_ids:
        audit = session.identity_map.get(identity_key(Audit, audit_id))
        status = audit.__dict__.get("status") if audit is not None else None
        if status is None:  # not loaded, or expired
            unknown.add(audit_id)
        elif status in COMPLETED:
            found.add(audit_id)
    if unknown:
        completed = select(Audit.id).where(Audit.id.in_(unknown), Audit.status.in_(COMPLETED))
        found.update(session.connection().execute(completed).scalars())
    return found


CASE_BATCH = 5000


def changed_cases(session: Session) -> set[int]:
    """The cases whose characteristics (``CASE_FIELDS``) this flush changed. A new case has no
    audits yet, and a deleted case's audits are deleted (and refreshed) with it."""
    return {instance.id for instance in session.dirty if isinstance(instance, Case) and _changed(instance, CASE_FIELDS)}


def audits_of_cases(connection: Connection, case_ids: set[int]) -> set[int]:
    """The completed audits of ``case_ids``: one look-up by the indexed case id (a case import that
    changes many cases' characteristics takes one per ``CASE_BATCH`` cases)."""
    found: set[int] = set()
    ordered = sorted(case_ids)
    for start in range(0, len(ordered), CASE_BATCH):
        chunk = ordered[start : start + CASE_BATCH]
        of_cases = select(Audit.id).where(Audit.case_id.in_(chunk), Audit.status.in_(COMPLETED))
        found.update(connection.execute(of_cases).scalars())
    return found


@event.listens_for(Session, "after_flush")
def _refresh_flushed(session: Session, _context: UOWTransaction) -> None:
    audits, moderations = changed_audits(session)
    cases = changed_cases(session)
    if not audits and not moderations and not cases:
        return
    connection = session.connection()
    if moderations:
        moderated = connection.execute(select(Moderation.id, Moderation.audit_id).where(Moderation.id.in_(moderations)))
        for moderation_id, audit_id in moderated:
            _moves(audits, audit_id, moderations[moderation_id])
    if cases:  # only the kinds that read a case, for its completed audits
        for audit_id in audits_of_cases(connection, cases):
            _moves(audits, audit_id, CASE_KINDS)
    # The audits that moved the same kinds are refreshed together (a submit moves every kind).
    by_kinds: dict[frozenset[str], list[int]] = {}
    for audit_id, kinds_moved in audits.items():
        by_kinds.setdefault(frozenset(kinds_moved), []).append(audit_id)
    for moved, audit_ids in by_kinds.items():
        refresh(audit_ids, connection, only=() if moved >= EVERY_KIND else moved)
