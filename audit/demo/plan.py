"""A synthetic improvement plan for the demo council, drawn from the kind of findings an Ofsted
monitoring visit makes: plans and interim safety plans not written with families, supervision and
management oversight, audit grading that moderation finds too generous, and the front door's
response to domestic abuse.

Its measures are bound to real report figures (themes the shipped audit tools cover, supervision,
a question's answers and one tool's overall grade), so their values come from the demo's audits
and supervision records. Dates are relative to today; one action is overdue. It is added only to
a plan with no priorities, so running it again, or on a council that keeps its own plan, adds
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from audit.clock import today as service_today
from audit.domain import indicators, people
from audit.domain import plan as plan_data
from audit.extensions import db
from audit.models import Measure, PlanAction, PlanActionStatus, Priority, Team, User
from audit.reporting import measure_history
from audit.reporting.measures import months_before

DEMO_DOMAIN = "demo.example"
LEADER = f"leader@{DEMO_DOMAIN}"
QA_LEAD = f"moderator@{DEMO_DOMAIN}"


def _manager(team: str) -> str:
    return f"manager.{team.lower().replace(' ', '-')}@{DEMO_DOMAIN}"


@dataclass(frozen=True)
class DemoMeasure:
    title: str
    figure: str
    baseline: float
    target: float
    target_months: int  # from today
    theme: str | None = None
    window_months: int = 6
    teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoAction:
    description: str
    owner: str  # email
    due_days: int  # from today; negative is past
    status: PlanActionStatus
    done_days_ago: int | None = None


@dataclass(frozen=True)
class DemoPriority:
    title: str
    source: str  # "{visit}" is the monitoring visit's month
    description: str
    owner: str
    target_months: int
    measures: tuple[DemoMeasure, ...] = ()
    actions: tuple[DemoAction, ...] = field(default_factory=tuple)


DONE, IN_PROGRESS, NOT_STARTED = PlanActionStatus.DONE, PlanActionStatus.IN_PROGRESS, PlanActionStatus.NOT_STARTED
FRONT_DOOR = "MASH and front door"

PRIORITIES = (
    DemoPriority(
        "Plans and interim safety plans written with families",
        "Ofsted monitoring visit, {visit}: area for improvement 1",
        "Inspectors found interim safety plans of uneven quality. The best were written with the family and "
        "their network, with detailed, realistic actions the family understood; others were lists of services. "
        "Every child's plan should be specific and outcome-focused, written with the family, with a contingency "
        "plan and a review date.",
        LEADER,
        9,
        measures=(
            DemoMeasure(
                "70% of audits good or better for plan co-production",
                "theme_good_or_better",
                45,
                70,
                9,
                theme="Plan co-production",
            ),
            DemoMeasure(
                "75% good or better for strategy discussions and safety planning at the front door",
                "theme_good_or_better",
                50,
                75,
                9,
                theme="Strategy discussions and safety planning",
                window_months=12,
                teams=(FRONT_DOOR,),
            ),
            # A question's answers and one tool's overall grade (tools' overall grades are never blended).
            DemoMeasure(
                "80% of children seen, and seen alone, in assessments",
                "question:assessment-and-planning:seen-alone:seen-alone",
                55,
                80,
                9,
            ),
            # A performance indicator imported from the case-management system, beside the audits.
            DemoMeasure(
                "85% of statutory visits in timescale",
                "indicator:percent-of-visits-in-timescale",
                58,
                85,
                9,
            ),
            DemoMeasure(
                "65% of children in care audits good or better overall",
                "overall:children-in-care",
                45,
                65,
                12,
                window_months=12,
            ),
        ),
        actions=(
            DemoAction(
                "Co-production workshops with every assessment and safeguarding team, using three anonymised "
                "plans from this year's audits.",
                _manager("Assessment North"),
                -40,
                DONE,
                done_days_ago=45,
            ),
            DemoAction(
                "Publish a model interim safety plan, with guidance on writing it with the family network in "
                "words the family uses.",
                LEADER,
                -14,
                IN_PROGRESS,
            ),
            DemoAction(
                "Team managers check every new child protection plan has a contingency plan and review date "
                "before conference.",
                _manager("Safeguarding East"),
                60,
                NOT_STARTED,
            ),
        ),
    ),
    DemoPriority(
        "Regular, reflective supervision, with decisions on the child's file",
        "Ofsted monitoring visit, {visit}: area for improvement 2",
        "Supervision must happen as often as the service's standard says, be reflective, and record its "
        "decisions and the reasons for them on the child's file, so that managers' oversight challenges drift.",
        LEADER,
        6,
        measures=(
            DemoMeasure("90% of workers supervised within timescale", "supervision_workers", 64, 90, 6),
            DemoMeasure("85% of children's cases supervised within timescale", "supervision_cases", 58, 85, 6),
            DemoMeasure(
                "70% good or better for management oversight and supervision in audits",
                "theme_good_or_better",
                48,
                70,
                9,
                theme="Management oversight and supervision",
            ),
        ),
        actions=(
            DemoAction(
                "Agree the supervision standards: newly qualified workers, and case supervision by plan type.",
                LEADER,
                -60,
                DONE,
                done_days_ago=62,
            ),
            DemoAction(
                "Monthly supervision compliance report to the senior leadership team; heads of service follow "
                "up every overdue worker.",
                LEADER,
                30,
                IN_PROGRESS,
            ),
            DemoAction(
                "Reflective supervision training for every team manager.",
                _manager("Safeguarding West"),
                90,
                NOT_STARTED,
            ),
        ),
    ),
    DemoPriority(
        "Audit grades that are accurate and consistent",
        "Self-evaluation, {visit}: moderation found audits graded more generously than moderators grade them",
        "Leaders' knowledge of practice is only as good as the audits behind it. Moderation should confirm "
        "auditors' grades, and actions from audits should be done on time.",
        QA_LEAD,
        12,
        measures=(
            DemoMeasure(
                "85% exact agreement between auditors and moderators", "moderation_exact", 60, 85, 12, window_months=12
            ),
            DemoMeasure("A third of completed audits moderated", "moderation_coverage", 20, 33, 6),
            DemoMeasure("85% of actions from audits completed on time", "actions_on_time", 55, 85, 9),
        ),
        actions=(
            DemoAction(
                "Quarterly moderation panel with every auditor, on anonymised audits.", QA_LEAD, 45, IN_PROGRESS
            ),
            DemoAction(
                "Share grade drift by auditor with each auditor and their manager.",
                QA_LEAD,
                -20,
                DONE,
                done_days_ago=25,
            ),
        ),
    ),
    DemoPriority(
        "The front door's response to domestic abuse",
        "Ofsted monitoring visit, {visit}: area for improvement 3",
        "When MARAC or IDVA involvement might be warranted, it is not always explored in the first response, "
        "and police notifications of domestic abuse are not always timely.",
        LEADER,
        9,
        measures=(
            DemoMeasure(
                "75% good or better for domestic abuse at the front door",
                "theme_good_or_better",
                52,
                75,
                9,
                theme="Domestic abuse",
                window_months=12,
                teams=(FRONT_DOOR,),
            ),
        ),
        actions=(
            DemoAction("Add a MARAC and IDVA prompt to the MASH decision record.", _manager(FRONT_DOOR), -30, DONE, 33),
            DemoAction(
                "Agree with the police a 24-hour timescale for domestic abuse notifications to the MASH.",
                _manager(FRONT_DOOR),
                21,
                IN_PROGRESS,
            ),
        ),
    ),
)


def _add_months(day: date, months: int) -> date:
    return months_before(day, -months)


# Monthly performance indicators as a council's case-management system reports them: visits
# drifting up after a dip, assessments steady. Imported through the leader's CSV upload's code.
DEMO_INDICATORS = {
    "% of visits in timescale": (62.0, 58.5, 55.0, 57.5, 60.0, 61.5, 63.0, 62.5, 66.0, 68.5, 70.0, 71.5),
    "% of assessments completed within 45 working days": (
        81.0,
        79.5,
        80.0,
        83.5,
        82.0,
        84.0,
        85.5,
        83.0,
        86.0,
        87.5,
        86.5,
        88.0,
    ),
}


def seed_indicators(on: date, leader: User) -> int:
    """The last 12 complete months of each demo indicator; nothing when the council has any."""
    if indicators.all_indicators():
        return 0
    month = on.replace(day=1)
    lines = ["indicator,month,value"]
    for name, values in DEMO_INDICATORS.items():
        for back, value in zip(range(len(values), 0, -1), values, strict=True):
            when = month
            for _ in range(back):
                when = (when - timedelta(days=1)).replace(day=1)
            lines.append(f"{name},{when:%Y-%m},{value}")
    content = ("\r\n".join(lines) + "\r\n").encode()
    plan = indicators.plan_import(content, on)
    applied = indicators.apply_import(content, plan.fingerprint, leader.id, on)
    return 0 if applied is None else len(DEMO_INDICATORS)


def seed_plan(*, today: date | None = None) -> int:
    """Add the demo plan if the plan is empty; returns how many priorities were added."""
    if plan_data.priority_count():
        return 0
    on = today or service_today()
    leader = people.user_by_email(LEADER)
    if leader is not None:
        seed_indicators(on, leader)
    users: dict[str, User] = {}
    for email in {p.owner for p in PRIORITIES} | {a.owner for p in PRIORITIES for a in p.actions}:
        user = people.user_by_email(email)
        if user is None:
            return 0  # not the demo council
        users[email] = user
    teams: dict[str, Team] = {team.name: team for team in people.all_teams()}
    visit = months_before(on, 5)
    for position, demo in enumerate(PRIORITIES, start=1):
        priority = Priority(
            position=position,
            title=demo.title,
            source=demo.source.format(visit=f"{visit:%B %Y}"),
            description=demo.description,
            owner_id=users[demo.owner].id,
            target_date=_add_months(on, demo.target_months),
            created_by_id=users[LEADER].id,
            measures=[
                Measure(
                    title=measure.title,
                    figure=measure.figure,
                    theme=measure.theme,
                    window_months=measure.window_months,
                    baseline_value=measure.baseline,
                    baseline_on=visit,
                    target_value=measure.target,
                    target_on=_add_months(on, measure.target_months),
                    teams=[teams[name] for name in measure.teams if name in teams],
                )
                for measure in demo.measures
            ],
            actions=[
                PlanAction(
                    description=action.description,
                    owner_id=users[action.owner].id,
                    due_date=on + timedelta(days=action.due_days),
                    status=action.status.value,
                    completed_on=on - timedelta(days=action.done_days_ago) if action.done_days_ago else None,
                )
                for action in demo.actions
            ],
        )
        db.session.add(priority)
    db.session.flush()
    # A year of month-end readings, as the worker's daily job would have kept them, so each
    # measure's trend has a history from the start.
    month_end = on.replace(day=1) - timedelta(days=1)
    for _ in range(12):
        measure_history.record_measures(on=month_end)
        month_end = month_end.replace(day=1) - timedelta(days=1)
    measure_history.record_measures(on=on)
    return len(PRIORITIES)
