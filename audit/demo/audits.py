"""Synthetic audits for the demo council: a year of audits across teams, tools, grades and states.

Teams differ in the quality of their practice and auditors in their generosity, so dashboards and
moderation figures have something true to find. Rows are written with bulk inserts, so that
benchmarks can seed 100,000 audits. Everything is invented; evidence text never names anyone.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import selectinload

from audit.answers import answer_kind
from audit.answers.base import DemoAnswer
from audit.clock import to_local, utcnow
from audit.demo.tool_choice import pick_tool
from audit.domain import summaries
from audit.domain.audits import auditor_conflict
from audit.domain.moderation_sampling import select_for_moderation
from audit.extensions import db
from audit.models import (
    Action,
    Answer,
    Audit,
    AuditProgramme,
    AuditStatus,
    AuditTool,
    AuditToolVersion,
    Case,
    ModeratedSection,
    Moderation,
    Role,
    SafeguardingConcern,
    SectionJudgement,
    Team,
    ToolQuestion,
    ToolSection,
    User,
    UserRole,
)

DEMO_PREFIX = "DEMO-"
BATCH = 1000
MODERATED_AFTER = timedelta(days=7)


def later(start: datetime, gap: timedelta, now: datetime) -> datetime:
    """`gap` after `start`; or, were that after `now`, halfway from `start` to now: demo data
    never has anything submitted, moderated or done in the future."""
    moment = start + gap
    return moment if moment <= now else start + (now - start) / 2


# Evidence about one section's own subject, by grade position: a quote in the themed report then
# speaks to the theme it is filed under (a generic "seen alone" line did not, under Domestic abuse).
_SECTION_EVIDENCE = {
    0: (
        "Work on {topic} is clear, timely and written with the family; the difference it made for the child is "
        "plain in the record.",
        "The record on {topic} draws on partners' information and the child's own words, and the plan changed "
        "because of it.",
    ),
    1: (
        "Work on {topic} is recorded and mostly timely; its effect for the child is visible in part.",
        "The record on {topic} is sound, though the reasons for some decisions are brief.",
    ),
    2: (
        "Work on {topic} happened but is patchy, and it is unclear what difference it made for the child.",
        "The record on {topic} lists what was done without saying why, or what should happen next.",
    ),
    3: (
        "There is little evidence of work on {topic}, and drift is visible over several months.",
        "The record on {topic} is missing key information, and the risks it shows are not acted on.",
    ),
}


def section_evidence(title: str) -> dict[int, tuple[str, str]]:
    topic = title[:1].lower() + title[1:]
    return {position: (a.format(topic=topic), b.format(topic=topic)) for position, (a, b) in _SECTION_EVIDENCE.items()}


_FAMILY_FEEDBACK = (
    "The family said the worker listened and explained what would happen next.",
    "The child's mother said she felt judged at first but that visits became more helpful.",
    "The young person said they would like to see the same worker and be told about changes sooner.",
    "The father said he had not been invited to the meetings until recently.",
)


def _team_quality(team_id: int) -> float:
    """A stable 'true quality' per team (0 best .. 3 worst), so teams differ believably."""
    return 0.8 + (team_id * 37 % 11) / 7.0


def _grade_position(rng: random.Random, quality: float, generosity: float) -> int:
    value = rng.gauss(quality - generosity, 0.7)
    return max(0, min(3, round(value)))


@dataclass(frozen=True)
class _Council:
    """What every synthetic audit is drawn from."""

    today: date
    now: datetime  # no demo moment is later than this
    cases: Sequence[Case]
    auditors: Sequence[User]
    moderators: Sequence[User]
    leader: User
    by_slug: dict[str, AuditToolVersion]
    generosity: dict[int, float]  # auditor id -> how far above the truth they grade
    demo_auditor: User | None


@dataclass(frozen=True)
class _Planned:
    """One audit before it is inserted, and what its answers and moderation are made from."""

    row: dict[str, object]
    version: AuditToolVersion
    positions: list[int]  # a grade position per section
    status: AuditStatus
    auditor: User
    case: Case
    submitted: datetime | None
    moderated: datetime | None


@dataclass
class _Rows:
    """The rows that hang off a batch of inserted audits, collected for bulk inserts."""

    answers: list[dict[str, object]] = field(default_factory=list)
    judgements: list[dict[str, object]] = field(default_factory=list)
    actions: list[dict[str, object]] = field(default_factory=list)
    moderations: list[dict[str, object]] = field(default_factory=list)
    moderated_sections: list[tuple[int, list[dict[str, object]]]] = field(default_factory=list)
    concerns: list[dict[str, object]] = field(default_factory=list)


def seed_audits(count: int, *, seed: int = 2026, today: date | None = None) -> int:
    """Add synthetic audits until the demo council has `count`; returns how many were added."""
    rng = random.Random(seed)
    today = today or utcnow().date()
    have = db.session.scalar(select(func.count()).select_from(Audit)) or 0
    wanted = count - have
    if wanted <= 0:
        return 0
    council = _load_council(rng, today)
    if council is None:
        return 0
    added = 0
    while added < wanted:
        batch = min(BATCH, wanted - added)
        _seed_batch(rng, council, batch, first=added == 0)
        added += batch
    if count <= SAMPLED_UP_TO:
        _sample_recent_audits(today)
    _group_into_programmes(council.leader.id)
    summaries.rebuild()  # the audits went in as bulk inserts, which the summary's flush listener never sees
    return added


def _group_into_programmes(created_by_id: int | None) -> None:
    """Most demo audits came from the monthly audit programme: one programme per month and tool,
    as a leader would plan them, holding the audits of that month (one in eight was added outside
    a programme, as re-audits and one-off requests are)."""
    leader_id = created_by_id or db.session.scalar(select(Audit.created_by_id).limit(1))
    if leader_id is None:
        return
    rows = db.session.execute(
        select(Audit.id, Audit.created_at, Audit.tool_version_id, Audit.due_date).where(Audit.programme_id.is_(None))
    ).all()
    groups: dict[tuple[date, int], list[tuple[int, date | None]]] = {}
    for audit_id, created_at, tool_version_id, due in rows:
        if audit_id % 8 == 0:
            continue
        month = created_at.date().replace(day=1)
        groups.setdefault((month, tool_version_id), []).append((audit_id, due))
    names = dict(db.session.execute(select(AuditToolVersion.id, AuditTool.name).join(AuditTool)).all())
    for (month, tool_version_id), members in sorted(groups.items()):
        due = max((d for _, d in members if d is not None), default=month + timedelta(days=40))
        programme = AuditProgramme(
            name=f"{month:%B %Y}: {names.get(tool_version_id, 'audit')}",
            month=month,
            tool_version_id=tool_version_id,
            due_date=due,
            per_team=2,
            created_by_id=leader_id,
            created_at=datetime.combine(month, time(9, 0)),
        )
        db.session.add(programme)
        db.session.flush()
        db.session.execute(
            update(Audit)
            .where(Audit.id.in_([audit_id for audit_id, _ in members]))
            .values(programme_id=programme.id)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()


# The demo's recent audits go through the moderation rule, as a submission would, so the queue and
# the reports show the sample; a council the size of the benchmarks' skips it (it is per audit).
SAMPLED_UP_TO = 5_000
SAMPLED_DAYS = 90


def _sample_recent_audits(today: date) -> None:
    since = datetime.combine(today - timedelta(days=SAMPLED_DAYS), time.min)
    recent = db.session.scalars(
        select(Audit)
        .where(Audit.status.in_([AuditStatus.SUBMITTED, AuditStatus.MODERATED]), Audit.submitted_at >= since)
        .options(selectinload(Audit.moderation), selectinload(Audit.moderation_assignment))
        .order_by(Audit.submitted_at, Audit.id)
    ).all()
    for audit in recent:
        if audit.submitted_at is None:  # never, for a submitted audit: the column's constraint
            continue
        assignment = select_for_moderation(audit, submitted_on=to_local(audit.submitted_at).date())
        if assignment is not None and audit.moderation is not None:
            assignment.moderator_id = audit.moderation.moderator_id  # the one who did moderate it


def _load_council(rng: random.Random, today: date) -> _Council | None:
    """The demo council's tools, cases and people; None when there is no demo council to audit."""
    versions: Sequence[AuditToolVersion] = db.session.scalars(
        select(AuditToolVersion)
        .options(
            selectinload(AuditToolVersion.scale),
            selectinload(AuditToolVersion.sections)
            .selectinload(ToolSection.questions)
            .selectinload(ToolQuestion.options),
            selectinload(AuditToolVersion.tool),
        )
        .order_by(AuditToolVersion.version)
    ).all()
    if not versions:
        return None
    cases = db.session.scalars(
        select(Case)
        .where(Case.reference.startswith(DEMO_PREFIX))
        .options(selectinload(Case.team).selectinload(Team.service_area))
    ).all()
    auditors = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.AUDITOR.value, User.active)
        .options(selectinload(User.role_rows))
    ).all()
    moderators = db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == Role.MODERATOR.value)
    ).all()
    leader = db.session.scalar(
        select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == Role.LEADER.value)
    )
    if not cases or not auditors or leader is None:
        return None
    return _Council(
        today=today,
        now=min(utcnow(), datetime.combine(today, time.max)),
        cases=cases,
        auditors=auditors,
        moderators=moderators,
        leader=leader,
        by_slug={version.tool.slug: version for version in versions},  # each tool's newest version
        generosity={auditor.id: rng.choice((0.0, 0.2, 0.5, 0.9)) for auditor in auditors},
        demo_auditor=next((user for user in auditors if user.email == "auditor@demo.example"), None),
    )


