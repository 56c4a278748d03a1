"""How often workers and cases should be supervised, and whether they have been.

A worker is supervised within timescale when their last individual (case or reflective)
supervision, completed by the supervisor, is no older than the interval for their stage; a case
when its last case discussion (in case or group supervision) is no older than the interval for
its plan type. Group supervision does not count towards a worker's own supervision: the LGA
standard is about regular one-to-one supervision.

Every figure is computed in SQL with GROUP BY; the dates compared against are computed here from
"today" (passed in, so tests can fix it), which keeps the SQL the same on SQLite and PostgreSQL.
The page costs the same fixed number of queries whatever the size of the council.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Subquery, and_, case, exists, func, select

from audit.clock import today
from audit.extensions import db
from audit.models import (
    Case,
    PlanType,
    Role,
    SupervisionAttendee,
    SupervisionCase,
    SupervisionKind,
    SupervisionRecord,
    SupervisionStandard,
    SupervisionStatus,
    Team,
    User,
    UserRole,
)

FIRST_STAGE = "newly_qualified_first_6_weeks"
SECOND_STAGE = "newly_qualified_to_6_months"
EXPERIENCED = "experienced"
FIRST_STAGE_DAYS = 42  # 6 weeks
SECOND_STAGE_DAYS = 183  # 6 months
DUE_SOON_DAYS = 7
LIST_LIMIT = 200


# The standards ----------------------------------------------------------------------------------


def standards() -> Sequence[SupervisionStandard]:
    return db.session.scalars(
        select(SupervisionStandard).order_by(SupervisionStandard.applies_to.desc(), SupervisionStandard.position)
    ).all()


@dataclass(frozen=True)
class Intervals:
    worker: dict[str, int]  # by stage
    plan_type: dict[str, int]  # by PlanType value

    @classmethod
    def from_standards(cls, rows: Sequence[SupervisionStandard]) -> Intervals:
        return cls(
            worker={row.key: row.interval_days for row in rows if row.applies_to == "worker"},
            plan_type={row.key: row.interval_days for row in rows if row.applies_to == "plan_type"},
        )


def update_intervals(days_by_id: dict[int, int]) -> int:
    """Set each standard's interval; returns how many changed."""
    changed = 0
    for standard in standards():
        days = days_by_id.get(standard.id)
        if days is not None and days != standard.interval_days:
            standard.interval_days = days
            changed += 1
    db.session.flush()
    return changed


def worker_stage(newly_qualified_from: date | None, on: date) -> str:
    if newly_qualified_from is not None and newly_qualified_from > on - timedelta(days=FIRST_STAGE_DAYS):
        return FIRST_STAGE
    if newly_qualified_from is not None and newly_qualified_from > on - timedelta(days=SECOND_STAGE_DAYS):
        return SECOND_STAGE
    return EXPERIENCED


STAGE_LABELS = {
    FIRST_STAGE: "Newly qualified (first 6 weeks)",
    SECOND_STAGE: "Newly qualified (to 6 months)",
    EXPERIENCED: "Experienced",
}


# The report -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamCompliance:
    team_id: int | None
    team_name: str
    workers: int = 0
    workers_in_time: int = 0
    cases: int = 0
    cases_in_time: int = 0

    @property
    def percent_workers(self) -> int | None:
        return round(100 * self.workers_in_time / self.workers) if self.workers else None

    @property
    def percent_cases(self) -> int | None:
        return round(100 * self.cases_in_time / self.cases) if self.cases else None


@dataclass(frozen=True)
class DueItem:
    """A worker or case that is overdue or due within the week."""

    label: str  # the worker's name or the case reference
    team_name: str
    detail: str  # the worker's stage or the case's plan type
    last_supervised: date | None
    due_on: date | None  # None: never supervised
    overdue: bool
    worker_name: str | None = None  # for a case, its allocated worker
    case_id: int | None = None


@dataclass(frozen=True)
class ComplianceReport:
    on: date
    teams: list[TeamCompliance]
    total: TeamCompliance
    workers_due: list[DueItem]
    cases_due: list[DueItem]
    intervals: Intervals
    truncated: bool


