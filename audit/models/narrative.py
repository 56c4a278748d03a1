"""The quality lead's voice in the themed report: per theme and report scope, an analysis and a
"what we are doing" text (every save a new version, the latest shown), and the evidence quotes
the lead chose or excluded.

A scope is the report's period and filters (``ReportScope.key``-like text: start, end, team ids,
tool ids), so the words written for April to June for every team are not shown in a report for one
team or another quarter.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.clock import utcnow
from audit.extensions import Model
from audit.models.audits import SectionJudgement
from audit.models.people import User


class ThemeNarrative(Model):
    """One saved version of a theme's analysis and "what we are doing" for a report scope."""

    __tablename__ = "theme_narratives"
    __table_args__ = (
        # Two leaders saving from the same version at once: one of them gets the conflict page.
        UniqueConstraint("scope_key", "theme", "version", name="uq_theme_narratives_scope_theme_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(200), index=True)
    start: Mapped[date]
    end: Mapped[date]
    theme: Mapped[str] = mapped_column(String(120))
    version: Mapped[int]
    analysis: Mapped[str] = mapped_column(Text)
    doing: Mapped[str] = mapped_column(Text)  # what we are doing about it
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(default=utcnow)

    written_by: Mapped[User] = relationship()


class QuoteChoice(Model):
    """A lead's choice about one section's evidence as a quote for a theme in a report scope:
    chosen (printed) or excluded (never suggested again). The latest choice replaces the row."""

    __tablename__ = "quote_choices"
    __table_args__ = (
        UniqueConstraint("scope_key", "theme", "judgement_id", name="uq_quote_choices_scope_theme_judgement"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(200), index=True)
    theme: Mapped[str] = mapped_column(String(120))
    judgement_id: Mapped[int] = mapped_column(ForeignKey("section_judgements.id", ondelete="CASCADE"), index=True)
    chosen: Mapped[bool]
    chosen_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chosen_at: Mapped[datetime] = mapped_column(default=utcnow)

    judgement: Mapped[SectionJudgement] = relationship()
    chosen_by: Mapped[User] = relationship()