def _seed_batch(rng: random.Random, council: _Council, batch: int, *, first: bool) -> None:
    """Insert up to `batch` audits, then their answers, judgements, actions, moderation and concerns.
    The random draws happen in a fixed order, so a seed always gives the same council."""
    planned = [audit for index in range(batch) if (audit := _plan_audit(rng, council, index, first=first))]
    if not planned:
        return
    ids = (
        db.session.execute(
            insert(Audit).returning(Audit.id, sort_by_parameter_order=True), [audit.row for audit in planned]
        )
        .scalars()
        .all()
    )
    rows = _Rows()
    for audit_id, audit in zip(ids, planned, strict=True):
        if audit.status != AuditStatus.ASSIGNED:
            _add_records(rng, council, rows, audit_id, audit)
    _insert_records(rows)


def _plan_audit(rng: random.Random, council: _Council, index: int, *, first: bool) -> _Planned | None:
    """One audit of a random demo case by an auditor free of conflict, or None if there is none."""
    case = rng.choice(council.cases)
    candidates = [auditor for auditor in council.auditors if auditor_conflict(case, auditor) is None]
    demo_auditor = council.demo_auditor
    if first and demo_auditor is not None and index < 6 and auditor_conflict(case, demo_auditor) is None:
        candidates = [demo_auditor]
    if not candidates:
        return None
    auditor = rng.choice(candidates)
    version = pick_tool(rng, case, council.by_slug)
    created = datetime.combine(council.today - timedelta(days=rng.randint(0, 364)), datetime.min.time()) + timedelta(
        hours=rng.randint(8, 17)
    )
    # The demo auditor's first audits are open, some overdue.
    status = _pick_status(rng, forced_roll=0.9 + index * 0.015 if first and index < 6 else None)
    due = (created + timedelta(days=28)).date()
    if status in (AuditStatus.ASSIGNED, AuditStatus.IN_PROGRESS):
        created = datetime.combine(council.today - timedelta(days=rng.randint(3, 45)), datetime.min.time())
        due = (created + timedelta(days=28)).date()
    created = min(created, council.now)  # today's, in the hours already gone
    submitted = later(created, timedelta(days=rng.randint(2, 30)), council.now) if status.is_locked else None
    quality = _team_quality(case.team_id)
    positions = [_grade_position(rng, quality, council.generosity[auditor.id]) for _ in version.sections]
    overall = round(sum(positions) / len(positions)) if version.asks_overall_grade and status.is_locked else None
    moderated = None
    if submitted and status == AuditStatus.MODERATED:
        moderated = later(submitted, MODERATED_AFTER, council.now)
    row = _audit_row(case, version, auditor, council.leader, status, created, due, submitted, moderated, overall)
    return _Planned(row, version, positions, status, auditor, case, submitted, moderated)


