"""The equality summary: what every completed audit with a final overall grade adds to the equality
figures (``audit.reporting.equality``), kept up to date in the same transaction as each change
(``audit.domain.summaries``, kind ``audit.domain.summary_equality``), so the figures sum a few
thousand counts whatever the number of audits.

The characteristics are the case's as they stand now: a change to a case's ethnicity, disability,
age band or gender refreshes every completed audit of that case. ``value`` is the recorded value
stripped of surrounding white space, "" where none is recorded, so every key column is NOT NULL and
the unique key (the upsert's target) holds. Derived tables, as ``audit.models.summaries``.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from audit.extensions import Model
from audit.models.summaries import DatedCounts, DatedRow, counts_key, no_zero_counts

NOT_RECORDED_VALUE = ""  # ``value`` where the case records nothing (or only white space)


class AuditEqualityRow(DatedRow, Model):
    """One completed audit with a final overall grade, for one characteristic of its child: the value
    recorded on the case now and whether the final overall grade is good or better."""

    __tablename__ = "audit_equality_rows"

    audit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    characteristic: Mapped[str] = mapped_column(String(20), primary_key=True)  # "ethnicity", "age_band", ...
    value: Mapped[str] = mapped_column(String(60))  # as long as the longest case column (ethnicity)
    good: Mapped[bool]  # the final overall grade is good or better


class EqualitySummary(DatedCounts, Model):
    """``audit_equality_rows`` counted per day (``period`` "day") and per month ("month", ``day`` the
    month's first day)."""

    __tablename__ = "equality_summary"
    __table_args__ = (
        counts_key("uq_equality_summary_key", "characteristic", "value", "good"),
        no_zero_counts("equality_summary", "audits"),
    )

    characteristic: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(60))
    good: Mapped[bool]
    audits: Mapped[int]
