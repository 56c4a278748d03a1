"""The grade summary: what every completed audit adds to the report figures, kept up to date in the
same transaction as each change (``audit.domain.summaries``), so a figure sums a few thousand
counts whatever the number of audits.

Two kinds of table:

- per audit (``audit_grade_rows``, ``audit_pair_rows``): the rows one audit contributes, stored so
  that a change can take the audit's old contribution off exactly before adding the new one;
- counts (``grade_summary``, ``pair_summary``): those rows added up per UK day and, again, per UK
  month (``period``), so a period is read as whole months plus the days at its edges.

These tables are derived: ``flask rebuild-summaries`` rebuilds them from the audits, and
``flask check-summaries`` compares them with a rebuild. Grade ids are 0 where there is no grade
(not applicable, not graded, or a tool that asks for no overall grade), and ``section_id`` 0 is the
audit's overall grade, so every key column is NOT NULL and a unique key (the upsert's target) holds.
They have no foreign keys: a deleted audit's rows are taken off by the same code that deletes it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from audit.extensions import Model

OVERALL = 0  # section_id of an audit's overall grade
NO_GRADE = 0  # grade id where there is none


class AuditGradeRow(Model):
    """One completed audit's final and auditor's grade for a theme (the first section of the theme in
    its tool version) or, with ``section_id`` 0, for the audit overall."""

    __tablename__ = "audit_grade_rows"

    audit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    section_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date]  # the UK date of submission
    month: Mapped[date]  # its month's first day
    team_id: Mapped[int]
    tool_version_id: Mapped[int]
    final_grade_id: Mapped[int]
    auditor_grade_id: Mapped[int]
    moderated: Mapped[bool]  # on the overall row: the audit is moderated
    amended_after_moderation: Mapped[bool]  # on the overall row


class AuditPairRow(Model):
    """One moderated section both the auditor and the moderator graded: a pair for moderation
    agreement (by section, not by theme)."""

    __tablename__ = "audit_pair_rows"

    audit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    section_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date]
    month: Mapped[date]
    team_id: Mapped[int]
    tool_version_id: Mapped[int]
    auditor_id: Mapped[int]
    auditor_grade_id: Mapped[int]
    moderator_grade_id: Mapped[int]


class GradeSummary(Model):
    """``audit_grade_rows`` counted per day (``period`` "day") and per month ("month", ``day`` the
    month's first day)."""

    __tablename__ = "grade_summary"
    __table_args__ = (
        UniqueConstraint(
            "period",
            "day",
            "team_id",
            "tool_version_id",
            "section_id",
            "final_grade_id",
            "auditor_grade_id",
            "moderated",
            "amended_after_moderation",
            name="uq_grade_summary_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(5))
    day: Mapped[date]
    team_id: Mapped[int]
    tool_version_id: Mapped[int]
    section_id: Mapped[int]
    final_grade_id: Mapped[int]
    auditor_grade_id: Mapped[int]
    moderated: Mapped[bool]
    amended_after_moderation: Mapped[bool]
    audits: Mapped[int]


class PairSummary(Model):
    """``audit_pair_rows`` counted per day and per month, as ``GradeSummary``."""

    __tablename__ = "pair_summary"
    __table_args__ = (
        UniqueConstraint(
            "period",
            "day",
            "team_id",
            "tool_version_id",
            "auditor_id",
            "section_id",
            "auditor_grade_id",
            "moderator_grade_id",
            name="uq_pair_summary_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(5))
    day: Mapped[date]
    team_id: Mapped[int]
    tool_version_id: Mapped[int]
    auditor_id: Mapped[int]
    section_id: Mapped[int]
    auditor_grade_id: Mapped[int]
    moderator_grade_id: Mapped[int]
    pairs: Mapped[int]