def _pick_status(rng: random.Random, *, forced_roll: float | None) -> AuditStatus:
    """Mostly submitted (about a quarter moderated), a few in progress or just assigned."""
    roll = rng.random()
    if forced_roll is not None:
        roll = forced_roll
    if roll < 0.55:
        return AuditStatus.MODERATED if rng.random() < 0.45 else AuditStatus.SUBMITTED
    if roll < 0.9:
        return AuditStatus.SUBMITTED
    if roll < 0.95:
        return AuditStatus.IN_PROGRESS
    return AuditStatus.ASSIGNED


def _audit_row(
    case: Case,
    version: AuditToolVersion,
    auditor: User,
    leader: User,
    status: AuditStatus,
    created: datetime,
    due: date,
    submitted: datetime | None,
    moderated: datetime | None,
    overall: int | None,
) -> dict[str, object]:
    return {
        "case_id": case.id,
        "tool_version_id": version.id,
        "team_id": case.team_id,
        "auditor_id": auditor.id,
        "status": status.value,
        "due_date": due,
        "created_by_id": leader.id,
        "created_at": created,
        "started_at": created if status != AuditStatus.ASSIGNED else None,
        "submitted_at": submitted,
        "moderated_at": moderated,
        "updated_at": submitted or created,
        "overall_grade_id": version.scale.grades[overall].id if overall is not None else None,
        "overall_rationale": "Overall judgement reflects the section findings and the impact for the child."
        if overall is not None
        else None,
        "strengths": "Relationships with the child are warm and consistent." if status.is_locked else None,
        "areas_for_development": "Plans need clearer outcomes and timescales." if status.is_locked else None,
        "practitioner_reflection": "I agree with the findings and will update the plan with the family."
        if status == AuditStatus.MODERATED
        else None,
        # About a third of completed audits spoke with the family (by the case, so it repeats).
        "child_family_feedback": _FAMILY_FEEDBACK[case.id % len(_FAMILY_FEEDBACK)]
        if status.is_locked and case.id % 3 == 0
        else None,
        "version": 1,
    }


