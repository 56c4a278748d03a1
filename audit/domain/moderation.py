"""Moderation: a moderator re-grades a submitted audit, agreeing or disagreeing with the auditor.

The auditor's grades are never changed; the moderator's sit beside them in a ``Moderation`` with
one ``ModeratedSection`` per section, and the audit closes. Problems with what the moderator
entered are reported against the field names the moderation form uses (``s<section id>_grade``,
``s<section id>_agrees``, ``s<section id>_reason`` and ``overall_...``), as audit submission does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from audit.clock import utcnow
from audit.extensions import db
from audit.models import (
    Audit,
    AuditStatus,
    AuditToolVersion,
    ModeratedSection,
    Moderation,
    Role,
    User,
)

REASON_MAX = 5000
QUEUE_PAGE_SIZE = 50
RECENT_LIMIT = 10


class SectionGrade(NamedTuple):
    """The moderator's view of one section; a plain 4-tuple in the same order works too."""

    grade_id: int | None
    not_applicable: bool
    agrees: bool | None
    reason: str | None


class OverallGrade(NamedTuple):
    grade_id: int | None
    agrees: bool | None
    reason: str | None


class ModerationRefused(Exception):
    """This moderator may not moderate this audit at all (it is not awaiting moderation, or they
    audited it themselves). The message says why, in words for the user."""


class ModerationProblems(ValueError):
    """What the moderator entered is incomplete or inconsistent: (field name, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _name, message in problems))


# Who may moderate what ---------------------------------------------------------------------------


def refusal(audit: Audit, moderator: User) -> str | None:
    """Why this person cannot moderate this audit, or None when they can."""
    if not moderator.active or not moderator.has_role(Role.MODERATOR):
        return f"{moderator.name} is not an active moderator, so cannot moderate audits"
    if audit.auditor_id == moderator.id:
        return "You completed this audit, so another moderator must moderate it"
    if audit.status == AuditStatus.MODERATED:
        done = audit.moderation
        if done is None:
            return "This audit has been moderated already"
        return f"{done.moderator.name} moderated this audit on {done.created_at.day} {done.created_at:%B %Y}"
    if audit.status != AuditStatus.SUBMITTED:
        return "This audit has not been submitted yet. Audits can be moderated only once the auditor submits them"
    return None


def is_auditor_conflict(audit: Audit, moderator: User) -> bool:
    return audit.auditor_id == moderator.id


# Checking and recording --------------------------------------------------------------------------


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _agreement_problems(
    where: str, prefix: str, agrees: bool | None, reason: str | None, same_as_auditor: bool | None
) -> list[tuple[str, str]]:
    """Agreement must be stated, must not contradict the grades, and needs a reason when it is
    disagreement. ``same_as_auditor`` is None when the moderator's grade is missing or invalid."""
    problems = []
    if agrees is None:
        problems.append((f"{prefix}_agrees", f"{where}: select whether you agree with the auditor"))
    elif agrees and same_as_auditor is False:
        problems.append(
            (
                f"{prefix}_agrees",
                f"{where}: your grade differs from the auditor's, so select Disagree and give your reason",
            )
        )
    if agrees is False and reason is None:
        problems.append((f"{prefix}_reason", f"{where}: enter why you disagree with the auditor"))
    if reason and len(reason) > REASON_MAX:
        problems.append((f"{prefix}_reason", f"{where}: your reasons must be {REASON_MAX:,} characters or fewer"))
    return problems


def problems_with(
    audit: Audit,
    section_grades: Mapping[int, tuple[int | None, bool, bool | None, str | None]],
    overall: tuple[int | None, bool | None, str | None] | None,
) -> list[tuple[str, str]]:
    """Everything wrong with a moderation of this audit, in the order of the form.

    Disagreeing while giving the auditor's own grade is allowed (right grade, wrong reasons);
    agreeing while giving a different grade is not, since agreement rates are measured."""
    tool_version = audit.tool_version
    scale = tool_version.scale
    on_scale = {grade.id for grade in scale.grades}
    judgements = {judgement.section_id: judgement for judgement in audit.judgements}
    problems: list[tuple[str, str]] = []

    known_sections = {section.id for section in tool_version.sections}
    problems.extend(
        ("", f"Section {section_id} is not part of this audit's tool")
        for section_id in section_grades
        if section_id not in known_sections
    )

    for section in tool_version.sections:
        prefix = f"s{section.id}"
        given = section_grades.get(section.id)
        grade_id, not_applicable, agrees, reason = SectionGrade(*given) if given else (None, False, None, None)
        same_as_auditor = None
        if grade_id is not None and not_applicable:
            problems.append((f"{prefix}_grade", f"{section.title}: select a grade or {scale.not_applicable_label}"))
        elif grade_id is not None and grade_id not in on_scale:
            problems.append((f"{prefix}_grade", f"{section.title}: select a grade from the {scale.name}"))
        elif grade_id is None and not not_applicable:
            problems.append((f"{prefix}_grade", f"{section.title}: select your grade"))
        else:
            judgement = judgements.get(section.id)
            auditors = (judgement.grade_id, bool(judgement.not_applicable)) if judgement else (None, False)
            same_as_auditor = auditors == (grade_id, bool(not_applicable))
        problems.extend(_agreement_problems(section.title, prefix, agrees, _text(reason), same_as_auditor))

    if not tool_version.asks_overall_grade:
        if overall is not None:
            problems.append(("", f"{tool_version.name} does not ask for an overall grade"))
        return problems

    grade_id, agrees, reason = OverallGrade(*overall) if overall else (None, None, None)
    same_as_auditor = None
    if grade_id is None:
        problems.append(("overall_grade", "Overall grade: select your grade"))
    elif grade_id not in on_scale:
        problems.append(("overall_grade", f"Overall grade: select a grade from the {scale.name}"))
    else:
        same_as_auditor = grade_id == audit.overall_grade_id
    problems.extend(_agreement_problems("Overall grade", "overall", agrees, _text(reason), same_as_auditor))
    return problems


