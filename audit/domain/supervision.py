"""Supervision records: who may see and change them, starting one, saving the draft, the
supervisor's completion, the worker's acknowledgement, amendments, actions and the lists.

Drafts save whatever is valid at any time (autosave calls the same function as "Save"; an invalid
field keeps what was saved), and the optimistic-locking conflict is the shared ``EditConflict``.
Completeness is checked only on completion, from what is saved. Nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from audit.clock import today, utcnow
from audit.domain import amendments, notifications
from audit.domain.access_log import Action as AccessAction
from audit.domain.access_log import record_accesses
from audit.domain.amendments import EditConflict
from audit.extensions import db
from audit.models import (
    Action,
    Case,
    Role,
    SupervisionAmendment,
    SupervisionAttendee,
    SupervisionCase,
    SupervisionKind,
    SupervisionRecord,
    SupervisionStatus,
    User,
    UserRole,
)

TEXT_MAX = 5000
NOUN = "supervision record"
MAX_DURATION_MINUTES = 24 * 60

# The structured parts of a record, in the order a supervisor works through them: (name, label, hint).
CASE_TEXT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("current_situation", "Current situation", "What has happened since the case was last discussed."),
    (
        "lived_experience",
        "The child's lived experience and voice",
        "What daily life is like for the child, and what they have said, in their own words where possible.",
    ),
    (
        "identity",
        "Identity and culture",
        "Ethnicity, religion, language and culture: how they shape family life and the plan.",
    ),
    (
        "fathers_network",
        "Fathers and the family network",
        "Every father and male carer, and who in the network can help keep the child safe.",
    ),
    ("worries", "What are we worried about?", "The harm, the risk and the complicating factors."),
    ("working_well", "What's working well?", "Strengths and safety that are already there."),
    ("needs_to_happen", "What needs to happen?", "What must change for the child to be safe and well."),
)
CASE_JUDGEMENT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("analysis", "Analysis", "What the information means for the child: weigh the worries against the strengths."),
    ("decision", "Decision", "What was decided in supervision."),
    ("decision_rationale", "Rationale for the decision", "Why: this is what the child's file must show."),
)
FUNCTION_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("management", "Management", "Workload, case oversight, standards and accountability."),
    ("development", "Development", "Practice skills, knowledge and professional growth."),
    ("support", "Support", "The personal and emotional support the worker needs."),
    ("mediation", "Mediation", "Between the worker and the organisation: resources, policies, other agencies."),
)
CYCLE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("experience", "Experience", "What happened: the piece of work or event the worker brought."),
    ("reflection", "Reflection", "How it felt, and what the worker noticed in themselves and others."),
    ("analysis", "Analysis", "What sense we make of it: research, theory, patterns."),
    ("action_plan", "Action plan", "What the worker will do next, and differently."),
)
WELLBEING_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("wellbeing", "Wellbeing and emotional impact", "How the work is affecting the worker, and what helps."),
    ("learning_needs", "Learning and development needs", "Training, reading, shadowing or other learning agreed."),
)


NOT_A_WORKER_YOU_SUPERVISE = "Select who was supervised from the list"


class SupervisionError(ValueError):
    """A request about supervision that cannot be done, with the reason in words for the user."""


class RecordNotDraft(Exception):
    """A completed record changes only by amendment."""


# Who may do what ---------------------------------------------------------------------------------


def _is_attendee(user: User, record: SupervisionRecord) -> bool:
    return any(attendee.user_id == user.id for attendee in record.attendees)


def can_view(user: User, record: SupervisionRecord) -> bool:
    """The two parties and leaders: a record holds a worker's wellbeing, so nobody else."""
    return record.supervisor_id == user.id or _is_attendee(user, record) or user.has_role(Role.LEADER)


def can_edit(user: User, record: SupervisionRecord) -> bool:
    return record.supervisor_id == user.id and record.is_draft


