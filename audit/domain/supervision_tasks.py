"""A supervision record as a task list, as an audit is (``audit.domain.tasks``): the session, the
actions from last time, the reflective parts where the kind has them, the cases discussed and a
part per case, and the next supervision. Each part's checks are the completion rules
(``supervision.completion_problems``) shared out by field, and the record is completed from
"Check your answers" once every part is.
"""

from __future__ import annotations

from audit.domain.supervision import (
    CASE_JUDGEMENT_FIELDS,
    CASE_TEXT_FIELDS,
    CYCLE_FIELDS,
    FUNCTION_FIELDS,
    WELLBEING_FIELDS,
    RecordNotDraft,
    complete,
    completion_problems,
)
from audit.domain.tasks import Part, Problem, TaskList, build_task_list, incomplete_problems, set_mark
from audit.extensions import db
from audit.models import SupervisionKind, SupervisionPartDone, SupervisionRecord, User

SESSION_FIELDS = ("held_on", "start_time", "duration_minutes")
CASE_PART_FIELDS = tuple(name for name, _label, _hint in CASE_TEXT_FIELDS + CASE_JUDGEMENT_FIELDS)
REFLECTIVE_FIELDS = tuple(name for name, _label, _hint in FUNCTION_FIELDS + CYCLE_FIELDS + WELLBEING_FIELDS)


def reflection_title(kind: SupervisionKind) -> str:
    return "Reflective supervision" if kind is SupervisionKind.REFLECTIVE else "Reflecting together"


def record_parts(record: SupervisionRecord) -> list[Part]:
    kind = record.kind_enum
    parts = [Part("session", "The session"), Part("previous", "Actions from last time")]
    if kind is not SupervisionKind.CASE:
        parts.append(Part("reflection", reflection_title(kind)))
    if kind.discusses_cases:
        parts.append(Part("cases", "Cases discussed"))
        parts += [Part(f"c{discussed.case_id}", f"Case {discussed.case.reference}") for discussed in record.cases]
    parts.append(Part("next", "Next supervision"))
    return parts


def part_of_field(name: str) -> str:
    """The key of the part a field (``held_on``, ``c12_decision``, ``cases``) belongs to."""
    if name in SESSION_FIELDS:
        return "session"
    if name == "previous_actions_review":
        return "previous"
    if name == "next_supervision_date":
        return "next"
    if name == "cases":
        return "cases"
    prefix, _, _ = name.partition("_")
    if prefix.startswith("c") and prefix[1:].isdigit():
        return prefix
    return "reflection" if name in REFLECTIVE_FIELDS else ""


def _started(record: SupervisionRecord, part: Part) -> bool:
    if part.key == "session":  # the date is set when the record is started
        return record.start_time is not None or record.duration_minutes is not None
    if part.key == "previous":
        return bool(record.previous_actions_review)
    if part.key == "reflection":
        return any(getattr(record, name) for name in REFLECTIVE_FIELDS)
    if part.key == "cases":
        return bool(record.cases)
    if part.key == "next":
        return record.next_supervision_date is not None
    for discussed in record.cases:
        if f"c{discussed.case_id}" == part.key:
            return discussed.safety_scale is not None or any(
                getattr(discussed, name) for name in (*CASE_PART_FIELDS, "next_review_date")
            )
    return False


def task_list(record: SupervisionRecord) -> TaskList:
    return build_task_list(
        record_parts(record),
        completion_problems(record),
        part_of_field=part_of_field,
        marked={done.part for done in record.parts_done},
        started=lambda part: _started(record, part),
    )


def mark_part(record: SupervisionRecord, key: str, user: User, *, complete: bool) -> list[Problem]:
    if not record.is_draft:
        raise RecordNotDraft
    problems = set_mark(
        task_list(record),
        key,
        record.parts_done,
        complete=complete,
        part_of=lambda row: row.part,
        make_row=lambda part: SupervisionPartDone(part=part, done_by_id=user.id),
    )
    db.session.flush()
    return problems


def complete_checked(record: SupervisionRecord, user: User) -> list[Problem]:
    """Complete from "Check your answers": every part must be completed first."""
    tasks = task_list(record)
    if not tasks.all_completed:
        return incomplete_problems(tasks, "part")
    return complete(record, user)