def record_moderation(
    audit: Audit,
    moderator: User,
    section_grades: Mapping[int, tuple[int | None, bool, bool | None, str | None]],
    overall: tuple[int | None, bool | None, str | None] | None,
    *,
    expected_version: int | None = None,
) -> Moderation:
    """Store the moderator's grades beside the auditor's and close the audit.

    ``section_grades`` maps each section id of the audit's tool to (grade id or None,
    not applicable, agrees with the auditor, reason); ``overall`` is (grade id or None, agrees,
    reason) when the tool asks for an overall grade, else None. A reason is needed wherever the
    moderator disagrees. Raises ModerationRefused or ModerationProblems and changes nothing then.
    ``expected_version`` is the audit's version the moderator was shown: if the audit has been
    amended since, they must look again.
    """
    reason = refusal(audit, moderator)
    if reason:
        raise ModerationRefused(reason)
    if expected_version is not None and expected_version != audit.version:
        raise ModerationProblems(
            [("", "The audit has changed since you opened it. Check the auditor's grades again, then submit")]
        )
    problems = problems_with(audit, section_grades, overall)
    if problems:
        raise ModerationProblems(problems)

    moderation = Moderation(audit=audit, moderator_id=moderator.id, created_at=utcnow())
    for section in audit.tool_version.sections:
        grade_id, not_applicable, agrees, section_reason = SectionGrade(*section_grades[section.id])
        moderation.section_grades.append(
            ModeratedSection(
                section_id=section.id,
                grade_id=None if not_applicable else grade_id,
                not_applicable=bool(not_applicable),
                agrees=bool(agrees),
                reason=_text(section_reason),
            )
        )
    if audit.tool_version.asks_overall_grade and overall is not None:
        moderation.overall_grade_id, moderation.overall_agrees, overall_reason = OverallGrade(*overall)
        moderation.overall_reason = _text(overall_reason)
    db.session.add(moderation)
    audit.status = AuditStatus.MODERATED
    audit.moderated_at = moderation.created_at
    try:
        db.session.flush()
    except StaleDataError as error:
        # Another moderator (or an amendment) saved the audit first.
        db.session.rollback()
        raise ModerationRefused("Someone else changed this audit while you were moderating it") from error
    return moderation


# The queue and recent moderations ----------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    team_id: int | None = None
    tool_id: int | None = None


@dataclass(frozen=True)
class QueuePage:
    audits: Sequence[Audit]
    total: int
    page: int
    pages: int
    filters: QueueFilters = field(default_factory=QueueFilters)


def _awaiting(filters: QueueFilters) -> Select[Audit]:
    query = select(Audit).where(Audit.status == AuditStatus.SUBMITTED, ~Audit.moderation.has())
    if filters.team_id:
        query = query.where(Audit.team_id == filters.team_id)
    if filters.tool_id:
        query = query.where(
            Audit.tool_version_id.in_(select(AuditToolVersion.id).where(AuditToolVersion.tool_id == filters.tool_id))
        )
    return query


def moderation_queue(filters: QueueFilters | None = None, page: int = 1) -> QueuePage:
    """Submitted audits not yet moderated, longest waiting first; a fixed number of queries."""
    filters = filters or QueueFilters()
    query = _awaiting(filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // QUEUE_PAGE_SIZE))
    page = min(max(page, 1), pages)
    audits = db.session.scalars(
        query.options(
            selectinload(Audit.case),
            selectinload(Audit.team),
            selectinload(Audit.auditor),
            selectinload(Audit.tool_version).selectinload(AuditToolVersion.tool),
        )
        .order_by(Audit.submitted_at, Audit.id)
        .limit(QUEUE_PAGE_SIZE)
        .offset((page - 1) * QUEUE_PAGE_SIZE)
    ).all()
    return QueuePage(audits=audits, total=total, page=page, pages=pages, filters=filters)


def recently_moderated(limit: int = RECENT_LIMIT) -> Sequence[Audit]:
    """The latest moderated audits with their moderation loaded; a fixed number of queries."""
    return db.session.scalars(
        select(Audit)
        .where(Audit.status == AuditStatus.MODERATED)
        .options(
            selectinload(Audit.case),
            selectinload(Audit.team),
            selectinload(Audit.auditor),
            selectinload(Audit.tool_version),
            selectinload(Audit.moderation).selectinload(Moderation.moderator),
            selectinload(Audit.moderation).selectinload(Moderation.section_grades),
        )
        .order_by(Audit.moderated_at.desc(), Audit.id.desc())
        .limit(limit)
    ).all()


def agreement_summary(moderation: Moderation) -> str:
    """In words: how many of the auditor's section grades (and overall grade) the moderator agreed with."""
    agreed = sum(1 for item in moderation.section_grades if item.agrees)
    summary = f"{agreed} of {len(moderation.section_grades)} sections"
    if moderation.overall_agrees is not None:
        summary += ", overall " + ("agreed" if moderation.overall_agrees else "not agreed")
    return summary