def can_amend(user: User, record: SupervisionRecord) -> bool:
    return not record.is_draft and (record.supervisor_id == user.id or user.has_role(Role.LEADER))


def attendee_for(user: User, record: SupervisionRecord) -> SupervisionAttendee | None:
    return next((attendee for attendee in record.attendees if attendee.user_id == user.id), None)


def can_acknowledge(user: User, record: SupervisionRecord) -> bool:
    attendee = attendee_for(user, record)
    return attendee is not None and attendee.acknowledged_at is None and record.status == SupervisionStatus.COMPLETED


def possible_workers(supervisor: User) -> Sequence[User]:
    """Who the supervisor may supervise: active practitioners in their team; a leader, anyone's."""
    query = (
        select(User)
        .where(
            User.active,
            User.id != supervisor.id,
            exists().where(UserRole.user_id == User.id, UserRole.role == Role.PRACTITIONER),
        )
        .options(selectinload(User.team))
        .order_by(User.name)
    )
    if not supervisor.has_role(Role.LEADER):
        query = query.where(User.team_id == supervisor.team_id)
    return db.session.scalars(query).all()


# Starting and loading ----------------------------------------------------------------------------


def start_record(
    *, kind: SupervisionKind, supervisor: User, workers: Sequence[User], held_on: date | None = None
) -> SupervisionRecord:
    if not workers:
        raise SupervisionError("Select who was supervised")
    if kind is SupervisionKind.GROUP and len(workers) < 2:
        raise SupervisionError("Select at least two workers for group supervision")
    if kind is not SupervisionKind.GROUP and len(workers) != 1:
        raise SupervisionError(f"Select one worker for {kind.label.lower()}, or choose group supervision")
    for worker in workers:
        if worker.id == supervisor.id:
            raise SupervisionError("You cannot record supervision of yourself")
        # Someone outside the team is refused as if unknown: the message never names them.
        if worker.team_id != supervisor.team_id and not supervisor.has_role(Role.LEADER):
            raise SupervisionError(NOT_A_WORKER_YOU_SUPERVISE)
        if not worker.active:
            raise SupervisionError(f"{worker.name} is not an active user")
    held_on = held_on or today()
    if held_on > today():
        raise SupervisionError("The date of the supervision must be today or in the past")
    team_id = workers[0].team_id or supervisor.team_id
    if team_id is None:
        raise SupervisionError(f"{workers[0].name} is not in a team")
    record = SupervisionRecord(
        kind=kind,
        team_id=team_id,
        supervisor_id=supervisor.id,
        held_on=held_on,
        status=SupervisionStatus.DRAFT,
        updated_by_id=supervisor.id,
        attendees=[SupervisionAttendee(user_id=worker.id) for worker in workers],
    )
    db.session.add(record)
    db.session.flush()
    return record


def record_with_everything(record_id: int) -> SupervisionRecord | None:
    """One record with its people, cases, actions and amendments: a fixed number of queries."""
    return db.session.scalar(
        select(SupervisionRecord)
        .where(SupervisionRecord.id == record_id)
        .options(
            selectinload(SupervisionRecord.team),
            selectinload(SupervisionRecord.supervisor),
            selectinload(SupervisionRecord.updated_by),
            selectinload(SupervisionRecord.attendees).selectinload(SupervisionAttendee.user),
            selectinload(SupervisionRecord.cases).selectinload(SupervisionCase.case),
            selectinload(SupervisionRecord.actions).selectinload(Action.owner),
            selectinload(SupervisionRecord.actions).selectinload(Action.completed_by),
            selectinload(SupervisionRecord.amendments).selectinload(SupervisionAmendment.user),
            selectinload(SupervisionRecord.parts_done),
        )
    )


