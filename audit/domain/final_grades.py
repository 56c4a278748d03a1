"""The final-grade rule in SQL: the grade that stands. A section's final grade is the moderator's
where the section was moderated, otherwise the auditor's; an audit's final overall grade likewise.
A theme shared by two sections of one tool version counts once per audit, at its worst final grade.

The words every report prints are in ``audit.reporting.final_grades``, which re-exports these
expressions; they live in the domain layer because the grade summary (``summaries``), kept with
every change to an audit, applies the same rule when it records what an audit adds to the figures.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    Subquery,
    and_,
    case,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from audit.models import (
    Audit,
    AuditToolVersion,
    ModeratedSection,
    Moderation,
    ScaleGrade,
    SectionJudgement,
    ToolSection,
)

# A section counts as moderated where the moderator gave it a grade or marked it not applicable.
SECTION_MODERATED = or_(ModeratedSection.grade_id.is_not(None), ModeratedSection.not_applicable)
FINAL_SECTION_GRADE_ID = case((SECTION_MODERATED, ModeratedSection.grade_id), else_=SectionJudgement.grade_id)
FINAL_SECTION_NOT_APPLICABLE = case(
    (SECTION_MODERATED, ModeratedSection.not_applicable), else_=SectionJudgement.not_applicable
)
AUDITOR_JUDGED = or_(SectionJudgement.grade_id.is_not(None), SectionJudgement.not_applicable)
FINAL_OVERALL_GRADE_ID = func.coalesce(Moderation.overall_grade_id, Audit.overall_grade_id)

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


def with_moderation(query: SelectT) -> SelectT:
    """``query`` (over ``SectionJudgement``) outer-joined to the moderator's grade of the same
    section, so ``FINAL_SECTION_GRADE_ID`` can be read."""
    return query.outerjoin(Moderation, Moderation.audit_id == SectionJudgement.audit_id).outerjoin(
        ModeratedSection,
        and_(
            ModeratedSection.moderation_id == Moderation.id, ModeratedSection.section_id == SectionJudgement.section_id
        ),
    )


def shared_theme_sections() -> Subquery:
    """(section_id, first_id): each section of a tool version that shares its theme with another
    section of the same version, and the first of those sections, under which the theme is counted."""
    first = (
        select(ToolSection.tool_version_id, ToolSection.theme, func.min(ToolSection.id).label("first_id"))
        .group_by(ToolSection.tool_version_id, ToolSection.theme)
        .having(func.count() > 1)
        .subquery()
    )
    return (
        select(ToolSection.id.label("section_id"), first.c.first_id)
        .join(
            first,
            and_(first.c.tool_version_id == ToolSection.tool_version_id, first.c.theme == ToolSection.theme),
        )
        .subquery()
    )


def not_shared(section_id: SQLColumnExpression[Any]) -> ColumnElement[bool]:
    """The section has a theme of its own in its tool version: one judgement is one audit."""
    return section_id.not_in(select(shared_theme_sections().c.section_id))


def shared_theme_grades(audit_ids: Select[Any]) -> Subquery:
    """One row per audit (of ``audit_ids``) and shared theme: audit_id, section_id (the first
    section of the theme), the worst final grade's id and the worst auditor's grade's id (None when
    none was graded), and whether the final grade was judged at all (graded or not applicable)."""
    shared = shared_theme_sections()
    final_grade, auditor_grade = aliased(ScaleGrade), aliased(ScaleGrade)
    final_judged = or_(FINAL_SECTION_GRADE_ID.is_not(None), FINAL_SECTION_NOT_APPLICABLE.is_(True))
    worst = (
        with_moderation(
            select(
                SectionJudgement.audit_id,
                shared.c.first_id.label("section_id"),
                func.max(final_grade.position).label("final_worst"),
                func.max(case((final_judged, 1), else_=0)).label("final_judged"),
                func.max(auditor_grade.position).label("auditor_worst"),
            )
            .select_from(SectionJudgement)
            .join(shared, shared.c.section_id == SectionJudgement.section_id)
        )
        .outerjoin(final_grade, final_grade.id == FINAL_SECTION_GRADE_ID)
        .outerjoin(auditor_grade, auditor_grade.id == SectionJudgement.grade_id)
        .where(SectionJudgement.audit_id.in_(audit_ids))
        .group_by(SectionJudgement.audit_id, shared.c.first_id)
        .subquery()
    )
    # The worst positions named again as grades of the tool version's scale.
    final_named, auditor_named = aliased(ScaleGrade), aliased(ScaleGrade)
    return (
        select(
            worst.c.audit_id,
            worst.c.section_id,
            final_named.id.label("final_grade_id"),
            cast(worst.c.final_judged, Integer).label("final_judged"),
            auditor_named.id.label("auditor_grade_id"),
        )
        .select_from(worst)
        .join(ToolSection, ToolSection.id == worst.c.section_id)
        .join(AuditToolVersion, AuditToolVersion.id == ToolSection.tool_version_id)
        .outerjoin(
            final_named,
            and_(final_named.scale_id == AuditToolVersion.scale_id, final_named.position == worst.c.final_worst),
        )
        .outerjoin(
            auditor_named,
            and_(auditor_named.scale_id == AuditToolVersion.scale_id, auditor_named.position == worst.c.auditor_worst),
        )
        .subquery()
    )
