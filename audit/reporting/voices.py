"""The family's and the practitioner's voices in the audits behind a theme: how many of the audits
that graded the theme recorded the child's or family's feedback, and how many the practitioner's
reflection. Both are written once per audit (not per section), so an audit counts under every
theme it graded.

The reports print counts only, never the text: feedback and reflections are free text written
about one family or by one worker, and unlike section evidence they are not written to be quoted.
A count says how far the service hears them; the audit pages hold the words.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import InstrumentedAttribute

from audit.extensions import db
from audit.models import Audit, SectionJudgement, ToolSection
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


def _written(column: InstrumentedAttribute[str | None]) -> ColumnElement[bool]:
    return and_(column.is_not(None), func.length(func.trim(column)) > 0)


def voices_by_theme(scope: ReportScope) -> dict[str, Voices]:
    """Per theme, the audits that graded it, and how many of them recorded each voice: one query."""
    per_audit = (
        select(ToolSection.theme.label("theme"), Audit.id.label("audit_id"))
        .select_from(SectionJudgement)
        .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
        .join(Audit, Audit.id == SectionJudgement.audit_id)
        .where(*scope.completed_audits(), *scope.sections())
        .distinct()
        .subquery()
    )
    rows = db.session.execute(
        select(
            per_audit.c.theme,
            func.count(Audit.id),
            func.count(Audit.id).filter(_written(Audit.child_family_feedback)),
            func.count(Audit.id).filter(_written(Audit.practitioner_reflection)),
        )
        .select_from(per_audit)
        .join(Audit, Audit.id == per_audit.c.audit_id)
        .group_by(per_audit.c.theme)
    ).all()
    return {theme: Voices(int(total), int(family), int(reflection)) for theme, total, family, reflection in rows}


def voices_total(scope: ReportScope) -> Voices:
    total, family, reflection = db.session.execute(
        select(
            func.count(Audit.id),
            func.count(Audit.id).filter(_written(Audit.child_family_feedback)),
            func.count(Audit.id).filter(_written(Audit.practitioner_reflection)),
        ).where(*scope.completed_audits())
    ).one()
    return Voices(int(total), int(family or 0), int(reflection or 0))
