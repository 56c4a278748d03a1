"""The equality figures read from the equality summary (``audit.domain.summary_equality``) equal the
query over the audits and cases they replaced, through every change that moves them: an audit
submitted, moderated, re-graded, moved to another team or cancelled, and a case's characteristics
changed after its audits were done (by hand, by the case form and by the case import). Randomised,
with fixed seeds, on both databases; after every step the summary must also equal a rebuild."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import Integer, case, cast, func, literal, select, union_all

from audit.clock import utcnow
from audit.domain import case_import, summaries
from audit.domain.cases import CaseDetails, save_case
from audit.extensions import db
from audit.models import (
    Audit,
    AuditEqualityRow,
    AuditStatus,
    AuditTool,
    Case,
    Moderation,
    Role,
    ScaleGrade,
    Team,
)
from audit.reporting import final_grades
from audit.reporting.equality import (
    CHARACTERISTICS,
    EqualityBreakdown,
    EqualityCharacteristic,
    EqualityGroup,
    _sort_key,
    _suppressed,
    equality_breakdown,
)
from audit.reporting.figures import ReportScope
from tests.querycount import count_queries

OVERALL_TOOL = "assessment-and-planning"  # asks for an overall grade
NO_OVERALL_TOOL = "fathers-engagement-themed"  # asks for none: never counted
GRADES = ("outstanding", "good", "requires-improvement", "inadequate")
# Values as stored on cases, blank and spaced ones included: the figures strip them, and a blank is
# "not recorded" ("\xa0" and "\u2003" are white space to Python's strip, not to SQL's plain trim).
VALUES = (None, "", " ", "White", " White", "White ", "White\xa0", "\u2003Mixed", "Mixed", "Asian", "Under 1", "1 to 4")


def _old_breakdown(scope: ReportScope) -> EqualityBreakdown:
    """The oracle: the figures as counted before the summary, from the audits and their cases."""
    good = func.sum(case((ScaleGrade.good_or_better, 1), else_=0))
    parts = [
        select(
            literal(key).label("characteristic"),
            column.label("value"),
            cast(good, Integer).label("good"),
            func.count(Audit.id).label("graded"),
        )
        .select_from(Audit)
        .join(Case, Case.id == Audit.case_id)
        .outerjoin(Moderation, Moderation.audit_id == Audit.id)
        .join(ScaleGrade, ScaleGrade.id == final_grades.FINAL_OVERALL_GRADE_ID)
        .where(*scope.completed_audits())
        .group_by(column)
        for key, _label, column in CHARACTERISTICS
    ]
    counted: dict[str, dict[str | None, tuple[int, int]]] = {key: {} for key, _label, _column in CHARACTERISTICS}
    for characteristic, value, good_count, graded in db.session.execute(union_all(*parts)).all():
        value = value.strip() if isinstance(value, str) and value.strip() else None
        before = counted[characteristic].get(value, (0, 0))
        counted[characteristic][value] = (before[0] + int(good_count or 0), before[1] + int(graded or 0))
    characteristics = []
    for key, label, _column in CHARACTERISTICS:
        counts = counted[key]
        hidden = _suppressed(counts)
        groups = [
            EqualityGroup(
                "Not recorded" if value is None else value,
                value,
                None if value in hidden else counts[value][0],
                None if value in hidden else counts[value][1],
            )
            for value in sorted(counts, key=_sort_key)
        ]
        characteristics.append(EqualityCharacteristic(key, label, groups))
    audits = sum(graded for _good, graded in counted[CHARACTERISTICS[0][0]].values())
    return EqualityBreakdown(audits, characteristics)


def _scopes(teams: list[Team]) -> list[ReportScope]:
    today = date.today()
    tool_id = db.session.scalar(select(AuditTool.id).where(AuditTool.slug == OVERALL_TOOL))
    return [
        ReportScope(today - timedelta(days=800), today + timedelta(days=1)),
        ReportScope(today - timedelta(days=364), today),  # whole months and edge days
        ReportScope(today - timedelta(days=100), today - timedelta(days=40)),
        ReportScope(today - timedelta(days=800), today + timedelta(days=1), team_ids=[teams[0].id]),
        ReportScope(today - timedelta(days=364), today, tool_ids=[tool_id]),
    ]


def _check(step: str, teams: list[Team]) -> None:
    db.session.flush()
    assert summaries.differences() == [], step
    for scope in _scopes(teams):
        assert equality_breakdown(scope) == _old_breakdown(scope), f"{step}: {scope}"


def _characteristics(rng: random.Random) -> dict[str, str | None]:
    return {key: rng.choice(VALUES) for key, _label, _column in CHARACTERISTICS}


def _grade_id(audit: Audit, key: str) -> int:
    return db.session.scalar(
        select(ScaleGrade.id).where(ScaleGrade.scale_id == audit.tool_version.scale_id, ScaleGrade.key == key)
    )


class World:
    def __init__(self, app, make, rng: random.Random) -> None:
        self.app, self.make, self.rng = app, make, rng
        self.teams = [make.team(), make.team()]
        self.auditor = make.user(Role.AUDITOR, team=self.teams[0])
        self.moderator = make.user(Role.MODERATOR)
        self.cases = [make.case(rng.choice(self.teams), **_characteristics(rng)) for _ in range(4)]

    def submit(self) -> None:
        """A submitted audit on a new or an existing case, submitted some time in the last 14 months
        (often at 23:xx UTC, the next UK day in summer)."""
        if self.rng.random() < 0.3:
            self.cases.append(self.make.case(self.rng.choice(self.teams), **_characteristics(self.rng)))
        tool = OVERALL_TOOL if self.rng.random() < 0.85 else NO_OVERALL_TOOL
        audit = self.make.audit(self.rng.choice(self.cases), self.auditor, tool=tool, status=AuditStatus.SUBMITTED)
        self.make.judgements(audit, "good", self.rng.choice(GRADES) if tool == OVERALL_TOOL else None)
        with self.app.app_context():
            moment = utcnow() - timedelta(days=self.rng.randrange(0, 420), minutes=self.rng.randrange(0, 24 * 60))
            if self.rng.random() < 0.4:
                moment = moment.replace(hour=23, minute=self.rng.randrange(60))
            db.session.get(Audit, audit.id).submitted_at = moment
            db.session.commit()

    def completed(self, *statuses: str) -> list[Audit]:
        wanted = statuses or (AuditStatus.SUBMITTED.value, AuditStatus.MODERATED.value)
        return list(db.session.scalars(select(Audit).where(Audit.status.in_(wanted)).order_by(Audit.id)))

    def moderate(self) -> None:
        candidates = self.completed(AuditStatus.SUBMITTED.value)
        if not candidates:
            return
        audit = self.rng.choice(candidates)
        grade = _grade_id(audit, self.rng.choice(GRADES)) if audit.tool_version.asks_overall_grade else None
        db.session.add(Moderation(audit_id=audit.id, moderator_id=self.moderator.id, overall_grade_id=grade))
        audit.status = AuditStatus.MODERATED.value
        audit.moderated_at = utcnow()

    def regrade(self) -> None:
        candidates = [audit for audit in self.completed() if audit.tool_version.asks_overall_grade]
        if candidates:
            audit = self.rng.choice(candidates)
            audit.overall_grade_id = _grade_id(audit, self.rng.choice(GRADES))

    def move(self) -> None:
        candidates = self.completed()
        if candidates:
            self.rng.choice(candidates).team_id = self.rng.choice(self.teams).id

    def cancel(self) -> None:
        candidates = self.completed(AuditStatus.SUBMITTED.value)
        if candidates:
            self.rng.choice(candidates).status = AuditStatus.CANCELLED.value

    def recase(self) -> None:
        """A case's characteristics changed after its audits were done (one, some or all of them)."""
        changed = db.session.get(Case, self.rng.choice(self.cases).id)
        for key, value in _characteristics(self.rng).items():
            if self.rng.random() < 0.6:
                setattr(changed, key, value)


