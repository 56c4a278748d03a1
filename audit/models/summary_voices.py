"""The voices and sample summaries: what every completed audit adds to the themed report's "voices"
figures (``audit.reporting.voices``) and to its description of the sample (``audit.reporting.sample``),
kept in the same transaction as each change by ``audit.domain.summaries`` like the grade summary
(``audit.models.summaries``), so those figures sum a few hundred counts whatever the audits number.

- ``audit_voice_rows``: one row per theme an audit judged (any section judgement of a section of
  the theme), under the theme's first section the audit judged, with whether the audit recorded the
  family's feedback and the practitioner's reflection; counted in ``voice_summary``.
- ``audit_sample_rows``: one row per completed audit, with its programme (0 for none), whether it
  is a re-audit outside a programme, and the same two voices (for the report's total); counted in
  ``sample_summary``.

Both counts are kept per UK day, week, month, quarter and year (``period``), as the grade summary. The key columns
are NOT NULL so the unique key (the upsert's target) holds; there are no foreign keys: a deleted
audit's rows are taken off by the code that deletes it.
"""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from audit.extensions import Model
from audit.models.summaries import DatedCounts, DatedRow, counts_key, no_zero_counts

NO_PROGRAMME = 0  # programme_id of an audit outside a programme


class AuditVoiceRow(DatedRow, Model):
    """One completed audit and one theme it judged: whether the audit recorded each voice."""

    __tablename__ = "audit_voice_rows"

    audit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    section_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # stands for its theme
    family: Mapped[bool]  # the child's or family's feedback is written
    reflection: Mapped[bool]  # the practitioner's reflection is written


class VoiceSummary(DatedCounts, Model):
    """``audit_voice_rows`` counted per day (``period`` "day") and per month ("month", ``day`` the
    month's first day)."""

    __tablename__ = "voice_summary"
    __table_args__ = (
        counts_key("uq_voice_summary_key", "section_id", "family", "reflection"),
        no_zero_counts("voice_summary", "audits"),
    )

    section_id: Mapped[int]
    family: Mapped[bool]
    reflection: Mapped[bool]
    audits: Mapped[int]


class AuditSampleRow(DatedRow, Model):
    """One completed audit: where it came from (its programme, or a re-audit, or neither) and
    whether it recorded each voice."""

    __tablename__ = "audit_sample_rows"

    audit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    programme_id: Mapped[int]  # NO_PROGRAMME where none
    reaudit: Mapped[bool]  # outside a programme and following an earlier audit
    family: Mapped[bool]
    reflection: Mapped[bool]


class SampleSummary(DatedCounts, Model):
    """``audit_sample_rows`` counted per UK period (day, week, month, quarter, year), as ``VoiceSummary``."""

    __tablename__ = "sample_summary"
    __table_args__ = (
        counts_key("uq_sample_summary_key", "programme_id", "reaudit", "family", "reflection"),
        no_zero_counts("sample_summary", "audits"),
    )

    programme_id: Mapped[int]
    reaudit: Mapped[bool]
    family: Mapped[bool]
    reflection: Mapped[bool]
    audits: Mapped[int]