def _add_records(rng: random.Random, council: _Council, rows: _Rows, audit_id: int, audit: _Planned) -> None:
    """An inserted audit's answers and judgements, and perhaps an action, moderation and a concern."""
    complete = audit.status.is_locked
    rows.answers += _answer_rows(rng, audit_id, audit, complete=complete)
    if complete:
        rows.judgements += _judgement_rows(audit_id, audit)
    if complete and rng.random() < 0.8:
        rows.actions.append(_action_row(rng, audit_id, audit, council.now))
    if audit.status == AuditStatus.MODERATED and council.moderators:
        moderation, sections = _moderation(rng, council, audit_id, audit)
        rows.moderations.append(moderation)
        rows.moderated_sections.append((audit_id, sections))
    if complete and rng.random() < 0.01:
        rows.concerns.append(
            {
                "audit_id": audit_id,
                "team_id": audit.case.team_id,
                "details": "No visit to the child for nine weeks despite a child protection plan.",
                "raised_by_id": audit.auditor.id,
                "raised_at": audit.submitted,
            }
        )


def _answer_rows(rng: random.Random, audit_id: int, audit: _Planned, *, complete: bool) -> list[dict[str, object]]:
    """Every question answered when the audit is complete; the first two of each section otherwise."""
    grades = audit.version.scale.grades
    on = (audit.submitted or utcnow()).date()
    rows: list[dict[str, object]] = []
    for section, position in zip(audit.version.sections, audit.positions, strict=True):
        evidence = section_evidence(section.title)
        for number, question in enumerate(section.questions):
            if not complete and number > 1:
                break
            value = answer_kind(question.answer_type).demo_value(
                rng,
                DemoAnswer(
                    position=position, number=number, grades=grades, evidence=evidence, on=on, question=question
                ),
            )
            rows.append({"audit_id": audit_id, "question_id": question.id, "not_applicable": False, **value})
    return rows