STEPS = [("submit", 5), ("moderate", 2), ("regrade", 2), ("move", 1), ("cancel", 1), ("recase", 4)]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_figures_from_the_summary_equal_the_old_query_after_random_changes(app, make, seed):
    rng = random.Random(seed)
    world = World(app, make, rng)
    done = dict.fromkeys((name for name, _weight in STEPS), 0)
    for step in range(45):
        name = rng.choices([name for name, _ in STEPS], weights=[weight for _, weight in STEPS])[0]
        with app.app_context():
            getattr(world, name)()
            db.session.commit()
            _check(f"step {step}: {name}", world.teams)
        done[name] += 1
    assert all(done.values()), done
    with app.app_context():
        assert equality_breakdown(_scopes(world.teams)[0]).audits > 5  # the figures were not all empty


def _ethnicity_groups(scope: ReportScope) -> dict[str, tuple[int | None, int | None]]:
    ethnicity = next(found for found in equality_breakdown(scope).characteristics if found.key == "ethnicity")
    return {group.name: (group.good_or_better, group.graded) for group in ethnicity.groups}


def _six_audits(make, case: Case, auditor) -> None:
    for overall in ["good", "good", "outstanding", "requires-improvement", "good", "inadequate"]:
        make.judgements(make.audit(case, auditor, tool=OVERALL_TOOL, status=AuditStatus.SUBMITTED), "good", overall)


