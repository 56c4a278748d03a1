"""Final grades: the grade that stands. A section's final grade is the moderator's where the
section was moderated, otherwise the auditor's; an audit's final overall grade likewise
(``FINAL_GRADE_RULE``, the words every report prints). The report figures in ``figures`` count
final grades and, beside them, the auditors' own, so the reports can show how far moderation
moved a figure (``AUDITOR_ONLY_RULE``).

The rule is here once, in two SQL forms that agree:

- for reading rows (the CSV export, the evidence quoted, the audits weak in a theme),
  ``FINAL_SECTION_GRADE_ID`` over a query joined ``with_moderation`` and ``FINAL_OVERALL_GRADE_ID``;
- for counting (``section_grade_counts``, ``graded_counts``), the auditors' counts plus
  moderation's correction, read from the moderated sections alone: the judgements, most of them
  never moderated, are counted from their covering index as before, where outer-joining every
  one to its moderation would look each of them up twice.

A theme counts once per audit (``THEME_ONCE_RULE``): the sections of a tool version that share a
theme with another of its sections (few: most tools give each theme one section) are counted per
audit, with the worst final grade among them, under the first of them; every other section is
counted as above, one judgement being one audit.

Both take the audits' conditions (``ReportScope.completed_audits()``), not the scope itself, so
this module sits below ``figures``.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    literal_column,
    or_,
    select,
    union_all,
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

Completed = Sequence[ColumnElement[bool]]  # conditions on Audit: ReportScope.completed_audits()

FINAL_GRADE_RULE = (
    "A section's final grade is the moderator's where the section was moderated, otherwise the auditor's; "
    "an audit's final overall grade is the moderator's where the audit was moderated, otherwise the "
    "auditor's. An amendment made after moderation changes the auditor's grade only: the moderator's grade "
    "stands."
)
THEME_ONCE_RULE = (
    "Theme figures count audits: an audit counts once for each theme it graded. Where an audit tool has "
    "two sections with the same theme, the audit's grade for the theme is the worst final grade of those "
    "sections (not applicable only when every one of them was)."
)
AUDITOR_ONLY_RULE = (
    "Where moderation changed a figure, the figure from the auditors' grades alone is shown beside it, "
    "so the size of moderation's correction shows."
)

# A section counts as moderated where the moderator gave it a grade or marked it not applicable.
SECTION_MODERATED = or_(ModeratedSection.grade_id.is_not(None), ModeratedSection.not_applicable)
FINAL_SECTION_GRADE_ID = case((SECTION_MODERATED, ModeratedSection.grade_id), else_=SectionJudgement.grade_id)
FINAL_SECTION_NOT_APPLICABLE = case(
    (SECTION_MODERATED, ModeratedSection.not_applicable), else_=SectionJudgement.not_applicable
)
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


def good(grade_id: SQLColumnExpression[Any]) -> ColumnElement[int]:
    """1 where ``grade_id`` is a good-or-better grade, else 0: to be summed."""
    return case((grade_id.in_(select(ScaleGrade.id).where(ScaleGrade.good_or_better)), 1), else_=0)


def graded(grade_id: SQLColumnExpression[Any]) -> ColumnElement[int]:
    return case((grade_id.is_not(None), 1), else_=0)


def moderated_sections(completed: Completed, *columns: Any, with_audit: bool = False) -> Select[Any]:
    """``columns`` over each section of the ``completed`` audits that the moderator graded (or
    marked N/A) and the auditor judged, read from the moderations: only moderated audits are read."""
    query = (
        select(*columns)
        .select_from(ModeratedSection)
        .join(Moderation, Moderation.id == ModeratedSection.moderation_id)
        .join(
            SectionJudgement,
            and_(
                SectionJudgement.audit_id == Moderation.audit_id,
                SectionJudgement.section_id == ModeratedSection.section_id,
            ),
        )
    )
    if with_audit:
        return query.join(Audit, Audit.id == Moderation.audit_id).where(*completed, SECTION_MODERATED)
    return query.where(Moderation.audit_id.in_(select(Audit.id).where(*completed)), SECTION_MODERATED)


def section_grade_counts(completed: Completed) -> Subquery:
    """A subquery of the section grades of the ``completed`` audits counted per section id and
    ``grade_id`` (None: not applicable): ``final`` counts final grades, ``auditor`` the auditors'.

    The same rule as ``FINAL_SECTION_GRADE_ID``, worked out as the auditors' grades plus
    moderation's correction: every judgement as the auditor graded it, then for each moderated
    section the auditor's grade taken off and the moderator's put on. The judgements, most of them
    never moderated, are counted from their covering index with nothing looked up; joining every
    one to its moderation instead made the grade figures about twice as slow (bench/reports.py)."""
    judged = or_(SectionJudgement.grade_id.is_not(None), SectionJudgement.not_applicable)
    zero: ColumnElement[Any] = literal_column("0")
    # "audit_id + 0" keeps SQLite from reading the judgements audit by audit (and then sorting
    # them all to group them): it reads the section and grade index in its own order and tests
    # each audit_id against the audits in scope.
    auditors = (
        select(
            SectionJudgement.section_id,
            SectionJudgement.grade_id,
            func.count().label("final"),
            func.count().label("auditor"),
        )
        .where(
            judged,
            (SectionJudgement.audit_id + 0).in_(select(Audit.id).where(*completed)),
            _not_shared(SectionJudgement.section_id),
        )
        .group_by(SectionJudgement.section_id, SectionJudgement.grade_id)
    )
    # Each moderated section read once, counted per pair of grades; the pairs are few.
    pairs = (
        moderated_sections(
            completed,
            SectionJudgement.section_id,
            SectionJudgement.grade_id.label("auditor_grade_id"),
            judged.label("auditor_judged"),
            ModeratedSection.grade_id.label("moderator_grade_id"),
            func.count().label("sections"),
        )
        .where(_not_shared(SectionJudgement.section_id))
        .group_by(SectionJudgement.section_id, SectionJudgement.grade_id, judged, ModeratedSection.grade_id)
        .cte("moderated_pairs")
    )
    taken_off = select(pairs.c.section_id, pairs.c.auditor_grade_id, -pairs.c.sections, zero).where(
        pairs.c.auditor_judged
    )
    put_on = select(pairs.c.section_id, pairs.c.moderator_grade_id, pairs.c.sections, zero)
    merged = _shared_theme_grades(completed)
    final_theme = select(merged.c.section_id, merged.c.final_grade_id, func.count(), zero).where(
        merged.c.final_judged == 1
    )
    auditor_theme = select(merged.c.section_id, merged.c.auditor_grade_id, zero, func.count()).where(
        merged.c.auditor_judged == 1
    )
    counted: Subquery = union_all(
        auditors,
        taken_off,
        put_on,
        final_theme.group_by(merged.c.section_id, merged.c.final_grade_id),
        auditor_theme.group_by(merged.c.section_id, merged.c.auditor_grade_id),
    ).subquery()  # named by the first select
    return counted


def graded_counts(completed: Completed, *keys: ColumnElement[Any]) -> Subquery:
    """A subquery of the graded section judgements of the ``completed`` audits, counted per section id
    and ``keys`` (labelled expressions on ``Audit``): section_id, the keys, ``good`` and ``graded``
    by final grades, and ``auditor_good`` and ``auditor_graded`` by the auditors' alone.

    As ``section_grade_counts``: the auditors' counts, then moderation's correction (the moderator's
    grade counted, the auditor's taken off) from the moderated sections alone. Grouped by ids and
    named afterwards by the caller: looking up each judgement's section and grade rows costs more
    than the counting (bench/reports.py, 100,000 audits)."""
    good_count = func.sum(good(SectionJudgement.grade_id))
    graded_count = func.count(SectionJudgement.id)
    auditors = (
        select(
            SectionJudgement.section_id,
            *keys,
            good_count.label("good"),
            graded_count.label("graded"),
            good_count.label("auditor_good"),
            graded_count.label("auditor_graded"),
        )
        .join(Audit, Audit.id == SectionJudgement.audit_id)
        .where(SectionJudgement.grade_id.is_not(None), _not_shared(SectionJudgement.section_id), *completed)
        .group_by(SectionJudgement.section_id, *keys)
    )
    zero: ColumnElement[Any] = literal_column("0")
    correction = moderated_sections(
        completed,
        SectionJudgement.section_id,
        *keys,
        func.sum(good(ModeratedSection.grade_id) - good(SectionJudgement.grade_id)).label("good"),
        func.sum(graded(ModeratedSection.grade_id) - graded(SectionJudgement.grade_id)).label("graded"),
        zero.label("auditor_good"),
        zero.label("auditor_graded"),
        with_audit=True,
    )
    correction = correction.where(_not_shared(SectionJudgement.section_id)).group_by(SectionJudgement.section_id, *keys)
    merged = _shared_theme_grades(completed, *keys)
    final_grade, auditor_grade = aliased(ScaleGrade), aliased(ScaleGrade)
    merged_keys = [merged.c[key.name] for key in keys]
    by_theme = (
        select(
            merged.c.section_id,
            *merged_keys,
            func.sum(case((final_grade.good_or_better, 1), else_=0)).label("good"),
            func.sum(case((merged.c.final_grade_id.is_not(None), 1), else_=0)).label("graded"),
            func.sum(case((auditor_grade.good_or_better, 1), else_=0)).label("auditor_good"),
            func.sum(case((merged.c.auditor_grade_id.is_not(None), 1), else_=0)).label("auditor_graded"),
        )
        .select_from(merged)
        .outerjoin(final_grade, final_grade.id == merged.c.final_grade_id)
        .outerjoin(auditor_grade, auditor_grade.id == merged.c.auditor_grade_id)
        .where(or_(merged.c.final_grade_id.is_not(None), merged.c.auditor_grade_id.is_not(None)))
        .group_by(merged.c.section_id, *merged_keys)
    )
    counted = union_all(auditors, correction, by_theme).subquery()
    key_columns = [counted.c[key.name] for key in keys]
    return (
        select(
            counted.c.section_id,
            *key_columns,
            func.sum(counted.c.good).label("good"),
            func.sum(counted.c.graded).label("graded"),
            func.sum(counted.c.auditor_good).label("auditor_good"),
            func.sum(counted.c.auditor_graded).label("auditor_graded"),
        )
        .group_by(counted.c.section_id, *key_columns)
        .subquery()
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


def _not_shared(section_id: SQLColumnExpression[Any]) -> ColumnElement[bool]:
    """The section has a theme of its own in its tool version: one judgement is one audit."""
    return section_id.not_in(select(shared_theme_sections().c.section_id))


def _shared_theme_grades(completed: Completed, *keys: ColumnElement[Any]) -> Subquery:
    """One row per audit and shared theme (``THEME_ONCE_RULE``) of the ``completed`` audits:
    section_id (the first section of the theme), the ``keys``, the worst final grade's id and the
    worst auditor's grade's id (None when none was graded), and whether each was judged at all
    (graded or not applicable)."""
    shared = shared_theme_sections()
    final_grade, auditor_grade = aliased(ScaleGrade), aliased(ScaleGrade)
    final_judged = or_(FINAL_SECTION_GRADE_ID.is_not(None), FINAL_SECTION_NOT_APPLICABLE.is_(True))
    auditor_judged = or_(SectionJudgement.grade_id.is_not(None), SectionJudgement.not_applicable)
    worst = (
        with_moderation(
            select(
                SectionJudgement.audit_id,
                shared.c.first_id.label("section_id"),
                *keys,
                func.max(final_grade.position).label("final_worst"),
                func.max(case((final_judged, 1), else_=0)).label("final_judged"),
                func.max(auditor_grade.position).label("auditor_worst"),
                func.max(case((auditor_judged, 1), else_=0)).label("auditor_judged"),
            )
            .select_from(SectionJudgement)
            .join(shared, shared.c.section_id == SectionJudgement.section_id)
            .join(Audit, Audit.id == SectionJudgement.audit_id)
        )
        .outerjoin(final_grade, final_grade.id == FINAL_SECTION_GRADE_ID)
        .outerjoin(auditor_grade, auditor_grade.id == SectionJudgement.grade_id)
        .where(*completed)
        .group_by(SectionJudgement.audit_id, shared.c.first_id, *keys)
        .subquery()
    )
    # The worst positions named again as grades of the tool version's scale.
    final_named, auditor_named = aliased(ScaleGrade), aliased(ScaleGrade)
    return (
        select(
            worst.c.section_id,
            *(worst.c[key.name] for key in keys),
            final_named.id.label("final_grade_id"),
            cast(worst.c.final_judged, Integer).label("final_judged"),
            auditor_named.id.label("auditor_grade_id"),
            cast(worst.c.auditor_judged, Integer).label("auditor_judged"),
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
