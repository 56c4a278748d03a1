"""Moderation: a moderator re-grades a submitted audit beside the auditor's grades.

The auditor's grades are never changed; the moderator's sit beside them in a ``Moderation`` with
one ``ModeratedSection`` per section, and the audit closes. Whether the moderator agrees is worked
out from the grades (the same grade, or both not applicable), never asked; a reason is needed only
where the grades differ. Problems with what the moderator entered are reported against the field
names the moderation form uses (``s<section id>_grade``, ``s<section id>_reason``,
``overall_grade`` and ``overall_reason``), as audit submission does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from audit.clock import utcnow
from audit.domain import notifications, reaudit
from audit.domain.bounded import Bounded, first_rows, page_within
from audit.extensions import db
from audit.models import (
    Audit,
    AuditStatus,
    AuditToolVersion,
    GradeSummary,
    ModeratedSection,
    Moderation,
    ModerationAssignment,
    Role,
    ScaleGrade,
    SectionJudgement,
    User,
)
from audit.models.summaries import OVERALL

REASON_MAX = 5000
QUEUE_PAGE_SIZE = 50
RECENT_LIMIT = 10


class SectionGrade(NamedTuple):
    """The moderator's grade for one section and their reason (needed only where the grade differs
    from the auditor's; a comment otherwise); a plain 3-tuple in the same order works too."""

    grade_id: int | None
    not_applicable: bool
    reason: str | None


class OverallGrade(NamedTuple):
    grade_id: int | None
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


def _same_as_auditors(judgement: SectionJudgement | None, grade_id: int | None, not_applicable: bool) -> bool:
    """Whether the moderator's grade for a section is the auditor's: the same grade, or both not
    applicable. This is what "agrees" means, and what the agreement figures count."""
    if judgement is None:
        return False
    if not_applicable or judgement.not_applicable:
        return bool(not_applicable) and bool(judgement.not_applicable)
    return grade_id is not None and grade_id == judgement.grade_id


def _reason_problems(where: str, prefix: str, reason: str | None, differs: bool) -> list[tuple[str, str]]:
    """A grade that differs from the auditor's needs a reason; a reason is never too long."""
    problems = []
    if differs and reason is None:
        problems.append((f"{prefix}_reason", f"{where}: enter why your grade differs from the auditor's"))
    if reason and len(reason) > REASON_MAX:
        problems.append((f"{prefix}_reason", f"{where}: your reason must be {REASON_MAX:,} characters or fewer"))
    return problems


def problems_with(
    audit: Audit,
    section_grades: Mapping[int, tuple[int | None, bool, str | None]],
    overall: tuple[int | None, str | None] | None,
) -> list[tuple[str, str]]:
    """Everything wrong with a moderation of this audit, in the order of the form.

    Agreement is not asked: a grade the same as the auditor's agrees and needs no reason; a
    different grade needs one (the auditor learns from it). A reason is asked for only once the
    grade itself is valid, so a missing grade is one problem, not two."""
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
        grade_id, not_applicable, reason = SectionGrade(*given) if given else (None, False, None)
        differs = False
        if grade_id is not None and not_applicable:
            problems.append((f"{prefix}_grade", f"{section.title}: select a grade or {scale.not_applicable_label}"))
        elif grade_id is not None and grade_id not in on_scale:
            problems.append((f"{prefix}_grade", f"{section.title}: select a grade from the {scale.name}"))
        elif grade_id is None and not not_applicable:
            problems.append((f"{prefix}_grade", f"{section.title}: select your grade"))
        else:
            differs = not _same_as_auditors(judgements.get(section.id), grade_id, not_applicable)
        problems.extend(_reason_problems(section.title, prefix, _text(reason), differs))

    if not tool_version.asks_overall_grade:
        if overall is not None:
            problems.append(("", f"{tool_version.name} does not ask for an overall grade"))
        return problems

    grade_id, reason = OverallGrade(*overall) if overall else (None, None)
    differs = False
    if grade_id is None:
        problems.append(("overall_grade", "Overall grade: select your grade"))
    elif grade_id not in on_scale:
        problems.append(("overall_grade", f"Overall grade: select a grade from the {scale.name}"))
    else:
        differs = grade_id != audit.overall_grade_id
    problems.extend(_reason_problems("Overall grade", "overall", _text(reason), differs))
    return problems