MIXED = "Mixed or multiple ethnic groups"


def test_a_case_import_that_changes_a_childs_ethnicity_moves_the_audits_already_done(app, make):
    team = make.team("Import Team")
    auditor = make.user(Role.AUDITOR, team=team)
    moved = make.case(team, reference="EQ-1", ethnicity="White")
    _six_audits(make, moved, auditor)
    _six_audits(make, make.case(team, reference="EQ-2", ethnicity="White"), auditor)
    scope = ReportScope(date.today() - timedelta(days=30), date.today())
    with app.app_context():
        assert _ethnicity_groups(scope) == {"White": (8, 12)}
        content = (
            f"reference,team,plan_type,ethnicity\nEQ-1,{team.name},child in need,Mixed or multiple ethnic groups\n"
        )
        result = case_import.apply_import(content.encode(), full_export=False)
        assert result.applied
        db.session.commit()
        assert _ethnicity_groups(scope) == {MIXED: (4, 6), "White": (4, 6)}
        assert equality_breakdown(scope) == _old_breakdown(scope)
        assert summaries.differences() == []


def test_the_case_form_clearing_a_characteristic_makes_it_not_recorded(app, make):
    team = make.team("Form Team")
    auditor = make.user(Role.AUDITOR, team=team)
    changed = make.case(team, reference="EQ-3", ethnicity="Asian or Asian British", gender="Female")
    _six_audits(make, changed, auditor)
    scope = ReportScope(date.today() - timedelta(days=30), date.today())
    with app.app_context():
        saved = db.session.get(Case, changed.id)
        details = CaseDetails(saved.reference, saved.team, None, saved.plan_type, gender="Female", ethnicity=None)
        save_case(saved, details)
        db.session.commit()
        assert _ethnicity_groups(scope) == {"Not recorded": (4, 6)}
        ethnicity = select(AuditEqualityRow.value).where(AuditEqualityRow.characteristic == "ethnicity")
        values = set(db.session.scalars(ethnicity))
        assert values == {""}
        assert summaries.differences() == []


def test_only_a_change_to_a_characteristic_refreshes_the_cases_audits(app, make):
    team = make.team("Quiet Team")
    auditor = make.user(Role.AUDITOR, team=team)
    quiet = make.case(team, reference="EQ-4", ethnicity="White")
    _six_audits(make, quiet, auditor)
    make.audit(quiet, auditor, tool=OVERALL_TOOL)  # not completed: nothing to refresh
    with app.app_context():
        completed = select(Audit.id).where(Audit.case_id == quiet.id, Audit.status == AuditStatus.SUBMITTED.value)
        expected = set(db.session.scalars(completed))
        assert len(expected) == 6
        changed = db.session.get(Case, quiet.id)
        changed.religion = "Buddhist"
        changed.closed_on = date.today()
        assert summaries.changed_cases(db.session) == set()
        changed.gender = "Male"
        assert summaries.changed_cases(db.session) == {quiet.id}
        assert summaries.audits_of_cases(db.session.connection(), {quiet.id}) == expected
        db.session.rollback()


def test_the_read_is_one_statement_on_the_summary(app, make):
    team = make.team("Cost Team")
    auditor = make.user(Role.AUDITOR, team=team)
    _six_audits(make, make.case(team, ethnicity="White"), auditor)
    with app.app_context(), count_queries(app) as counted:
        equality_breakdown(ReportScope(date.today() - timedelta(days=364), date.today()))
    assert counted.count == 1
    assert "equality_summary" in counted.statements[0]
    assert "audits" not in counted.statements[0].replace("equality_summary.audits", "")
