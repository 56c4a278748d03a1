"""The improvement plan: leaders' changes to its priorities, measures and actions, and the rules
they must meet. Reading the plan with its measures' values is ``audit.reporting.plan``.

Each change names the version of the record the leader was shown. A record saved by someone else
since then is not saved over: ``PlanConflict`` says so, and the leader decides. The check is also
made in the database (``UPDATE ... WHERE version = shown``), so two saves at the same moment cannot
both win. Measures' values are never computed here: ``audit.reporting.measures`` reads them from the
report figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from audit.clock import to_local, today, utcnow
from audit.domain.tools import all_themes
from audit.extensions import db
from audit.models import Measure, PlanAction, PlanActionStatus, Priority, Team, User

WINDOW_MONTHS = (3, 6, 12)
TITLE_MAX = 200
SOURCE_MAX = 300
TEXT_MAX = 2000

Problem = tuple[str, str]  # (field name, message for the user)


class BindableFigure(Protocol):
    """What the plan's rules need of a report figure a measure binds to. The figures themselves
    (``audit.reporting.measures.FIGURES``) sit in the report layer above this one, so callers pass
    that catalogue in."""

    @property
    def label(self) -> str: ...

    @property
    def needs_theme(self) -> bool: ...


Figures = Mapping[str, BindableFigure]


class PlanConflict(Exception):
    """The record was saved (or removed) by someone else after this copy of it was opened."""

    def __init__(self, noun: str, saved_at: datetime | None, current_version: int | None) -> None:
        self.noun = noun
        self.saved_at = saved_at
        self.current_version = current_version  # None: the record has been removed
        local = to_local(saved_at) if saved_at else None
        when = f" at {local:%H:%M} on {local.day} {local:%B %Y}" if local else ""
        super().__init__(f"Someone else saved this {noun}{when}, after you opened it")


class PlanProblems(ValueError):
    """What was entered breaks a rule of the plan: (field name, message) pairs."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _field, message in problems))


@dataclass(frozen=True)
class PriorityValues:
    title: str
    owner_id: int
    target_date: date
    source: str | None = None
    description: str | None = None
    number: int | None = None  # where it sits in the plan (1 is first); None keeps its place


@dataclass(frozen=True)
class MeasureValues:
    title: str
    figure: str
    theme: str | None
    window_months: int
    baseline_value: float
    baseline_on: date
    target_value: float
    target_on: date
    team_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ActionValues:
    description: str
    owner_id: int
    due_date: date
    status: PlanActionStatus
    completed_on: date | None = None


# Reading the plan --------------------------------------------------------------------------------


def is_overdue(action: PlanAction, on: date) -> bool:
    return action.status != PlanActionStatus.DONE.value and action.due_date < on


def all_priorities() -> Sequence[Priority]:
    """Every priority in the plan's order, with owners, measures (and their teams) and actions."""
    return db.session.scalars(
        select(Priority)
        .options(
            selectinload(Priority.owner),
            selectinload(Priority.measures).selectinload(Measure.teams),
            selectinload(Priority.actions).selectinload(PlanAction.owner),
        )
        .order_by(Priority.position, Priority.id)
    ).all()


def measure_or_none(measure_id: int) -> Measure | None:
    return db.session.scalar(
        select(Measure)
        .where(Measure.id == measure_id)
        .options(selectinload(Measure.teams), selectinload(Measure.priority))
    )


def action_or_none(action_id: int) -> PlanAction | None:
    return db.session.scalar(
        select(PlanAction)
        .where(PlanAction.id == action_id)
        .options(selectinload(PlanAction.owner), selectinload(PlanAction.priority))
    )


def possible_owners(current_owner_id: int | None = None) -> Sequence[User]:
    """Active people, by name; and whoever owns the record now, even if no longer active, so that
    editing something else does not force a change of owner."""
    active_or_current = User.active if current_owner_id is None else (User.active | (User.id == current_owner_id))
    return db.session.scalars(
        select(User).where(active_or_current).options(selectinload(User.team)).order_by(User.name, User.id)
    ).all()


def priority_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Priority)) or 0


# Rules -------------------------------------------------------------------------------------------


def _owner_problem(owner_id: int, current_owner_id: int | None) -> list[Problem]:
    owner = db.session.get(User, owner_id)
    if owner is None or not (owner.active or owner.id == current_owner_id):
        return [("owner", "Select an owner from the list")]
    return []


