"""Synthetic supervision for the demo council: a year of case, reflective and group supervision
per team, with actions, so that the compliance page has something true to find.

Most workers are supervised about monthly; a few have slipped (their last session was six or more
weeks ago), so some workers and their cases show as overdue. In Safeguarding East the demo
practitioner has a completed record waiting for acknowledgement, and the demo supervisor a draft.
Rows are written with bulk inserts. Everything is invented; no text names anyone.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, insert, select, update

from audit.clock import utcnow
from audit.extensions import db
from audit.models import (
    Action,
    Case,
    Role,
    SupervisionAttendee,
    SupervisionCase,
    SupervisionRecord,
    Team,
    User,
    UserRole,
)

DEMO_DOMAIN = "demo.example"

_SITUATIONS = (
    "Home visits weekly; the family has engaged with the parenting programme.",
    "School reports better attendance; a new partner has moved into the home.",
    "Mum has moved to a refuge with the children; police bail conditions are in place.",
    "The child is settled in foster care; contact with dad is fortnightly and supervised.",
)
_VOICES = (
    "She told me in our direct work that she likes it when dad reads to her.",
    "He drew his house and put himself outside it; he said it is 'too loud' inside.",
    "She said she wants to stay at her school and see her nan every weekend.",
)
_WORRIES = ("Missed health appointments.", "Arguments at night, heard by neighbours.", "Cannabis use by a carer.")
_WELL = ("Grandmother is a safe adult who visits daily.", "Attendance at nursery is 95%.", "Dad engages with us.")
_NEXT = ("Health visitor to confirm appointments.", "Network meeting to agree a safety plan.", "Parenting assessment.")
_DECISIONS = (
    ("Continue the child protection plan.", "Risks have reduced but are not yet sustained over time."),
    ("Step down to child in need at review.", "Three months of safety with a strong network plan."),
    ("Convene a strategy discussion.", "New information suggests significant harm may be happening."),
    ("Complete a parenting assessment within 8 weeks.", "We need evidence of dad's capacity before deciding."),
)
_ACTIONS = ("Visit dad at home", "Update the chronology", "Ring the school about attendance", "Book an interpreter")
_REFLECTION = (
    ("A hostile home visit.", "Felt shaken and unsure of the plan.", "Hostility is information.", "Joint visit."),
    ("A child who would not talk.", "Frustrated at myself.", "Trust takes time.", "Use the three houses tool."),
)


_REFLECTIVE_NAMES = (
    "management",
    "development",
    "support",
    "mediation",
    "experience",
    "reflection",
    "analysis",
    "action_plan",
    "wellbeing",
    "learning_needs",
)


def _held_on(row: Mapping[str, object]) -> date:
    """The day a record row was held: a row holds column values of every type."""
    held_on = row["held_on"]
    if not isinstance(held_on, date):
        raise TypeError(f"held_on must be a date, not {held_on!r}")
    return held_on


def _record_row(rng: random.Random, **fields: object) -> dict[str, object]:
    completed = fields.pop("completed", True)
    acknowledged = fields.pop("acknowledged", True)
    held_on = _held_on(fields)
    now = utcnow()
    stamp = min(datetime.combine(held_on, time(16, 0)), now)  # a session today was written up already
    return {
        **dict.fromkeys(_REFLECTIVE_NAMES),
        "status": "acknowledged" if acknowledged else ("completed" if completed else "draft"),
        "start_time": time(rng.choice((9, 10, 13, 14)), rng.choice((0, 30))),
        "duration_minutes": rng.choice((60, 75, 90, 90, 90, 105)),
        "next_supervision_date": held_on + timedelta(days=28),
        "previous_actions_review": "Actions reviewed: most done; the rest carried forward.",
        "completed_at": stamp if completed else None,
        "acknowledged_at": min(stamp + timedelta(days=2), now) if acknowledged else None,
        "created_at": stamp,
        "updated_at": stamp,
        "version": 1,
        **fields,
    }


@dataclass
class _Planned:
    """Supervision records before they are inserted: each with who attended and which cases it discussed."""

    records: list[dict[str, object]] = field(default_factory=list)
    attendees: list[list[int]] = field(default_factory=list)
    discussed: list[list[int]] = field(default_factory=list)

    def add(self, record: dict[str, object], attendees: list[int], discussed: list[int]) -> None:
        self.records.append(record)
        self.attendees.append(attendees)
        self.discussed.append(discussed)


def seed_supervision(*, seed: int = 2026, today: date | None = None) -> int:
    """Add a year of supervision to the demo council unless it has some; returns records added."""
    if db.session.scalar(select(func.count()).select_from(SupervisionRecord)):
        return 0
    rng = random.Random(seed)
    today = today or utcnow().date()
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    demo_practitioner = db.session.scalar(select(User).where(User.email == f"practitioner@{DEMO_DOMAIN}"))
    planned = _Planned()
    for team in teams:
        _plan_team(rng, planned, team, today, demo_practitioner)
    if not planned.records:
        return 0
    return _insert(rng, planned, today)


def _plan_team(rng: random.Random, planned: _Planned, team: Team, today: date, demo_practitioner: User | None) -> None:
    """A team's year: each worker's own sessions, monthly group supervision, and the demo's records
    waiting for the practitioner and the supervisor."""
    supervisor = _supervisor(team)
    if supervisor is None:
        return
    practitioner = exists().where(UserRole.user_id == User.id, UserRole.role == Role.PRACTITIONER.value)
    workers = db.session.scalars(
        select(User).where(User.team_id == team.id, User.active, practitioner).order_by(User.email)
    ).all()
    cases_by_worker: dict[int, list[int]] = {}
    for case_id, worker_id in db.session.execute(
        select(Case.id, Case.worker_id).where(Case.team_id == team.id, Case.worker_id.is_not(None))
    ):
        if worker_id is not None:  # always, by the query; said for the type checker
            cases_by_worker.setdefault(worker_id, []).append(case_id)
    common: dict[str, object] = {"team_id": team.id, "supervisor_id": supervisor.id, "updated_by_id": supervisor.id}
    for index, worker in enumerate(workers):
        _individual_sessions(rng, planned, common, worker, cases_by_worker.get(worker.id, []), today, index)
    _group_sessions(rng, planned, common, list(workers), cases_by_worker, today)
    if demo_practitioner is not None and demo_practitioner.team_id == team.id:
        cases = cases_by_worker.get(demo_practitioner.id, [])[:2]
        # Waiting for the demo practitioner's acknowledgement, and a draft for the supervisor.
        for completed in (True, False):
            planned.add(
                _record_row(
                    rng,
                    kind="case",
                    **common,
                    held_on=today - timedelta(days=2 if completed else 0),
                    completed=completed,
                    acknowledged=False,
                ),
                [demo_practitioner.id],
                cases,
            )
    # A newly qualified worker in every team, two months into their first year.
    if len(workers) >= 4:
        db.session.execute(
            update(User).where(User.id == workers[3].id).values(newly_qualified_from=today - timedelta(days=60))
        )


def _supervisor(team: Team) -> User | None:
    """The demo supervisor supervises Safeguarding East; every other team, its manager."""
    slug = team.name.lower().replace(" ", "-")
    return db.session.scalar(
        select(User).where(User.email == (f"supervisor@{DEMO_DOMAIN}" if slug == "safeguarding-east" else ""))
    ) or db.session.scalar(select(User).where(User.email == f"manager.{slug}@{DEMO_DOMAIN}"))


def _individual_sessions(
    rng: random.Random,
    planned: _Planned,
    common: dict[str, object],
    worker: User,
    cases: list[int],
    today: date,
    index: int,
) -> None:
    """About monthly case or reflective supervision for a year; the last ten days' not yet acknowledged."""
    # One worker in three has slipped: their last session was six weeks or more ago.
    stops = today - timedelta(days=rng.randint(42, 80)) if index % 3 == 1 else today
    held_on = today - timedelta(days=365 - rng.randint(0, 20))
    while held_on <= stops - timedelta(days=3):
        kind = "reflective" if rng.random() < 0.35 else "case"
        chosen = rng.sample(cases, k=min(len(cases), rng.randint(2, 4))) if kind == "case" else []
        recent = held_on > today - timedelta(days=10)
        planned.add(
            _record_row(
                rng,
                kind=kind,
                **common,
                held_on=held_on,
                acknowledged=not recent,
                **(_reflective_fields(rng) if kind == "reflective" else {}),
            ),
            [worker.id],
            chosen,
        )
        held_on += timedelta(days=rng.randint(24, 34))


