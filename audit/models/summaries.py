"""The report summaries: what every audit adds to the report figures, kept up to date in the
same transaction as each change (``audit.domain.summaries``), so a figure sums a few thousand
counts whatever the number of audits. This module holds the grades, moderation pairs, actions, open
audits and programmes' audits by status; ``summary_voices``, ``summary_equality`` and
``summary_answers`` hold the rest.

Two kinds of table for each:

- per audit (``audit_grade_rows``, ``audit_pair_rows``, ...): the rows one audit contributes, stored
  so that a change can take the audit's old contribution off exactly before adding the new one;
- counts (``grade_summary``, ``pair_summary``, ...): those rows added up per UK day and, again, per
  week, month, quarter and year (``period``, ``PERIODS``), so a range of dates is read as the few
  whole periods that tile it (``tiles``). The open audits and programmes' audits are counted as they
  stand, undated.

These tables are derived: ``flask rebuild-summaries`` rebuilds them from the audits, and
``flask check-summaries`` compares them with a rebuild. Grade ids are 0 where there is no grade
(not applicable, not graded, or a tool that asks for no overall grade), and ``section_id`` 0 is the
audit's overall grade, so every key column is NOT NULL and a unique key (the upsert's target) holds.
They have no foreign keys: a deleted audit's rows are taken off by the same code that deletes it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from sqlalchemy import Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from audit.extensions import Model

OVERALL = 0  # section_id of an audit's overall grade
NO_GRADE = 0  # grade id where there is none


# The periods a dated summary counts by, finest first: each row of counts is for one UK day, or the
# week (from Monday), month, quarter or year starting on ``day``. A range of dates is read as the
# fewest whole periods that tile it (``tiles``): twelve months ending on the 28th are a couple of
# days, a month, three quarters, a month, three weeks and a few days, about 17 groups of rows
# whatever the number of audits, where whole months plus edge days read a month of days.
PERIODS = ("day", "week", "month", "qtr", "year")
Within = Literal["month", "quarter"] | None


def period_start(period: str, day: date) -> date:
    """The first day of the ``period`` (one of ``PERIODS``) that ``day`` falls in."""
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "qtr":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def period_end(period: str, start: date) -> date:
    """The last day of the ``period`` starting on ``start``."""
    if period == "day":
        return start
    if period == "week":
        return start + timedelta(days=6)
    months = {"month": 1, "qtr": 3, "year": 12}[period]
    following = date(start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1, 1)
    return following - timedelta(days=1)


def tiles(start: date, end: date, within: Within = None) -> dict[str, list[date]]:
    """The fewest whole periods (largest first, from ``start``) that cover ``start`` to ``end``
    exactly, as {period: [first days]}. ``within`` keeps every piece inside one month or quarter,
    for a figure grouped by month or quarter (a week across the 1st, or a quarter, would not fold
    into one month)."""
    allowed = {None: PERIODS, "quarter": ("day", "week", "month", "qtr"), "month": ("day", "week", "month")}[within]
    found: dict[str, list[date]] = {}
    cursor = start
    while cursor <= end:
        for period in reversed(allowed):
            last = period_end(period, cursor)
            if period_start(period, cursor) != cursor or last > end:
                continue
            if within is not None and period_start(_GROUP[within], cursor) != period_start(_GROUP[within], last):
                continue
            found.setdefault(period, []).append(cursor)
            cursor = last + timedelta(days=1)
            break
    return found


_GROUP = {"month": "month", "quarter": "qtr"}


class DatedRow:
    """The columns every per-audit table of a dated kind carries: when and where the audit counts."""

    day: Mapped[date]  # the UK date of submission
    month: Mapped[date]  # its month's first day
    team_id: Mapped[int]
    tool_version_id: Mapped[int]


def counts_key(name: str, *key: str) -> UniqueConstraint:
    """A dated table of counts' unique key (the upsert's target): period, day, team and tool
    version (``DatedCounts``), then the kind's own ``key``."""
    return UniqueConstraint("period", "day", "team_id", "tool_version_id", *key, name=name)


def no_zero_counts(table: str, count: str) -> Index:
    """The counts at 0. A count is deleted as it reaches 0, in the transaction that brought it
    there, so between transactions this partial index is empty; it lets PostgreSQL's refresh find
    the counts it brought to 0 without naming their keys (``audit.domain.summaries``)."""
    at_zero = text(f"{count} = 0")
    return Index(f"ix_{table}_zero", count, postgresql_where=at_zero, sqlite_where=at_zero)


class DatedCounts:
    """The columns every dated table of counts starts with: the period (one of ``PERIODS``) and its
    first day, then the team and tool version that every figure's filters read."""

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(5))
    day: Mapped[date]
    team_id: Mapped[int]
    tool_version_id: Mapped[int]


class AuditGradeRow(DatedRow, Model):
    """One completed audit's final and auditor's grade for a theme (the first section of the theme in
    its tool version) or, with ``section_id`` 0, for the audit overall."""

    __tablename__ = "audit_grade_rows"
    # The audits behind a figure, newest first, read from the end of this index (audits_behind).
    __table_args__ = (Index("ix_audit_grade_rows_section_day", "section_id", "day", "audit_id"),)

    audit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    section_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    final_grade_id: Mapped[int]
    auditor_grade_id: Mapped[int]
    moderated: Mapped[bool]  # on the overall row: the audit is moderated
    amended_after_moderation: Mapped[bool]  # on the overall row


