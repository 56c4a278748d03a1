"""The voices and sample figures read from the kept counts (audit.models.summary_voices) equal what
the reports worked out from the audits before (kept here as the oracle), through random changes to
everything they read: status, submission time, team, tool, programme, re-audit link, the two voices'
text and the section judgements. After every step the counts must also equal a rebuild."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import InstrumentedAttribute

from audit.clock import utcnow
from audit.domain import summaries
from audit.extensions import db
from audit.models import (
    Audit,
    AuditProgramme,
    AuditStatus,
    AuditTool,
    AuditToolVersion,
    Role,
    SampleSummary,
    SectionJudgement,
    Team,
    ToolSection,
)
from audit.reporting import sample, voices
from audit.reporting.figures import ReportScope
from audit.reporting.moderation_sample import sample_achieved
from audit.reporting.sample import ProgrammeSample, SampleDescription
from audit.reporting.voices import Voices

TOOLS = ("fathers-engagement-themed", "child-protection")
TEXTS = (None, "", "   ", "Mum said the plan helped.", " Dad felt heard. ")
STATUSES = (AuditStatus.SUBMITTED, AuditStatus.SUBMITTED, AuditStatus.MODERATED, AuditStatus.IN_PROGRESS)


# The oracle: the queries the reports ran over the audits before the summaries ----------------------


def _written(column: InstrumentedAttribute[str | None]) -> ColumnElement[bool]:
    return and_(column.is_not(None), func.length(func.trim(column)) > 0)


def oracle_voices_by_theme(scope: ReportScope) -> dict[str, Voices]:
    per_audit = (
        select(ToolSection.theme.label("theme"), Audit.id.label("audit_id"))
        .select_from(SectionJudgement)
        .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
        .join(Audit, Audit.id == SectionJudgement.audit_id)
        .where(*scope.completed_audits(), *scope.sections())
        .distinct()
        .subquery()
    )
    rows = db.session.execute(
        select(
            per_audit.c.theme,
            func.count(Audit.id),
            func.count(Audit.id).filter(_written(Audit.child_family_feedback)),
            func.count(Audit.id).filter(_written(Audit.practitioner_reflection)),
        )
        .select_from(per_audit)
        .join(Audit, Audit.id == per_audit.c.audit_id)
        .group_by(per_audit.c.theme)
    ).all()
    return {theme: Voices(int(total), int(family), int(reflection)) for theme, total, family, reflection in rows}


def oracle_voices_total(scope: ReportScope) -> Voices:
    total, family, reflection = db.session.execute(
        select(
            func.count(Audit.id),
            func.count(Audit.id).filter(_written(Audit.child_family_feedback)),
            func.count(Audit.id).filter(_written(Audit.practitioner_reflection)),
        ).where(*scope.completed_audits())
    ).one()
    return Voices(int(total), int(family or 0), int(reflection or 0))


def oracle_describe_sample(scope: ReportScope) -> SampleDescription:
    completed = scope.completed_audits()
    rows = db.session.execute(
        select(AuditProgramme, AuditTool.name, func.count(Audit.id))
        .join(Audit, Audit.programme_id == AuditProgramme.id)
        .join(AuditToolVersion, AuditToolVersion.id == AuditProgramme.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .where(*completed)
        .group_by(AuditProgramme.id, AuditTool.name)
        .order_by(AuditProgramme.month, AuditProgramme.name)
    ).all()
    programmes = [
        ProgrammeSample(programme.name, f"{programme.month:%B %Y}", tool, int(count), sample._rule(programme))
        for programme, tool, count in rows
    ]
    total, reaudits, other = db.session.execute(
        select(
            func.count(Audit.id),
            func.count(Audit.id).filter(Audit.programme_id.is_(None), Audit.follows_audit_id.is_not(None)),
            func.count(Audit.id).filter(Audit.programme_id.is_(None), Audit.follows_audit_id.is_(None)),
        ).where(*completed)
    ).one()
    teams = db.session.execute(
        select(Team.name, func.count(Audit.id))
        .join(Audit, Audit.team_id == Team.id)
        .where(*completed)
        .group_by(Team.id, Team.name)
        .order_by(Team.name)
    ).all()
    tools = db.session.execute(
        select(AuditTool.name, func.count(Audit.id))
        .select_from(Audit)
        .join(AuditToolVersion, AuditToolVersion.id == Audit.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .where(*completed)
        .group_by(AuditTool.id, AuditTool.name)
        .order_by(AuditTool.name)
    ).all()
    return SampleDescription(
        completed=int(total),
        programmes=programmes,
        reaudits=int(reaudits or 0),
        other=int(other or 0),
        teams=[(name, int(count)) for name, count in teams],
        tools=[(name, int(count)) for name, count in tools],
        moderation=sample_achieved(scope.start, scope.end),
    )


# Random audits and random changes to them --------------------------------------------------------


class World:
    def __init__(self, make, rng: random.Random) -> None:
        self.rng = rng
        self.teams = [make.team(f"Voices {name}") for name in ("Beta", "alpha", "Gamma")]
        self.leader = make.user(Role.LEADER, team=self.teams[0])
        self.auditor = make.user(Role.AUDITOR, team=self.teams[0])
        self.cases = [make.case(team) for team in self.teams]
        self.programmes = [
            make.programme(self.leader, name=f"Sample programme {number}", tool=TOOLS[number % 2])
            for number in range(3)
        ]
        self.versions = {slug: make.tool_version(slug).id for slug in TOOLS}

    def when(self):
        return utcnow() - timedelta(days=self.rng.randrange(0, 400), minutes=self.rng.randrange(0, 24 * 60))

    def add_audit(self, reaudit: bool = False) -> None:
        """A random audit, or a submitted re-audit outside a programme."""
        rng = self.rng
        case = rng.choice(self.cases)
        status = AuditStatus.SUBMITTED if reaudit else rng.choice(STATUSES)
        earlier = db.session.scalars(select(Audit.id).order_by(Audit.id.desc()).limit(3)).all()
        audit = Audit(
            case_id=case.id,
            team_id=case.team_id,
            tool_version_id=self.versions[rng.choice(TOOLS)],
            auditor_id=self.auditor.id,
            created_by_id=self.leader.id,
            status=status.value,
            submitted_at=self.when() if status.is_locked else None,
            programme_id=None if reaudit else rng.choice([None, *(programme.id for programme in self.programmes)]),
            follows_audit_id=earlier[0] if reaudit else rng.choice([None, *earlier]),
            child_family_feedback=rng.choice(TEXTS),
            practitioner_reflection=rng.choice(TEXTS),
        )
        db.session.add(audit)
        db.session.flush()
        sections = db.session.scalars(select(ToolSection).where(ToolSection.tool_version_id == audit.tool_version_id))
        for section in sections:
            if rng.random() < 0.7:  # some sections have no judgement row at all
                kind = rng.choice(["graded", "na", "neither"])
                grade = section.tool_version.scale.grades[0].id if kind == "graded" else None
                db.session.add(
                    SectionJudgement(
                        audit_id=audit.id, section_id=section.id, grade_id=grade, not_applicable=kind == "na"
                    )
                )

    def some_audit(self) -> Audit | None:
        ids = db.session.scalars(select(Audit.id)).all()
        return db.session.get(Audit, self.rng.choice(ids)) if ids else None

    def change(self) -> None:
        """One change to an audit's voices, origin, team, tool, status, time or judgements."""
        rng, audit = self.rng, self.some_audit()
        if audit is None:
            return
        what = rng.choice(["voices", "voices", "programme", "follows", "team", "status", "time", "judgement"])
        if what == "voices":  # what an amendment writes
            audit.child_family_feedback = rng.choice(TEXTS)
            audit.practitioner_reflection = rng.choice(TEXTS)
        elif what == "programme":
            audit.programme_id = rng.choice([None, *(programme.id for programme in self.programmes)])
        elif what == "follows":
            audit.follows_audit_id = rng.choice([None, *db.session.scalars(select(Audit.id).limit(3))])
        elif what == "team":
            audit.team_id = rng.choice(self.teams).id
        elif what == "status" and audit.submitted_at is not None:
            audit.status = rng.choice([AuditStatus.SUBMITTED, AuditStatus.MODERATED, AuditStatus.CANCELLED]).value
        elif what == "time" and audit.submitted_at is not None:
            audit.submitted_at = self.when()
        elif what == "judgement":
            judgement = db.session.scalars(
                select(SectionJudgement).where(SectionJudgement.audit_id == audit.id)
            ).first()
            if judgement is not None:
                db.session.delete(judgement)