def _group_sessions(
    rng: random.Random,
    planned: _Planned,
    common: dict[str, object],
    workers: list[User],
    cases_by_worker: dict[int, list[int]],
    today: date,
) -> None:
    """Monthly group supervision of the team's workers, discussing one or two cases."""
    held_on = today - timedelta(days=350)
    while held_on < today - timedelta(days=7) and len(workers) >= 2:
        group = rng.sample(workers, k=min(len(workers), rng.randint(2, 4)))
        cases = [case for worker in group for case in cases_by_worker.get(worker.id, [])]
        planned.add(
            _record_row(
                rng,
                kind="group",
                **common,
                held_on=held_on,
                experience=_REFLECTION[0][0],
                reflection=_REFLECTION[0][1],
            ),
            [worker.id for worker in group],
            rng.sample(cases, k=min(len(cases), 2)),
        )
        held_on += timedelta(days=rng.randint(28, 35))


def _insert(rng: random.Random, planned: _Planned, today: date) -> int:
    """Insert the records, then their attendees, the cases discussed and an action per case."""
    record_ids = db.session.scalars(
        insert(SupervisionRecord).returning(SupervisionRecord.id, sort_by_parameter_order=True), planned.records
    ).all()
    attendee_rows, case_rows, action_rows = [], [], []
    for record_id, row, people, cases in zip(
        record_ids, planned.records, planned.attendees, planned.discussed, strict=True
    ):
        attendee_rows += [
            {"record_id": record_id, "user_id": user_id, "acknowledged_at": row["acknowledged_at"], "agrees": True}
            for user_id in people
        ]
        for case_id in cases:
            case_rows.append(_case_row(rng, record_id, case_id, row))
            action_rows.append(_action_row(rng, record_id, case_id, row, owner_id=people[0], today=today))
    db.session.execute(insert(SupervisionAttendee), attendee_rows)
    if case_rows:
        db.session.execute(insert(SupervisionCase), case_rows)
    if action_rows:
        db.session.execute(insert(Action), action_rows)
    db.session.flush()
    return len(record_ids)


