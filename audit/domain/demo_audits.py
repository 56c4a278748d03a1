"""Synthetic audits for the demo council: a year of audits across teams, tools, grades and states.

Teams differ in the quality of their practice and auditors in their generosity, so dashboards and
moderation figures have something true to find. Rows are written with bulk inserts, so that
benchmarks can seed 100,000 audits. Everything is invented; evidence text never names anyone.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

from audit.clock import utcnow
from audit.domain.audits import auditor_conflict
from audit.extensions import db
from audit.models import (
    Action,
    Answer,
    Audit,
    AuditStatus,
    AuditToolVersion,
    Case,
    ModeratedSection,
    Moderation,
    Role,
    SafeguardingConcern,
    SectionJudgement,
    Team,
    ToolSection,
    User,
    UserRole,
)

DEMO_PREFIX = "DEMO-"
BATCH = 1000

_EVIDENCE = {
    0: (
        "The record shows the child was seen alone on every visit and their words are quoted; the plan changed "
        "because of what they said.",
        "Analysis is clear and draws on the chronology and partner information; the difference for the child is "
        "evident in school attendance and stability at home.",
    ),
    1: (
        "The child was seen and their views are recorded; the plan reflects them in part.",
        "The assessment draws on history and partner checks, and the conclusion follows from the analysis.",
    ),
    2: (
        "Visits happened but the child's views are summarised by adults; it is unclear how they shaped the plan.",
        "The assessment lists risks and strengths without weighing them; the plan is a list of services.",
    ),
    3: (
        "There is no evidence the child was seen alone and drift is visible over several months.",
        "Key information from partners is missing and the risks identified are not carried into the plan.",
    ),
}


def _team_quality(team_id: int) -> float:
    """A stable 'true quality' per team (0 best .. 3 worst), so teams differ believably."""
    return 0.8 + (team_id * 37 % 11) / 7.0


def _grade_position(rng: random.Random, quality: float, generosity: float) -> int:
    value = rng.gauss(quality - generosity, 0.7)
    return max(0, min(3, round(value)))


def seed_audits(count: int, *, seed: int = 2026, today: date | None = None) -> int:
    """Add synthetic audits until the demo council has `count`; returns how many were added."""
    rng = random.Random(seed)
    today = today or utcnow().date()
    have = db.session.scalar(select(func.count()).select_from(Audit)) or 0
    wanted = count - have
    if wanted <= 0:
        return 0

    versions: Sequence[AuditToolVersion] = db.session.scalars(
        select(AuditToolVersion).options(
            selectinload(AuditToolVersion.scale),
            selectinload(AuditToolVersion.sections).selectinload(ToolSection.questions),
            selectinload(AuditToolVersion.tool),
        )
    ).all()
    if not versions:
        return 0
    by_slug = {version.tool.slug: version for version in versions}
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
        return 0
    generosity = {auditor.id: rng.choice((0.0, 0.2, 0.5, 0.9)) for auditor in auditors}
    demo_auditor = next((user for user in auditors if user.email == "auditor@demo.example"), None)

    added = 0
    while added < wanted:
        batch = min(BATCH, wanted - added)
        _seed_batch(
            rng, batch, today, cases, auditors, moderators, leader, by_slug, generosity, demo_auditor, first=added == 0
        )
        added += batch
    return added


def _pick_tool(rng: random.Random, case: Case, by_slug: dict[str, AuditToolVersion]) -> AuditToolVersion:
    if "front-door-mash" in by_slug and case.team.service_area.name.startswith("Front door"):
        return by_slug["front-door-mash"]
    if "fathers-engagement-themed" in by_slug and rng.random() < 0.15:
        return by_slug["fathers-engagement-themed"]
    return by_slug.get("assessment-and-planning") or next(iter(by_slug.values()))


def _seed_batch(
    rng: random.Random,
    batch: int,
    today: date,
    cases: Sequence[Case],
    auditors: Sequence[User],
    moderators: Sequence[User],
    leader: User,
    by_slug: dict[str, AuditToolVersion],
    generosity: dict[int, float],
    demo_auditor: User | None,
    *,
    first: bool,
) -> None:
    audits, plans = [], []
    for index in range(batch):
        case = rng.choice(cases)
        candidates = [auditor for auditor in auditors if auditor_conflict(case, auditor) is None]
        if first and demo_auditor is not None and index < 6 and auditor_conflict(case, demo_auditor) is None:
            candidates = [demo_auditor]
        if not candidates:
            continue
        auditor = rng.choice(candidates)
        version = _pick_tool(rng, case, by_slug)
        created = datetime.combine(today - timedelta(days=rng.randint(0, 364)), datetime.min.time()) + timedelta(
            hours=rng.randint(8, 17)
        )
        roll = rng.random()
        if first and index < 6:
            roll = 0.9 + index * 0.015  # the demo auditor gets open audits, some overdue
        if roll < 0.55:
            status = AuditStatus.MODERATED if rng.random() < 0.45 else AuditStatus.SUBMITTED
        elif roll < 0.9:
            status = AuditStatus.SUBMITTED
        elif roll < 0.95:
            status = AuditStatus.IN_PROGRESS
        else:
            status = AuditStatus.ASSIGNED
        due = (created + timedelta(days=28)).date()
        if status in (AuditStatus.ASSIGNED, AuditStatus.IN_PROGRESS):
            created = datetime.combine(today - timedelta(days=rng.randint(3, 45)), datetime.min.time())
            due = (created + timedelta(days=28)).date()
        submitted = created + timedelta(days=rng.randint(2, 30)) if status.is_locked else None
        if submitted and submitted.date() > today:
            submitted = datetime.combine(today, datetime.min.time()) + timedelta(hours=9)
        quality = _team_quality(case.team_id)
        positions = [_grade_position(rng, quality, generosity[auditor.id]) for _ in version.sections]
        overall = round(sum(positions) / len(positions)) if version.asks_overall_grade and status.is_locked else None
        audits.append(
            {
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
                "moderated_at": submitted + timedelta(days=7) if status == AuditStatus.MODERATED else None,
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
                "version": 1,
            }
        )
        plans.append((version, positions, status, auditor, case, submitted))
    if not audits:
        return
    ids = db.session.execute(insert(Audit).returning(Audit.id, sort_by_parameter_order=True), audits).scalars().all()

    answers, judgements, actions, moderations, concerns = [], [], [], [], []
    moderated_sections: list[tuple[int, list[dict[str, object]]]] = []
    for audit_id, (version, positions, status, auditor, case, submitted) in zip(ids, plans, strict=True):
        if status == AuditStatus.ASSIGNED:
            continue
        grades = version.scale.grades
        complete = status.is_locked
        for section, position in zip(version.sections, positions, strict=True):
            for number, question in enumerate(section.questions):
                if not complete and number > 1:
                    break
                row = {"audit_id": audit_id, "question_id": question.id, "not_applicable": False}
                if question.answer_type == "grade":
                    question_position = max(0, min(3, position + rng.choice((-1, 0, 0, 0, 1))))
                    row["grade_id"] = grades[question_position].id
                    row["evidence"] = _EVIDENCE[question_position][number % 2]
                elif question.answer_type == "yes_no_na":
                    row["choice"] = "yes" if rng.random() > position * 0.2 else "no"
                elif question.answer_type == "date":
                    row["date_value"] = (submitted or utcnow()).date() - timedelta(days=rng.randint(5, 90))
                else:
                    row["text_value"] = "Recorded in the case file."
                answers.append(row)
            if complete:
                judgements.append(
                    {
                        "audit_id": audit_id,
                        "section_id": section.id,
                        "grade_id": grades[position].id,
                        "not_applicable": False,
                        "evidence": _EVIDENCE[position][0],
                    }
                )
        if complete and rng.random() < 0.8:
            due = (submitted or utcnow()).date() + timedelta(days=rng.choice((14, 28, 42)))
            done = due < utcnow().date() and rng.random() < 0.7
            actions.append(
                {
                    "audit_id": audit_id,
                    "description": "Update the child's plan with specific outcomes and review dates.",
                    "owner_id": case.worker_id or auditor.id,
                    "due_date": due,
                    "created_by_id": auditor.id,
                    "created_at": submitted,
                    "completed_at": datetime.combine(due, datetime.min.time()) - timedelta(days=rng.randint(-5, 10))
                    if done
                    else None,
                    "completed_by_id": (case.worker_id or auditor.id) if done else None,
                }
            )
        if status == AuditStatus.MODERATED and moderators:
            moderator = rng.choice([user for user in moderators if user.id != auditor.id] or moderators)
            sections = []
            for section, position in zip(version.sections, positions, strict=True):
                drift = 1 if rng.random() < generosity[auditor.id] * 0.6 else 0
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
            if version.asks_overall_grade:
                auditor_overall = round(sum(positions) / len(positions))
                overall_position = min(3, auditor_overall + (1 if rng.random() < generosity[auditor.id] * 0.6 else 0))
            moderations.append(
                {
                    "audit_id": audit_id,
                    "moderator_id": moderator.id,
                    "overall_grade_id": grades[overall_position].id if overall_position is not None else None,
                    "overall_agrees": (overall_position == round(sum(positions) / len(positions)))
                    if overall_position is not None
                    else None,
                    "overall_reason": None,
                    "created_at": (submitted or utcnow()) + timedelta(days=7),
                }
            )
            moderated_sections.append((audit_id, sections))
        if complete and rng.random() < 0.01:
            concerns.append(
                {
                    "audit_id": audit_id,
                    "team_id": case.team_id,
                    "details": "No visit to the child for nine weeks despite a child protection plan.",
                    "raised_by_id": auditor.id,
                    "raised_at": submitted,
                }
            )
    for table, rows in (
        (Answer, answers),
        (SectionJudgement, judgements),
        (Action, actions),
        (SafeguardingConcern, concerns),
    ):
        if rows:
            db.session.execute(insert(table), rows)
    if moderations:
        moderation_ids = db.session.execute(
            insert(Moderation).returning(Moderation.audit_id, Moderation.id, sort_by_parameter_order=True), moderations
        ).all()
        by_audit = dict(moderation_ids)
        rows = [
            {"moderation_id": by_audit[audit_id], **section}
            for audit_id, sections in moderated_sections
            for section in sections
        ]
        db.session.execute(insert(ModeratedSection), rows)
    db.session.flush()