def _counted_records(on: date) -> ColumnElement[bool]:
    return and_(SupervisionRecord.status != SupervisionStatus.DRAFT, SupervisionRecord.held_on <= on)


def _worker_last(on: date) -> Subquery:
    return (
        select(SupervisionAttendee.user_id.label("user_id"), func.max(SupervisionRecord.held_on).label("last"))
        .join(SupervisionRecord, SupervisionRecord.id == SupervisionAttendee.record_id)
        .where(
            _counted_records(on),
            SupervisionRecord.kind.in_([SupervisionKind.CASE, SupervisionKind.REFLECTIVE]),
        )
        .group_by(SupervisionAttendee.user_id)
        .subquery()
    )


def _case_last(on: date) -> Subquery:
    return (
        select(SupervisionCase.case_id.label("case_id"), func.max(SupervisionRecord.held_on).label("last"))
        .join(SupervisionRecord, SupervisionRecord.id == SupervisionCase.record_id)
        .where(_counted_records(on))
        .group_by(SupervisionCase.case_id)
        .subquery()
    )


def _worker_cutoffs(intervals: Intervals, on: date, shift: int = 0) -> ColumnElement[date]:
    """The oldest last-supervision date still within timescale, by each worker's stage (``shift``
    days later: the oldest that is not due within ``shift`` days)."""

    def cutoff(stage: str) -> date:
        return on - timedelta(days=intervals.worker.get(stage, 31)) + timedelta(days=shift)

    started = User.newly_qualified_from
    return case(
        (and_(started.is_not(None), started > on - timedelta(days=FIRST_STAGE_DAYS)), cutoff(FIRST_STAGE)),
        (and_(started.is_not(None), started > on - timedelta(days=SECOND_STAGE_DAYS)), cutoff(SECOND_STAGE)),
        else_=cutoff(EXPERIENCED),
    )


def _case_cutoffs(intervals: Intervals, on: date, shift: int = 0) -> ColumnElement[date]:
    default = max(intervals.plan_type.values(), default=31)
    return case(
        *(
            (Case.plan_type == plan.value, on - timedelta(days=intervals.plan_type.get(plan.value, default) - shift))
            for plan in PlanType
        ),
        else_=on - timedelta(days=default - shift),
    )


def team_compliance(
    team_ids: Sequence[int] = (), on: date | None = None, intervals: Intervals | None = None
) -> list[TeamCompliance]:
    """Per team (all teams, or the ones given), how many workers and cases are supervised within
    timescale on ``on``. The improvement plan's supervision measures call this too."""
    on = on or today()
    intervals = intervals or Intervals.from_standards(standards())
    team_filter = [Team.id.in_(team_ids)] if team_ids else []
    teams = db.session.execute(select(Team.id, Team.name).where(*team_filter).order_by(Team.name)).all()

    worker_last = _worker_last(on)
    worker_in_time = and_(worker_last.c.last.is_not(None), worker_last.c.last >= _worker_cutoffs(intervals, on))
    worker_counts = {
        team_id: (count, in_time)
        for team_id, count, in_time in db.session.execute(
            select(User.team_id, func.count(User.id), func.sum(case((worker_in_time, 1), else_=0)))
            .join(Team, Team.id == User.team_id)
            .outerjoin(worker_last, worker_last.c.user_id == User.id)
            .where(_is_worker(), *team_filter)
            .group_by(User.team_id)
        )
    }

    case_last = _case_last(on)
    case_in_time = and_(case_last.c.last.is_not(None), case_last.c.last >= _case_cutoffs(intervals, on))
    case_counts = {
        team_id: (count, in_time)
        for team_id, count, in_time in db.session.execute(
            select(Case.team_id, func.count(Case.id), func.sum(case((case_in_time, 1), else_=0)))
            .join(Team, Team.id == Case.team_id)
            .outerjoin(case_last, case_last.c.case_id == Case.id)
            .where(*team_filter)
            .group_by(Case.team_id)
        )
    }

    rows = []
    for team_id, name in teams:
        workers, workers_in_time = worker_counts.get(team_id, (0, 0))
        cases, cases_in_time = case_counts.get(team_id, (0, 0))
        rows.append(TeamCompliance(team_id, name, workers, int(workers_in_time or 0), cases, int(cases_in_time or 0)))
    return rows