def _scopes(world: World) -> list[ReportScope]:
    end = date.today()
    themes = db.session.scalars(
        select(ToolSection.theme).where(ToolSection.tool_version_id == world.versions[TOOLS[1]]).limit(2)
    ).all()
    tool_id = db.session.scalar(select(AuditToolVersion.tool_id).where(AuditToolVersion.id == world.versions[TOOLS[0]]))
    return [
        ReportScope(end - timedelta(days=800), end + timedelta(days=1)),
        ReportScope(end - timedelta(days=100), end - timedelta(days=20)),  # edge days either side
        ReportScope(end - timedelta(days=364), end, team_ids=(world.teams[1].id,)),
        ReportScope(end - timedelta(days=364), end, tool_ids=(tool_id,)),
        ReportScope(end - timedelta(days=364), end, themes=tuple(themes)),
    ]


def _check(world: World, step: str) -> None:
    db.session.flush()
    assert summaries.differences() == [], step
    for scope in _scopes(world):
        assert voices.voices_by_theme(scope) == oracle_voices_by_theme(scope), (step, scope)
        assert voices.voices_total(scope) == oracle_voices_total(scope), (step, scope)
        assert sample.describe_sample(scope) == oracle_describe_sample(scope), (step, scope)


@pytest.mark.parametrize("seed", [1, 2])
def test_voices_and_sample_from_the_summaries_equal_the_audits(app, make, seed):
    rng = random.Random(seed)
    world = World(make, rng)
    with app.app_context():
        for step in range(40):
            world.add_audit(reaudit=step == 5) if step < 12 or rng.random() < 0.4 else world.change()
            db.session.commit()
            _check(world, f"step {step}")
            if step == 5:  # the re-audit just added is counted, in its day and its month
                assert db.session.scalar(select(func.sum(SampleSummary.audits)).where(SampleSummary.reaudit)) >= 2
        scope = _scopes(world)[0]
        total = voices.voices_total(scope)
        assert 0 < total.family_feedback < total.audits  # the blank and spaces-only texts are not counted
        assert sample.describe_sample(scope).programmes


def test_a_draft_autosave_of_the_voices_refreshes_nothing_but_an_amendment_does(app, make):
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=team)
    draft = make.audit(make.case(team), auditor, status=AuditStatus.IN_PROGRESS)
    submitted = make.audit(make.case(team), auditor, status=AuditStatus.SUBMITTED)
    make.judgements(submitted)
    with app.app_context():
        for audit_id, expected in ((draft.id, set()), (submitted.id, {submitted.id})):
            audit = db.session.get(Audit, audit_id)
            audit.child_family_feedback = "The family said they felt listened to."
            assert set(summaries.changed_audits(db.session)[0]) == expected
            db.session.commit()
        scope = ReportScope(date.today() - timedelta(days=1), date.today())
        assert voices.voices_total(scope) == Voices(1, 1, 0)
        assert all(theme.family_feedback == 1 for theme in voices.voices_by_theme(scope).values())
        assert summaries.differences() == []