def allocated_cases(record: SupervisionRecord) -> Sequence[Case]:
    """The cases that may be discussed: those allocated to the record's workers."""
    worker_ids = [attendee.user_id for attendee in record.attendees]
    return db.session.scalars(
        select(Case).where(Case.worker_id.in_(worker_ids)).options(selectinload(Case.worker)).order_by(Case.reference)
    ).all()


# Saving a draft ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseValues:
    texts: dict[str, str | None] = field(default_factory=dict)
    safety_scale: int | None = None
    next_review_date: date | None = None


@dataclass(frozen=True)
class RecordValues:
    """What a supervisor entered. The date held is never emptied (``None`` leaves it as it is); the
    field names in ``keep`` (``duration_minutes``, ``c12_analysis``) were posted with invalid values and
    keep what is saved, so that a typing slip never erases what was saved before it."""

    held_on: date | None = None
    start_time: time | None = None
    duration_minutes: int | None = None
    next_supervision_date: date | None = None
    texts: dict[str, str | None] = field(default_factory=dict)  # the record's own text fields
    case_ids: list[int] | None = None  # the cases discussed, when the form chose them
    cases: dict[int, CaseValues] = field(default_factory=dict)
    keep: frozenset[str] = frozenset()

    def changes(self, name: str) -> bool:
        return name not in self.keep


def save_draft(record: SupervisionRecord, values: RecordValues, user: User, expected_version: int | None) -> None:
    """Store what was entered; raises EditConflict when the record changed underneath, and
    SupervisionError (changing nothing) for a case not allocated to the workers."""
    if not record.is_draft:
        raise RecordNotDraft
    amendments.check_version(record, expected_version, NOUN)
    _apply(record, values)
    record.updated_at = utcnow()
    record.updated_by_id = user.id
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise EditConflict(db.session.get(SupervisionRecord, record.id) or record, NOUN) from error


def _apply(record: SupervisionRecord, values: RecordValues) -> None:
    if values.case_ids is not None:
        _set_cases(record, values.case_ids)
    changes = values.changes
    if values.held_on is not None and changes("held_on"):
        record.held_on = values.held_on
    if changes("start_time"):
        record.start_time = values.start_time
    if changes("duration_minutes"):
        record.duration_minutes = values.duration_minutes
    if changes("next_supervision_date"):
        record.next_supervision_date = values.next_supervision_date
    for name, value in values.texts.items():
        if changes(name):
            setattr(record, name, value)
    for discussed in record.cases:
        case_values = values.cases.get(discussed.case_id)
        if case_values is None:
            continue
        part = f"c{discussed.case_id}_"
        for name, value in case_values.texts.items():
            if changes(part + name):
                setattr(discussed, name, value)
        if changes(part + "safety_scale"):
            discussed.safety_scale = case_values.safety_scale
        if changes(part + "next_review_date"):
            discussed.next_review_date = case_values.next_review_date


def _set_cases(record: SupervisionRecord, case_ids: list[int]) -> None:
    if case_ids and not record.kind_enum.discusses_cases:
        raise SupervisionError("Reflective supervision does not record individual cases")
    allowed = {case.id: case for case in allocated_cases(record)}
    for case_id in case_ids:
        if case_id not in allowed:
            # The same words whether the case is another team's or does not exist: never its reference.
            raise SupervisionError(
                f"Select only cases allocated to {record.worker_names}: another case cannot be discussed here"
            )
    wanted = set(case_ids)
    for discussed in list(record.cases):
        if discussed.case_id not in wanted:
            record.cases.remove(discussed)
    have = {discussed.case_id for discussed in record.cases}
    for case_id in case_ids:
        if case_id not in have:
            record.cases.append(SupervisionCase(case_id=case_id, case=allowed[case_id]))
            have.add(case_id)


# Completion and acknowledgement ------------------------------------------------------------------


