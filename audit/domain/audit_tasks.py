"""An audit as a task list: a part per section of its tool and a closing part (overall grade and
findings), each checked with the submission rules when the auditor marks it complete, and a
submission made from "Check your answers" only once every part is completed.

The rules are the submission rules (``audit_answers.submission_problems``), shared out by the
field names they report against, so that a part's checks and the final check can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.domain.audit_answers import AuditLocked, submission_problems, submit
from audit.domain.tasks import Part, Problem, TaskList, build_task_list, incomplete_problems, set_mark
from audit.extensions import db
from audit.models import Audit, AuditPartDone, ToolSection, User

OVERALL = "overall"
# The closing part's fields (the names the form and the submission checks use).
OVERALL_FIELDS = (
    "overall_grade",
    "overall_rationale",
    "overall_above_inadequate_reason",
    "strengths",
    "areas_for_development",
    "child_family_feedback",
    "participants",
    "practitioner_reflection",
)


@dataclass(frozen=True)
class AuditPart(Part):
    section: ToolSection | None  # None for the closing part


def audit_parts(audit: Audit) -> list[AuditPart]:
    parts = [AuditPart(f"s{section.id}", section.title, section) for section in audit.tool_version.sections]
    closing = "Overall grade and findings" if audit.tool_version.asks_overall_grade else "Findings"
    parts.append(AuditPart(OVERALL, closing, None))
    return parts


def part_of_field(audit: Audit, name: str) -> str:
    """The key of the part a field (``q12_grade``, ``s3_evidence``, ``strengths``) belongs to."""
    prefix, _, _ = name.partition("_")
    if prefix.startswith("s") and prefix[1:].isdigit():
        return prefix
    if prefix.startswith("q") and prefix[1:].isdigit():
        question_id = int(prefix[1:])
        for section in audit.tool_version.sections:
            if any(question.id == question_id for question in section.questions):
                return f"s{section.id}"
    return OVERALL


def _started(audit: Audit, part: Part) -> bool:
    section = part.section if isinstance(part, AuditPart) else None
    if section is None:
        return any(
            (
                audit.overall_grade_id,
                audit.overall_rationale,
                audit.overall_above_inadequate_reason,
                audit.strengths,
                audit.areas_for_development,
                audit.child_family_feedback,
                audit.participants,
            )
        )
    questions = {question.id for question in section.questions}
    for answer in audit.answers:
        if answer.question_id in questions and (
            answer.grade_id is not None
            or answer.not_applicable
            or answer.choice
            or answer.date_value
            or answer.text_value
            or answer.evidence
        ):
            return True
    return any(
        judgement.section_id == section.id
        and (judgement.grade_id is not None or judgement.not_applicable or judgement.evidence)
        for judgement in audit.judgements
    )


def task_list(audit: Audit) -> TaskList:
    """The audit's parts with their status, from what is saved (no queries beyond the loaded audit)."""
    return build_task_list(
        audit_parts(audit),
        submission_problems(audit),
        part_of_field=lambda name: part_of_field(audit, name),
        marked={done.part for done in audit.parts_done},
        started=lambda part: _started(audit, part),
    )


def mark_part(audit: Audit, key: str, user: User, *, complete: bool) -> list[Problem]:
    """Mark a part complete (when its saved answers pass its checks; otherwise return the
    problems and leave it unmarked) or not complete."""
    if not audit.status_enum.is_open:
        raise AuditLocked
    problems = set_mark(
        task_list(audit),
        key,
        audit.parts_done,
        complete=complete,
        part_of=lambda row: row.part,
        make_row=lambda part: AuditPartDone(part=part, done_by_id=user.id),
    )
    db.session.flush()
    return problems


def submit_checked(audit: Audit, user: User) -> list[Problem]:
    """Submit from "Check your answers": every part must be completed; then the submission rules
    (the same ones) lock it. Returns problems, one per incomplete part, and changes nothing."""
    tasks = task_list(audit)
    if not tasks.all_completed:
        return incomplete_problems(tasks, "section")
    return submit(audit, user)