def theme_problems(
    catalogue: Figures, figure_key: str | None, theme: str | None, themes: Sequence[str]
) -> list[Problem]:
    figure = catalogue.get(figure_key or "")
    if figure is None:
        return [("figure", "Select the figure the measure is based on")]
    if figure.needs_theme and not theme:
        return [("theme", f"Select the theme: ‘{figure.label}’ needs one")]
    if figure.needs_theme and theme not in themes:
        return [("theme", "Select a theme from the list")]
    return []


def value_problems(baseline: float, target: float) -> list[Problem]:
    """Every figure is a percentage where higher is better, so the target is at least the baseline."""
    problems = [
        (name, f"{label} must be from 0 to 100")
        for name, label, value in (("baseline_value", "Baseline", baseline), ("target_value", "Target", target))
        if not 0 <= value <= 100
    ]
    if not problems and target < baseline:
        message = "Target must be the same as or higher than the baseline: higher is better for every figure"
        problems.append(("target_value", message))
    return problems


def date_problems(baseline_on: date, target_on: date) -> list[Problem]:
    if target_on <= baseline_on:
        return [("target_on", "Target date must be after the date of the baseline")]
    return []


def measure_problems(values: MeasureValues, catalogue: Figures, themes: Sequence[str]) -> list[Problem]:
    """Everything wrong with a measure as entered, by field (the form shows each beside its field)."""
    problems = theme_problems(catalogue, values.figure, values.theme, themes)
    if values.window_months not in WINDOW_MONTHS:
        problems.append(("window_months", "Select how many months of audits to count"))
    problems += value_problems(values.baseline_value, values.target_value)
    problems += date_problems(values.baseline_on, values.target_on)
    if values.team_ids:
        found = db.session.scalar(select(func.count()).select_from(Team).where(Team.id.in_(values.team_ids)))
        if found != len(set(values.team_ids)):
            problems.append(("teams", "Select teams from the list"))
    return problems


def completion_problems(status: PlanActionStatus, completed_on: date | None, on: date) -> list[Problem]:
    """A date completed belongs to a done action, and is not in the future."""
    if completed_on is None:
        return []
    if status != PlanActionStatus.DONE:
        return [("completed_on", "Select Done as the status, or leave the date completed blank")]
    if completed_on > on:
        return [("completed_on", "Date completed must be today or in the past")]
    return []


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise PlanProblems(problems)


# Optimistic concurrency --------------------------------------------------------------------------


_NOUNS = {Priority: "priority", Measure: "measure", PlanAction: "action"}


def _claim(record: Priority | Measure | PlanAction, expected_version: int | None) -> None:
    """Take the record at the version the user was shown, raising its version; raises
    PlanConflict when it has moved on. The conditional UPDATE settles a race between two saves."""
    model = type(record)
    noun = _NOUNS[model]
    if expected_version is None or expected_version != record.version:
        raise PlanConflict(noun, record.updated_at, record.version)
    now = utcnow()
    claimed = db.session.execute(
        update(model)
        .where(model.id == record.id, model.version == expected_version)
        .values(version=expected_version + 1, updated_at=now),
        execution_options={"synchronize_session": False},
    )
    # An UPDATE's result is a CursorResult, which has rowcount; Session.execute() is typed as Result.
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        current = db.session.execute(select(model.version, model.updated_at).where(model.id == record.id)).first()
        db.session.expire(record)
        raise PlanConflict(noun, current.updated_at if current else None, current.version if current else None)
    # The row now holds these; set them on the object too, so it matches what was written.
    record.version = expected_version + 1
    record.updated_at = now


# Priorities --------------------------------------------------------------------------------------


def _renumber(moving: Priority | None = None, number: int = 0) -> None:
    """Number the priorities 1, 2, 3... in their order, with ``moving`` put at ``number``."""
    ordered = db.session.scalars(select(Priority).order_by(Priority.position, Priority.id)).all()
    others = [each for each in ordered if each is not moving]
    if moving is not None:
        others.insert(max(0, min(number - 1, len(others))), moving)
    for position, each in enumerate(others, start=1):
        each.position = position


def add_priority(values: PriorityValues, created_by: User) -> Priority:
    _refuse(_owner_problem(values.owner_id, None))
    last = db.session.scalar(select(func.max(Priority.position))) or 0
    priority = Priority(
        position=last + 1,
        title=values.title,
        source=values.source or None,
        description=values.description or None,
        owner_id=values.owner_id,
        target_date=values.target_date,
        created_by_id=created_by.id,
    )
    db.session.add(priority)
    db.session.flush()
    return priority