def record_moderation(
    audit: Audit,
    moderator: User,
    section_grades: Mapping[int, tuple[int | None, bool, str | None]],
    overall: tuple[int | None, str | None] | None,
    *,
    expected_version: int | None = None,
) -> Moderation:
    """Store the moderator's grades beside the auditor's and close the audit.

    ``section_grades`` maps each section id of the audit's tool to (grade id or None,
    not applicable, reason); ``overall`` is (grade id or None, reason) when the tool asks for an
    overall grade, else None. Each grade is recorded as agreeing when it is the auditor's (both
    not applicable counts); a reason is needed wherever it is not, and kept as a comment where it
    is. Raises ModerationRefused or ModerationProblems and changes nothing then.
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
    judgements = {judgement.section_id: judgement for judgement in audit.judgements}
    for section in audit.tool_version.sections:
        grade_id, not_applicable, section_reason = SectionGrade(*section_grades[section.id])
        moderation.section_grades.append(
            ModeratedSection(
                section_id=section.id,
                grade_id=None if not_applicable else grade_id,
                not_applicable=bool(not_applicable),
                agrees=_same_as_auditors(judgements.get(section.id), grade_id, bool(not_applicable)),
                reason=_text(section_reason),
            )
        )
    if audit.tool_version.asks_overall_grade and overall is not None:
        overall_grade_id, overall_reason = OverallGrade(*overall)
        moderation.overall_grade_id = overall_grade_id
        moderation.overall_agrees = overall_grade_id == audit.overall_grade_id
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
    if moderation.overall_grade_id is not None:
        # The moderated grade stands: an audit the moderator finds Inadequate is re-audited too.
        reaudit.schedule_reaudit(audit, db.session.get(ScaleGrade, moderation.overall_grade_id), moderator)
    notifications.moderation_outcome(audit, audit.auditor)
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
    """Submitted audits not yet moderated: those the moderation rule selected first, soonest due
    first (so overdue ones lead), then any others, longest waiting first; a fixed number of queries."""
    filters = filters or QueueFilters()
    query = _awaiting(filters)
    total, selected_count = _waiting_counts(query, filters)
    page, pages = page_within(total, page, QUEUE_PAGE_SIZE)
    ids = _queue_page_ids(query, (page - 1) * QUEUE_PAGE_SIZE, selected_count or 0)
    loaded = db.session.scalars(
        select(Audit)
        .where(Audit.id.in_(ids))
        .options(
            selectinload(Audit.case),
            selectinload(Audit.team),
            selectinload(Audit.auditor),
            selectinload(Audit.tool_version).selectinload(AuditToolVersion.tool),
            selectinload(Audit.moderation_assignment).selectinload(ModerationAssignment.moderator),
        )
    ).all()
    by_id = {audit.id: audit for audit in loaded}
    return QueuePage(audits=[by_id[audit_id] for audit_id in ids], total=total, page=page, pages=pages, filters=filters)


def _waiting_counts(awaiting: Select[Audit], filters: QueueFilters) -> tuple[int, int]:
    """How many audits wait, and how many of them the moderation rule selected with a due date:
    one statement. The first is a sum of the kept grade counts (each completed audit's overall row
    in its year, not yet moderated), not a count of the audits: 36 ms at 100,000 audits, 65,000 of
    them waiting, against well under 1. A submitted audit has no moderation (a moderation closes
    the audit in the same change), so "submitted" is "waiting". The second is read from the
    assignments (a sample) into the audits."""
    kept = GradeSummary
    waiting = select(func.coalesce(func.sum(kept.audits), 0)).where(
        kept.period == "year", kept.section_id == OVERALL, kept.moderated.is_(False)
    )
    if filters.team_id:
        waiting = waiting.where(kept.team_id == filters.team_id)
    if filters.tool_id:
        versions = select(AuditToolVersion.id).where(AuditToolVersion.tool_id == filters.tool_id)
        waiting = waiting.where(kept.tool_version_id.in_(versions))
    due = ModerationAssignment.due_date
    selected = (
        select(func.count())
        .select_from(ModerationAssignment)
        .where(due.is_not(None), awaiting.where(Audit.id == ModerationAssignment.audit_id).exists())
    )
    total, selected_count = db.session.execute(select(waiting.scalar_subquery(), selected.scalar_subquery())).one()
    return int(total), int(selected_count)


def _queue_page_ids(awaiting: Select[Audit], offset: int, selected_count: int) -> list[int]:
    """The ids of one page of the queue, in its order, without sorting every audit waiting.

    The queue is two runs: the audits the rule selected with a due date (soonest due first, then
    longest waiting), a sample of the submissions; then every other audit waiting, longest waiting
    first, read in order from the index on submitted_at (ties put in id order as they come), so a
    page stops reading at its last row. Sorting the outer join of the two, as this did, sorted all
    of them on every page (77 ms of 194 at 100,000 audits). A page deep in the queue still skips
    the rows before it (OFFSET), reading the index only. Both runs
    are always asked for (the second for no rows when the first fills the page), so a page costs
    the same statements whatever it holds."""
    due = ModerationAssignment.due_date
    assigned_with_due = exists().where(ModerationAssignment.audit_id == Audit.id, due.is_not(None))
    # Read from the assignments (a sample) into the audits, not the other way round.
    sampled = select(ModerationAssignment.audit_id).where(due.is_not(None))
    ids = list(
        db.session.scalars(
            awaiting.where(Audit.id.in_(sampled))
            .join(ModerationAssignment, ModerationAssignment.audit_id == Audit.id)
            .with_only_columns(Audit.id)
            .order_by(due, Audit.submitted_at, Audit.id)
            .limit(QUEUE_PAGE_SIZE)
            .offset(offset)
        ).all()
    )
    ids += db.session.scalars(
        awaiting.where(~assigned_with_due)
        .with_only_columns(Audit.id)
        .order_by(Audit.submitted_at, Audit.id)
        .limit(QUEUE_PAGE_SIZE - len(ids))
        .offset(max(0, offset - selected_count))
    ).all()
    return ids


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


# The outcome returned to the auditor --------------------------------------------------------------


def _unread_outcome_ids(auditor: User) -> Select[int]:
    # Moderated audits only (every audit with a moderation is): the auditor's moderated audits come
    # from their index by auditor and status, and each one's unread moderation from the partial
    # index of unread outcomes, so neither table is read row by row (the demo auditor's 2,449
    # unread of 10,091 audits at 100,000: 4 ms without the status, 1 ms with it).
    return (
        select(Audit.id)
        .join(Moderation, Moderation.audit_id == Audit.id)
        .where(
            Audit.auditor_id == auditor.id,
            Audit.status == AuditStatus.MODERATED,
            Moderation.outcome_read_at.is_(None),
        )
        .order_by(Moderation.created_at.desc(), Audit.id.desc())
    )


OUTCOMES_SHOWN = 20


def unread_outcomes_shown(auditor: User, limit: int | None = None) -> Bounded[Audit]:
    """The newest ``limit`` of the auditor's moderated audits whose outcome they have not yet read,
    and how many there are: what the home page shows, the same number of statements whatever the
    auditor has left unread. Counted and ordered from indexes alone (ids), then the few shown
    read whole."""
    loaded = select(Audit).options(
        selectinload(Audit.case),
        selectinload(Audit.moderation).selectinload(Moderation.moderator),
        selectinload(Audit.moderation).selectinload(Moderation.section_grades),
    )
    return first_rows(_unread_outcome_ids(auditor), limit or OUTCOMES_SHOWN, rows=loaded)


def mark_outcome_read(audit: Audit, reader: User) -> bool:
    """The auditor has opened the moderated audit: its outcome leaves their home page. Only the
    audit's own auditor marks it read. Whether this changed anything."""
    moderation = audit.moderation
    if moderation is None or moderation.outcome_read_at is not None or audit.auditor_id != reader.id:
        return False
    moderation.outcome_read_at = utcnow()
    db.session.flush()
    return True