def completion_problems(record: SupervisionRecord) -> list[tuple[str, str]]:
    """Everything that stops the saved record being completed, in the order of the form."""
    problems: list[tuple[str, str]] = []
    kind = record.kind_enum
    if record.held_on > today():
        problems.append(("held_on", "The date of the supervision must be today or in the past"))
    if record.start_time is None:
        problems.append(("start_time", "Enter the start time"))
    if record.duration_minutes is None:
        problems.append(("duration_minutes", "Enter how long the supervision lasted, in minutes"))
    if kind.discusses_cases:
        if not record.cases:
            problems.append(("cases", "Select at least one case discussed"))
        for discussed in record.cases:
            prefix = f"c{discussed.case_id}"
            where = discussed.case.reference
            if not (discussed.current_situation or "").strip():
                problems.append((f"{prefix}_current_situation", f"{where}: enter the current situation"))
            if not (discussed.decision or "").strip():
                problems.append((f"{prefix}_decision", f"{where}: enter the decision"))
            if not (discussed.decision_rationale or "").strip():
                problems.append((f"{prefix}_decision_rationale", f"{where}: enter the rationale for the decision"))
    if kind is SupervisionKind.REFLECTIVE:
        if not any((getattr(record, name) or "").strip() for name, _label, _hint in FUNCTION_FIELDS):
            problems.append(("management", "Record at least one of the four functions of supervision"))
        for name, label, _hint in CYCLE_FIELDS[:2]:
            if not (getattr(record, name) or "").strip():
                problems.append((name, f"Enter the {label.lower()}"))
    if record.next_supervision_date is None:
        problems.append(("next_supervision_date", "Enter the date of the next supervision"))
    elif record.next_supervision_date <= record.held_on:
        problems.append(("next_supervision_date", "The next supervision must be after this one"))
    return problems


def complete(record: SupervisionRecord, user: User) -> list[tuple[str, str]]:
    """The supervisor signs the record off; it then waits for the worker's acknowledgement."""
    problems = completion_problems(record)
    if problems:
        return problems
    record.status = SupervisionStatus.COMPLETED
    record.completed_at = utcnow()
    record.updated_at = utcnow()
    record.updated_by_id = user.id
    db.session.flush()
    notifications.supervision_to_acknowledge(
        record.id, [attendee.user for attendee in record.attendees if attendee.acknowledged_at is None], user
    )
    return []


def acknowledge(record: SupervisionRecord, user: User, *, agrees: bool, comment: str | None) -> None:
    """The worker signs; when every worker has, the record locks."""
    attendee = attendee_for(user, record)
    if attendee is None:
        raise SupervisionError("Only the worker who was supervised can acknowledge this record")
    if record.is_draft:
        raise SupervisionError("This record has not been completed by the supervisor yet")
    if attendee.acknowledged_at is not None:
        raise SupervisionError("You have already acknowledged this record")
    if not agrees and not (comment or "").strip():
        raise SupervisionError("Say what you disagree with")
    attendee.acknowledged_at = utcnow()
    attendee.agrees = agrees
    attendee.comment = (comment or "").strip() or None
    if all(other.acknowledged_at is not None for other in record.attendees):
        record.status = SupervisionStatus.ACKNOWLEDGED
        record.acknowledged_at = utcnow()
    db.session.flush()


# Amendments --------------------------------------------------------------------------------------


def _describe(record: SupervisionRecord) -> amendments.Items:
    """Every amendable item as (label, value in words), keyed by field name."""

    def text(value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, time):
            return value.strftime("%H:%M")
        return str(value)

    items: amendments.Items = {
        "held_on": ("Date", text(record.held_on)),
        "start_time": ("Start time", text(record.start_time)),
        "duration_minutes": ("Duration in minutes", text(record.duration_minutes)),
        "next_supervision_date": ("Next supervision", text(record.next_supervision_date)),
        "previous_actions_review": ("Review of previous actions", record.previous_actions_review),
    }
    for name, label, _hint in FUNCTION_FIELDS + CYCLE_FIELDS + WELLBEING_FIELDS:
        items[name] = (label, getattr(record, name))
    for discussed in record.cases:
        prefix, where = f"c{discussed.case_id}", discussed.case.reference
        for name, label, _hint in CASE_TEXT_FIELDS + CASE_JUDGEMENT_FIELDS:
            items[f"{prefix}_{name}"] = (f"{where}: {label}", getattr(discussed, name))
        items[f"{prefix}_safety_scale"] = (f"{where}: safety scale", text(discussed.safety_scale))
        items[f"{prefix}_next_review_date"] = (f"{where}: next review", text(discussed.next_review_date))
    return items