def change_priority(priority: Priority, values: PriorityValues, expected_version: int | None) -> None:
    _refuse(_owner_problem(values.owner_id, priority.owner_id))
    _claim(priority, expected_version)
    priority.title = values.title
    priority.source = values.source or None
    priority.description = values.description or None
    priority.owner_id = values.owner_id
    priority.target_date = values.target_date
    if values.number is not None:
        _renumber(priority, values.number)
    db.session.flush()


def remove(record: Priority | Measure | PlanAction, expected_version: int | None) -> None:
    """Remove a priority (with its measures and actions, the rest moving up), a measure or an action."""
    _claim(record, expected_version)
    db.session.delete(record)
    db.session.flush()
    if isinstance(record, Priority):
        _renumber()
        db.session.flush()


# Measures ----------------------------------------------------------------------------------------


def _apply_measure(measure: Measure, values: MeasureValues, catalogue: Figures) -> None:
    figure = catalogue[values.figure]
    measure.title = values.title
    measure.figure = values.figure
    measure.theme = values.theme if figure.needs_theme else None
    measure.window_months = values.window_months
    measure.baseline_value = values.baseline_value
    measure.baseline_on = values.baseline_on
    measure.target_value = values.target_value
    measure.target_on = values.target_on
    measure.teams = (
        list(db.session.scalars(select(Team).where(Team.id.in_(values.team_ids)))) if values.team_ids else []
    )


def add_measure(priority: Priority, values: MeasureValues, catalogue: Figures) -> Measure:
    _refuse(measure_problems(values, catalogue, all_themes()))
    measure = Measure(priority_id=priority.id)
    _apply_measure(measure, values, catalogue)
    db.session.add(measure)
    db.session.flush()
    return measure


def change_measure(measure: Measure, values: MeasureValues, catalogue: Figures, expected_version: int | None) -> None:
    _refuse(measure_problems(values, catalogue, all_themes()))
    _claim(measure, expected_version)
    _apply_measure(measure, values, catalogue)
    db.session.flush()


# Actions -----------------------------------------------------------------------------------------


def _apply_action(action: PlanAction, values: ActionValues, on: date) -> None:
    action.description = values.description
    action.owner_id = values.owner_id
    action.due_date = values.due_date
    action.status = values.status
    if values.status == PlanActionStatus.DONE:
        # Done with no date given: done today, unless it was already recorded as done earlier.
        action.completed_on = values.completed_on or action.completed_on or on
    else:
        action.completed_on = None


def add_action(priority: Priority, values: ActionValues) -> PlanAction:
    on = today()
    _refuse(_owner_problem(values.owner_id, None) + completion_problems(values.status, values.completed_on, on))
    action = PlanAction(priority_id=priority.id)
    _apply_action(action, values, on)
    db.session.add(action)
    db.session.flush()
    return action


def change_action(action: PlanAction, values: ActionValues, expected_version: int | None) -> None:
    on = today()
    _refuse(
        _owner_problem(values.owner_id, action.owner_id) + completion_problems(values.status, values.completed_on, on)
    )
    _claim(action, expected_version)
    _apply_action(action, values, on)
    db.session.flush()


# The owner's own actions -------------------------------------------------------------------------


def actions_owned_by(user: User) -> Sequence[PlanAction]:
    """The improvement-plan actions the user owns, open ones first, soonest due first, with their
    priority: listed in My actions beside their audit and supervision actions."""
    return db.session.scalars(
        select(PlanAction)
        .where(PlanAction.owner_id == user.id)
        .options(selectinload(PlanAction.priority))
        .order_by(PlanAction.status == PlanActionStatus.DONE, PlanAction.due_date, PlanAction.id)
    ).all()


def record_progress(
    action: PlanAction, status: PlanActionStatus, completed_on: date | None, expected_version: int | None
) -> None:
    """The owner says how their action is going (not started, in progress, done and when); only a
    leader changes what the action is, who owns it and when it is due."""
    on = today()
    _refuse(completion_problems(status, completed_on, on))
    _claim(action, expected_version)
    _apply_action(
        action,
        ActionValues(
            description=action.description,
            owner_id=action.owner_id,
            due_date=action.due_date,
            status=status,
            completed_on=completed_on,
        ),
        on,
    )
    db.session.flush()