def total_compliance(rows: Sequence[TeamCompliance]) -> TeamCompliance:
    """The teams' rows added up."""
    return TeamCompliance(
        None,
        "All teams" if len(rows) != 1 else rows[0].team_name,
        sum(row.workers for row in rows),
        sum(row.workers_in_time for row in rows),
        sum(row.cases for row in rows),
        sum(row.cases_in_time for row in rows),
    )


def _is_worker() -> ColumnElement[bool]:
    return and_(User.active, exists().where(UserRole.user_id == User.id, UserRole.role == Role.PRACTITIONER))


def compliance(user: User, on: date | None = None) -> ComplianceReport:
    """Per team, how many workers and cases are supervised within timescale, and who and what is
    overdue or due within the week. Supervisors see their own team; leaders see every team."""
    on = on or today()
    intervals = Intervals.from_standards(standards())
    team_filter = [] if user.has_role(Role.LEADER) else [Team.id == user.team_id]
    rows = team_compliance(() if user.has_role(Role.LEADER) else (user.team_id or 0,), on, intervals)
    total = total_compliance(rows)
    worker_last = _worker_last(on)
    case_last = _case_last(on)
    is_worker = _is_worker()
    # Who and what needs supervising: overdue (or never supervised), or due within the week.
    not_due_soon_w = and_(
        worker_last.c.last.is_not(None), worker_last.c.last > _worker_cutoffs(intervals, on, DUE_SOON_DAYS)
    )
    worker_rows = db.session.execute(
        select(User.name, Team.name, User.newly_qualified_from, worker_last.c.last)
        .join(Team, Team.id == User.team_id)
        .outerjoin(worker_last, worker_last.c.user_id == User.id)
        .where(is_worker, *team_filter, ~not_due_soon_w)
        .order_by(worker_last.c.last.is_not(None), worker_last.c.last, User.name)
        .limit(LIST_LIMIT + 1)
    ).all()
    workers_due = []
    for name, team_name, started, last in worker_rows[:LIST_LIMIT]:
        stage = worker_stage(started, on)
        due_on = last + timedelta(days=intervals.worker.get(stage, 31)) if last else None
        workers_due.append(
            DueItem(name, team_name, STAGE_LABELS[stage], last, due_on, overdue=due_on is None or due_on < on)
        )

    not_due_soon_c = and_(case_last.c.last.is_not(None), case_last.c.last > _case_cutoffs(intervals, on, DUE_SOON_DAYS))
    case_rows = db.session.execute(
        select(Case.id, Case.reference, Case.plan_type, Team.name, User.name, case_last.c.last)
        .join(Team, Team.id == Case.team_id)
        .outerjoin(User, User.id == Case.worker_id)
        .outerjoin(case_last, case_last.c.case_id == Case.id)
        .where(*team_filter, ~not_due_soon_c)
        .order_by(case_last.c.last.is_not(None), case_last.c.last, Case.reference)
        .limit(LIST_LIMIT + 1)
    ).all()
    cases_due = []
    for case_id, reference, plan_type, team_name, worker_name, last in case_rows[:LIST_LIMIT]:
        days = intervals.plan_type.get(plan_type, 31)
        due_on = last + timedelta(days=days) if last else None
        cases_due.append(
            DueItem(
                reference,
                team_name,
                PlanType(plan_type).label,
                last,
                due_on,
                overdue=due_on is None or due_on < on,
                worker_name=worker_name,
                case_id=case_id,
            )
        )
    return ComplianceReport(
        on=on,
        teams=rows,
        total=total,
        workers_due=workers_due,
        cases_due=cases_due,
        intervals=intervals,
        truncated=len(worker_rows) > LIST_LIMIT or len(case_rows) > LIST_LIMIT,
    )