class AuditPairRow(DatedRow, Model):
    """One moderated section both the auditor and the moderator graded: a pair for moderation
    agreement (by section, not by theme)."""

    __tablename__ = "audit_pair_rows"

    audit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    section_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    auditor_id: Mapped[int]
    auditor_grade_id: Mapped[int]
    moderator_grade_id: Mapped[int]


class GradeSummary(DatedCounts, Model):
    """``audit_grade_rows`` counted per period (``period`` one of ``PERIODS``, ``day`` its first day)."""

    __tablename__ = "grade_summary"
    __table_args__ = (
        counts_key(
            "uq_grade_summary_key",
            "section_id",
            "final_grade_id",
            "auditor_grade_id",
            "moderated",
            "amended_after_moderation",
        ),
        no_zero_counts("grade_summary", "audits"),
    )

    section_id: Mapped[int]
    final_grade_id: Mapped[int]
    auditor_grade_id: Mapped[int]
    moderated: Mapped[bool]
    amended_after_moderation: Mapped[bool]
    audits: Mapped[int]


class PairSummary(DatedCounts, Model):
    """``audit_pair_rows`` counted per UK period (day, week, month, quarter, year), as ``GradeSummary``."""

    __tablename__ = "pair_summary"
    __table_args__ = (
        counts_key("uq_pair_summary_key", "auditor_id", "section_id", "auditor_grade_id", "moderator_grade_id"),
        no_zero_counts("pair_summary", "pairs"),
    )

    auditor_id: Mapped[int]
    section_id: Mapped[int]
    auditor_grade_id: Mapped[int]
    moderator_grade_id: Mapped[int]
    pairs: Mapped[int]


NOT_OPEN = date(1, 1, 1)  # ``open_due`` of a completed action; ``due_date`` of an audit with none
NO_THEME = 0  # ``theme_section_id`` of an action whose audit graded no theme below good


class AuditActionRow(DatedRow, Model):
    """One action of a completed audit, as the action figures count it: its audit's day, team and
    tool version; the theme its audit's actions are shown under (the theme the audit graded lowest,
    ``theme_section_id`` 0 where it graded none below good); whether it is open, with its due date
    (``open_due``, ``NOT_OPEN`` once done), and whether it was done on time. Also the index the
    themed report's action examples are read from, a few per theme, without sorting a period."""

    __tablename__ = "audit_action_rows"
    __table_args__ = (Index("ix_audit_action_rows_examples", "theme", "open_due", "due_date"),)

    action_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    audit_id: Mapped[int] = mapped_column(index=True)
    theme_section_id: Mapped[int]
    theme: Mapped[str] = mapped_column(String(200))  # that section's theme ("" where none)
    due_date: Mapped[date]
    open_due: Mapped[date]
    on_time: Mapped[bool]


class ActionSummary(DatedCounts, Model):
    """``audit_action_rows`` counted per UK period (day, week, month, quarter, year), as
    ``GradeSummary``. Open actions are counted per due date, so "overdue" (open and due before
    today) is a sum whatever today is."""

    __tablename__ = "action_summary"
    __table_args__ = (
        counts_key("uq_action_summary_key", "theme_section_id", "open_due", "on_time"),
        no_zero_counts("action_summary", "actions"),
    )

    theme_section_id: Mapped[int]
    open_due: Mapped[date]
    on_time: Mapped[bool]
    actions: Mapped[int]


class OpenAuditRow(Model):
    """One open audit (assigned or in progress): its team, tool version and due date
    (``NOT_OPEN`` where it has none)."""

    __tablename__ = "open_audit_rows"

    audit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    team_id: Mapped[int]
    tool_version_id: Mapped[int]
    due_date: Mapped[date]


class OpenAuditSummary(Model):
    """``open_audit_rows`` counted as they stand now, per team, tool version and due date: the
    reports' "in progress" and "overdue" counts are sums here, not a read of every open audit."""

    __tablename__ = "open_audit_summary"
    __table_args__ = (
        UniqueConstraint("team_id", "tool_version_id", "due_date", name="uq_open_audit_summary_key"),
        no_zero_counts("open_audit_summary", "audits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int]
    tool_version_id: Mapped[int]
    due_date: Mapped[date]
    audits: Mapped[int]


class ProgrammeAuditRow(Model):
    """One audit of an audit programme, whatever its status: its programme, status and due date
    (``NOT_OPEN`` where it has none)."""

    __tablename__ = "programme_audit_rows"

    audit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    programme_id: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    due_date: Mapped[date]


class ProgrammeStatusSummary(Model):
    """``programme_audit_rows`` counted as they stand now, per programme, status and due date: a
    programme's progress ("12 not started, 3 overdue...") is a sum of a few rows here, not a read
    of its audits, however many it holds."""

    __tablename__ = "programme_status_summary"
    __table_args__ = (
        UniqueConstraint("programme_id", "status", "due_date", name="uq_programme_status_summary_key"),
        no_zero_counts("programme_status_summary", "audits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    due_date: Mapped[date]
    audits: Mapped[int]