def amend(
    record: SupervisionRecord, values: RecordValues, user: User, reason: str, expected_version: int | None
) -> list[SupervisionAmendment]:
    """Change a completed record, logging each changed item with who, when, from, to and why.
    The cases discussed do not change by amendment. Returns the amendments (none if nothing changed)."""
    if record.is_draft:
        raise ValueError("only a completed record is amended")
    return amendments.amend(
        record,
        describe=lambda: _describe(record),
        apply=lambda: _apply(record, replace(values, case_ids=None)),
        amendment=SupervisionAmendment,
        recorded=record.amendments,
        user=user,
        reason=reason,
        expected_version=expected_version,
        noun=NOUN,
    )


# Actions -----------------------------------------------------------------------------------------


def action_owners(record: SupervisionRecord) -> list[User]:
    """An action is owned by the supervisor or one of the workers."""
    return [record.supervisor, *record.workers]


def add_action(
    record: SupervisionRecord,
    *,
    description: str,
    owner_id: int,
    due_date: date,
    case_id: int | None,
    created_by: User,
) -> Action:
    if owner_id not in {user.id for user in action_owners(record)}:
        raise SupervisionError("The owner must be the supervisor or a worker in this supervision")
    if case_id is not None and case_id not in {discussed.case_id for discussed in record.cases}:
        raise SupervisionError("The action's case must be one discussed in this supervision")
    action = Action(
        supervision_id=record.id,
        supervision_case_id=case_id,
        description=description,
        owner_id=owner_id,
        due_date=due_date,
        created_by_id=created_by.id,
    )
    db.session.add(action)
    db.session.flush()
    return action


def previous_session(record: SupervisionRecord) -> SupervisionRecord | None:
    """The last completed session before this one with any of the same workers; for one-to-one
    supervision, the last one-to-one session (a group session's open actions still carry)."""
    worker_ids = [attendee.user_id for attendee in record.attendees]
    kinds = list(SupervisionKind)
    if record.kind != SupervisionKind.GROUP:
        kinds.remove(SupervisionKind.GROUP)
    return db.session.scalar(
        select(SupervisionRecord)
        .where(
            SupervisionRecord.kind.in_(kinds),
            SupervisionRecord.id != record.id,
            SupervisionRecord.status != SupervisionStatus.DRAFT,
            or_(
                SupervisionRecord.held_on < record.held_on,
                and_(SupervisionRecord.held_on == record.held_on, SupervisionRecord.id < record.id),
            ),
            SupervisionRecord.attendees.any(SupervisionAttendee.user_id.in_(worker_ids)),
        )
        .order_by(SupervisionRecord.held_on.desc(), SupervisionRecord.id.desc())
        .limit(1)
    )