def _judgement_rows(audit_id: int, audit: _Planned) -> list[dict[str, object]]:
    grades = audit.version.scale.grades
    return [
        {
            "audit_id": audit_id,
            "section_id": section.id,
            "grade_id": grades[position].id,
            "not_applicable": False,
            "evidence": section_evidence(section.title)[position][audit_id % 2],
        }
        for section, position in zip(audit.version.sections, audit.positions, strict=True)
    ]


def _action_row(rng: random.Random, audit_id: int, audit: _Planned, now: datetime) -> dict[str, object]:
    """An action arising, owned by the case's worker; most of those now past their due date are done."""
    owner_id = audit.case.worker_id or audit.auditor.id
    due = (audit.submitted or utcnow()).date() + timedelta(days=rng.choice((14, 28, 42)))
    done = due < utcnow().date() and rng.random() < 0.7
    return {
        "audit_id": audit_id,
        "description": "Update the child's plan with specific outcomes and review dates.",
        "owner_id": owner_id,
        "due_date": due,
        "created_by_id": audit.auditor.id,
        "created_at": audit.submitted,
        "completed_at": min(datetime.combine(due, datetime.min.time()) - timedelta(days=rng.randint(-5, 10)), now)
        if done
        else None,
        "completed_by_id": owner_id if done else None,
    }


def _moderation(
    rng: random.Random, council: _Council, audit_id: int, audit: _Planned
) -> tuple[dict[str, object], list[dict[str, object]]]:
    """A moderation by someone other than the auditor, lower than generous auditors' grades."""
    grades = audit.version.scale.grades
    positions = audit.positions
    generosity = council.generosity[audit.auditor.id]
    moderator = rng.choice([user for user in council.moderators if user.id != audit.auditor.id] or council.moderators)
    sections: list[dict[str, object]] = []
    for section, position in zip(audit.version.sections, positions, strict=True):
        drift = 1 if rng.random() < generosity * 0.6 else 0
        moderated = min(3, position + drift)
        sections.append(
            {
                "section_id": section.id,
                "grade_id": grades[moderated].id,
                "not_applicable": False,
                "agrees": moderated == position,
                "reason": None if moderated == position else "The evidence supports a lower grade.",
            }
        )
    overall_position = None
    if audit.version.asks_overall_grade:
        auditor_overall = round(sum(positions) / len(positions))
        overall_position = min(3, auditor_overall + (1 if rng.random() < generosity * 0.6 else 0))
    moderation: dict[str, object] = {
        "audit_id": audit_id,
        "moderator_id": moderator.id,
        "overall_grade_id": grades[overall_position].id if overall_position is not None else None,
        "overall_agrees": (overall_position == round(sum(positions) / len(positions)))
        if overall_position is not None
        else None,
        "overall_reason": None,
        "created_at": audit.moderated,
    }
    return moderation, sections


def _insert_records(rows: _Rows) -> None:
    for table, table_rows in (
        (Answer, rows.answers),
        (SectionJudgement, rows.judgements),
        (Action, rows.actions),
        (SafeguardingConcern, rows.concerns),
    ):
        if table_rows:
            db.session.execute(insert(table), table_rows)
    if rows.moderations:
        moderation_ids = db.session.execute(
            insert(Moderation).returning(Moderation.audit_id, Moderation.id, sort_by_parameter_order=True),
            rows.moderations,
        ).all()
        by_audit = dict(moderation_ids)
        db.session.execute(
            insert(ModeratedSection),
            [
                {"moderation_id": by_audit[audit_id], **section}
                for audit_id, sections in rows.moderated_sections
                for section in sections
            ],
        )
    db.session.flush()
