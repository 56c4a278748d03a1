"""The tidy exports from which every headline figure of the dashboard can be worked out again:
one row per audit in scope (``audit_csv``: its overall grades, whether it was moderated) and one
row per section judgement of those audits (``judgement_csv``: the auditor's, the moderator's and
the final grade, and whether the final grade is good or better). Their columns, and how each
figure is computed from them, are ``dictionary`` (served at /reports/data-dictionary and written
to docs/data-dictionary.md).

They read the same scope the figures read (``ReportScope.completed_audits()`` and, for sections,
``ReportScope.sections()``) and the final grades by the same SQL (``final_grades``), so a figure
recomputed from them agrees with the dashboard's. Cells are made formula-safe and streamed a batch
at a time, as the answers export is (``export``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from audit.extensions import db
from audit.models import (
    Audit,
    AuditStatus,
    AuditTool,
    AuditToolVersion,
    Case,
    GradeScale,
    ModeratedSection,
    Moderation,
    ScaleGrade,
    SectionJudgement,
    Team,
    ToolSection,
)
from audit.reporting.export import BATCH, day_of, stream
from audit.reporting.figures import ReportScope
from audit.reporting.final_grades import (
    FINAL_OVERALL_GRADE_ID,
    FINAL_SECTION_GRADE_ID,
    FINAL_SECTION_NOT_APPLICABLE,
    SECTION_MODERATED,
    with_moderation,
)

AUDIT_HEADER = (
    "audit_id",
    "case_reference",
    "team",
    "tool",
    "tool_name",
    "tool_version",
    "submitted_on",
    "status",
    "auditor_overall_grade",
    "moderated_overall_grade",
    "final_overall_grade",
    "final_overall_good_or_better",
    "moderated",
    "moderated_on",
)

JUDGEMENT_HEADER = (
    "audit_id",
    "case_reference",
    "team",
    "tool",
    "tool_version",
    "section",
    "theme",
    "auditor_grade",
    "moderated_grade",
    "final_grade",
    "final_good_or_better",
    "final_not_applicable",
    "auditor_good_or_better",
    "section_moderated",
    "submitted_on",
)


def _yes_no(value: bool | None) -> str:
    return "yes" if value else "no"


def _good(label: str | None, good_or_better: bool | None) -> str:
    """ "yes" or "no" for a grade, blank where there is none (not applicable, not graded)."""
    return "" if label is None else _yes_no(good_or_better)


def _audit_query(scope: ReportScope) -> Select[*tuple[Any, ...]]:
    auditor, moderated, final = aliased(ScaleGrade), aliased(ScaleGrade), aliased(ScaleGrade)
    return (
        select(
            Audit.id,
            Case.reference,
            Team.name,
            AuditTool.slug,
            AuditToolVersion.name,
            AuditToolVersion.version,
            Audit.submitted_at,
            Audit.status,
            auditor.label,
            moderated.label,
            final.label,
            final.good_or_better,
            Audit.moderated_at,
        )
        .select_from(Audit)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(AuditToolVersion, AuditToolVersion.id == Audit.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .outerjoin(Moderation, Moderation.audit_id == Audit.id)
        .outerjoin(auditor, auditor.id == Audit.overall_grade_id)
        .outerjoin(moderated, moderated.id == Moderation.overall_grade_id)
        .outerjoin(final, final.id == FINAL_OVERALL_GRADE_ID)
        .where(*scope.completed_audits())
        .order_by(Audit.submitted_at, Audit.id)
    )


def audit_csv(scope: ReportScope) -> Iterator[str]:
    """One row per audit in scope, oldest first."""

    def row(audit_id: int, reference: str, team: str, slug: str, name: str, version: int,
            submitted: datetime | None, status: str, auditors: str | None, moderators: str | None,
            final: str | None, final_good: bool | None, moderated_at: datetime | None) -> list[object]:  # fmt: skip
        was_moderated = status == AuditStatus.MODERATED.value
        return [audit_id, reference, team, slug, name, version, day_of(submitted), status, auditors or "",
                moderators or "", final or "", _good(final, final_good), _yes_no(was_moderated),
                day_of(moderated_at) if was_moderated else ""]  # fmt: skip

    def batches() -> Iterator[list[list[object]]]:
        result = db.session.execute(_audit_query(scope).execution_options(yield_per=BATCH))
        for rows in result.partitions():
            yield [row(*values) for values in rows]

    return stream(AUDIT_HEADER, batches())


def _judgement_query(scope: ReportScope) -> Select[*tuple[Any, ...]]:
    auditor, moderated, final = aliased(ScaleGrade), aliased(ScaleGrade), aliased(ScaleGrade)
    return (
        with_moderation(
            select(
                Audit.id,
                Case.reference,
                Team.name,
                AuditTool.slug,
                AuditToolVersion.version,
                ToolSection.key,
                ToolSection.theme,
                GradeScale.not_applicable_label,
                auditor.label,
                auditor.good_or_better,
                SectionJudgement.not_applicable,
                moderated.label,
                ModeratedSection.not_applicable,
                SECTION_MODERATED,
                final.label,
                final.good_or_better,
                FINAL_SECTION_NOT_APPLICABLE,
                Audit.submitted_at,
            )
            .select_from(SectionJudgement)
            .join(Audit, Audit.id == SectionJudgement.audit_id)
        )
        .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(AuditToolVersion, AuditToolVersion.id == Audit.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .join(GradeScale, GradeScale.id == AuditToolVersion.scale_id)
        .outerjoin(auditor, auditor.id == SectionJudgement.grade_id)
        .outerjoin(moderated, moderated.id == ModeratedSection.grade_id)
        .outerjoin(final, final.id == FINAL_SECTION_GRADE_ID)
        .where(*scope.completed_audits(), *scope.sections())
        .order_by(Audit.submitted_at, Audit.id, ToolSection.position, ToolSection.id)
    )


def judgement_csv(scope: ReportScope) -> Iterator[str]:
    """One row per section judgement of the audits in scope (per theme asked for), oldest audit first."""

    def row(audit_id: int, reference: str, team: str, slug: str, version: int, section: str, theme: str,
            na_label: str, auditors: str | None, auditor_good: bool | None, auditor_na: bool | None,
            moderators: str | None, moderator_na: bool | None, section_moderated: bool | None,
            final: str | None, final_good: bool | None, final_na: bool | None,
            submitted: datetime | None) -> list[object]:  # fmt: skip
        def shown(label: str | None, not_applicable: bool | None) -> str:
            return label if label is not None else (na_label if not_applicable else "")

        return [audit_id, reference, team, slug, version, section, theme, shown(auditors, auditor_na),
                shown(moderators, moderator_na) if section_moderated else "", shown(final, final_na),
                _good(final, final_good), _yes_no(final is None and final_na), _good(auditors, auditor_good),
                _yes_no(section_moderated), day_of(submitted)]  # fmt: skip

    def batches() -> Iterator[list[list[object]]]:
        result = db.session.execute(_judgement_query(scope).execution_options(yield_per=BATCH))
        for rows in result.partitions():
            yield [row(*values) for values in rows]

    return stream(JUDGEMENT_HEADER, batches())