def carried_forward_actions(record: SupervisionRecord) -> Sequence[Action]:
    """The actions to review: the workers' actions from the previous session, and any still open
    from earlier sessions with them, with their status as it is now."""
    previous = previous_session(record)
    if previous is None:
        return []
    worker_ids = [attendee.user_id for attendee in record.attendees]
    earlier = (
        select(SupervisionRecord.id)
        .where(
            SupervisionRecord.status != SupervisionStatus.DRAFT,
            SupervisionRecord.held_on <= previous.held_on,
            SupervisionRecord.attendees.any(SupervisionAttendee.user_id.in_(worker_ids)),
        )
        .scalar_subquery()
    )
    # Only these workers' actions, or actions about their cases: a group session's other
    # members' actions are theirs to review, not this record's.
    theirs = or_(
        Action.owner_id.in_(worker_ids),
        Action.supervision_case_id.in_(select(Case.id).where(Case.worker_id.in_(worker_ids))),
    )
    return db.session.scalars(
        select(Action)
        .where(
            theirs,
            or_(
                Action.supervision_id == previous.id,
                and_(Action.supervision_id.in_(earlier), Action.completed_at.is_(None)),
            ),
        )
        .options(selectinload(Action.owner), selectinload(Action.supervision_case))
        .order_by(Action.completed_at.is_not(None), Action.due_date, Action.id)
    ).all()


# Lists -------------------------------------------------------------------------------------------

LIST_LIMIT = 25


def _listed(query: Select[SupervisionRecord]) -> Select[SupervisionRecord]:
    return query.options(
        selectinload(SupervisionRecord.attendees).selectinload(SupervisionAttendee.user),
        selectinload(SupervisionRecord.supervisor),
    )


def written_by(user: User, status: SupervisionStatus, limit: int = LIST_LIMIT) -> Sequence[SupervisionRecord]:
    return db.session.scalars(
        _listed(select(SupervisionRecord))
        .where(SupervisionRecord.supervisor_id == user.id, SupervisionRecord.status == status)
        .order_by(SupervisionRecord.held_on.desc(), SupervisionRecord.id.desc())
        .limit(limit)
    ).all()


def waiting_for_acknowledgement(user: User) -> Select[SupervisionRecord]:
    """The completed records the user attended and has not yet acknowledged, reached from the
    user's own attendances (by their index) rather than by testing every completed record for one:
    what ``awaiting_my_acknowledgement`` lists and the home page counts. One row a record (a person
    attends a record once)."""
    return (
        select(SupervisionRecord)
        .join(SupervisionAttendee, SupervisionAttendee.record_id == SupervisionRecord.id)
        .where(
            SupervisionAttendee.user_id == user.id,
            SupervisionAttendee.acknowledged_at.is_(None),
            SupervisionRecord.status == SupervisionStatus.COMPLETED,
        )
    )


def awaiting_my_acknowledgement(user: User) -> Sequence[SupervisionRecord]:
    return db.session.scalars(
        _listed(waiting_for_acknowledgement(user)).order_by(SupervisionRecord.held_on, SupervisionRecord.id)
    ).all()


def my_supervision(user: User, limit: int = LIST_LIMIT) -> Sequence[SupervisionRecord]:
    """Records of the user's own supervision that they have acknowledged, newest first."""
    return db.session.scalars(
        _listed(select(SupervisionRecord))
        .where(
            SupervisionRecord.attendees.any(
                and_(SupervisionAttendee.user_id == user.id, SupervisionAttendee.acknowledged_at.is_not(None))
            )
        )
        .order_by(SupervisionRecord.held_on.desc(), SupervisionRecord.id.desc())
        .limit(limit)
    ).all()


def amend_if_complete(
    record: SupervisionRecord, values: RecordValues, user: User, reason: str, expected_version: int | None
) -> list[SupervisionAmendment]:
    """Amend a completed record, all or nothing: an amendment that would leave the record
    incomplete changes nothing and raises ``Refused`` with the problems."""
    return amendments.amend_if_complete(
        lambda: amend(record, values, user, reason, expected_version), lambda: completion_problems(record)
    )


def record_accesses_for(user: User, record: SupervisionRecord, action: AccessAction) -> None:
    """One access-log entry per child whose case the record discusses (or one for a record that
    discusses none), written in one statement however many children."""
    case_ids: list[int | None] = [discussed.case_id for discussed in record.cases] or [None]
    record_accesses(user.id, action, "supervision", ((record.id, case_id) for case_id in case_ids))