def _case_row(rng: random.Random, record_id: int, case_id: int, record: dict[str, object]) -> dict[str, object]:
    """A case discussed in supervision, recorded the signs-of-safety way."""
    decision, rationale = rng.choice(_DECISIONS)
    held_on = _held_on(record)
    return {
        "record_id": record_id,
        "case_id": case_id,
        "current_situation": rng.choice(_SITUATIONS),
        "lived_experience": rng.choice(_VOICES),
        "identity": "Identity, language and faith are recorded and shape the plan.",
        "fathers_network": "Dad is named and involved; paternal family offer support.",
        "worries": rng.choice(_WORRIES),
        "working_well": rng.choice(_WELL),
        "needs_to_happen": rng.choice(_NEXT),
        "safety_scale": rng.randint(2, 9),
        "analysis": "Worries and strengths weighed together; the network plan keeps the child safe.",
        "decision": decision,
        "decision_rationale": rationale,
        "next_review_date": held_on + timedelta(days=28),
    }


def _action_row(
    rng: random.Random, record_id: int, case_id: int, record: dict[str, object], *, owner_id: int, today: date
) -> dict[str, object]:
    """An action for the worker; most of those due more than five days ago are done."""
    held_on = _held_on(record)
    due = held_on + timedelta(days=rng.randint(7, 28))
    done = due < today - timedelta(days=5) and rng.random() < 0.8
    return {
        "supervision_id": record_id,
        "supervision_case_id": case_id,
        "description": rng.choice(_ACTIONS),
        "owner_id": owner_id,
        "due_date": due,
        "created_by_id": record["supervisor_id"],
        "created_at": record["created_at"],
        "completed_at": datetime.combine(due, time(12)) if done else None,
        "completed_by_id": owner_id if done else None,
    }


def _reflective_fields(rng: random.Random) -> dict[str, object]:
    experience, reflection, analysis, plan = rng.choice(_REFLECTION)
    return {
        "management": "Caseload of 17; two cases close to step-down.",
        "development": "Working towards the practice educator award.",
        "support": "Talked through a difficult court hearing.",
        "mediation": "Escalated the delay in health assessments to the service manager.",
        "experience": experience,
        "reflection": reflection,
        "analysis": analysis,
        "action_plan": plan,
        "wellbeing": "Tired after a heavy month; taking leave soon.",
        "learning_needs": "Training on working with hostility and resistance.",
    }
