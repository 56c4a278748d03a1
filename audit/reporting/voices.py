"""The family's and the practitioner's voices in the audits behind a theme: how many of the audits
that graded the theme recorded the child's or family's feedback, and how many the practitioner's
reflection. Both are written once per audit (not per section), so an audit counts under every
theme it graded.

The reports print counts only, never the text: feedback and reflections are free text written
about one family or by one worker, and unlike section evidence they are not written to be quoted.
A count says how far the service hears them; the audit pages hold the words.

Both figures are read from the counts kept with every change (``audit.models.summary_voices``:
``voice_summary`` per theme, ``sample_summary`` for the total), so they cost the same whatever the
number of audits; ``audit.domain.summary_voices`` says what each audit adds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from audit.extensions import db
from audit.models import SampleSummary, ToolSection, VoiceSummary
from audit.reporting.figures import ReportScope, percent


@dataclass(frozen=True)
class Voices:
    audits: int  # audits that graded the theme (or, for the total, every completed audit)
    family_feedback: int
    practitioner_reflection: int

    @property
    def percent_family(self) -> float | None:
        return percent(self.family_feedback, self.audits)

    @property
    def percent_practitioner(self) -> float | None:
        return percent(self.practitioner_reflection, self.audits)


def _counts(summary: Any) -> tuple[Any, Any, Any]:
    """The audits counted in ``summary``'s rows, and those of them that recorded each voice."""
    return (
        func.coalesce(func.sum(summary.audits), 0),
        func.coalesce(func.sum(case((summary.family, summary.audits), else_=0)), 0),
        func.coalesce(func.sum(case((summary.reflection, summary.audits), else_=0)), 0),
    )


def voices_by_theme(scope: ReportScope) -> dict[str, Voices]:
    """Per theme, the audits that graded it, and how many of them recorded each voice: one query
    over the theme's kept counts (a row's section stands for its theme)."""
    rows = db.session.execute(
        select(ToolSection.theme, *_counts(VoiceSummary))
        .select_from(VoiceSummary)
        .join(ToolSection, ToolSection.id == VoiceSummary.section_id)
        .where(*scope.summarised(VoiceSummary), *scope.sections())
        .group_by(ToolSection.theme)
    ).all()
    return {theme: Voices(int(total), int(family), int(reflection)) for theme, total, family, reflection in rows}


def voices_total(scope: ReportScope) -> Voices:
    total, family, reflection = db.session.execute(
        select(*_counts(SampleSummary)).where(*scope.summarised(SampleSummary))
    ).one()
    return Voices(int(total), int(family or 0), int(reflection or 0))
