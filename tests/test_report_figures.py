"""The report figures, checked against a small council whose numbers are worked out by hand.

Grades on the Ofsted scale by position: 0 outstanding, 1 good, 2 requires improvement (RI),
3 inadequate. Three completed audits:

  audit 1  team A, auditor X, assessment and planning, submitted 15 Jan 2026, moderated
  audit 2  team B, auditor Y, assessment and planning, submitted 10 Feb 2026, moderated
  audit 3  team A, auditor X, fathers' engagement (2 sections, no overall), submitted 5 Apr 2026

section                  audit 1 (auditor/moderator)   audit 2 (auditor/moderator)   audit 3
assessment quality       good 1 / RI 2                 RI 2 / RI 2                    -
child's voice            outstanding 0 / good 1        good 1 / good 1                -
culture and identity     N/A / good                    inadequate 3 / inadequate 3    -
fathers' engagement      RI 2 / RI 2                   inadequate 3 / RI 2            good, good
plan co-production       good 1 / good 1               good 1 / N/A                   -
management oversight     good 1 / inadequate 3         good 1 / good 1                -
overall                  good                          RI                             (none)

Section pairs with both graded: 10 (a N/A on either side drops the pair).
  exact: audit 1 FE, PC; audit 2 AQ, CV, CRI, MO = 6 -> 60%
  within one grade: all but audit 1 MO (1 vs 3) = 9 -> 90%
  drift (auditor - moderator): audit 1 -1 -1 0 0 -2 = -4; audit 2 0 0 0 +1 0 = +1
    overall -3/10 = -0.3; auditor X / team A -4/5 = -0.8; auditor Y / team B +1/5 = +0.2
  quadratic-weighted kappa, k = 4, w = (i-j)^2/9, counts (auditor, moderator):
    (0,1) 1, (1,1) 3, (1,2) 1, (1,3) 1, (2,2) 2, (3,2) 1, (3,3) 1
    auditor margins 1 5 2 2; moderator margins 0 4 4 2; n = 10
    sum w*observed = (1 + 1 + 4 + 1) / 9 = 7/9
    sum w*expected = sum (i-j)^2 r_i c_j / (9 * 10) = (38 + 60 + 12 + 40) / 90 = 15/9
    kappa = 1 - (7/9) / (15/9) = 8/15 = 0.5333

Final grades (the moderator's where moderated): audit 1 and 2 sections are the moderator's, so
  assessment quality  RI, RI                 -> 0 of 2 good or better (auditors alone: 1 of 2)
  child's voice       good, good             -> 2 of 2 (auditors alone: 2 of 2)
  culture             good, inadequate       -> 1 of 2 (auditors alone: 0 of 1, one N/A)
  fathers' engagement RI, RI, good          -> 1 of 3 (auditors alone: 1 of 3): audit 3's two
                      sections share the theme, so it counts once, with the worse of its grades
  plan co-production  good, N/A              -> 1 of 1, one N/A (auditors alone: 2 of 2)
  management oversight inadequate, good      -> 1 of 2 (auditors alone: 2 of 2)
The moderations here give no overall grade, so the overall grades are the auditors'.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import select

from audit.extensions import db
from audit.models import Action, Audit, AuditStatus, ModeratedSection, Moderation, Role, ScaleGrade
from audit.reporting import agreement as agreement_figures
from audit.reporting import evidence, figures
from audit.reporting.figures import ReportScope

JAN_TO_JUNE = ReportScope(date(2026, 1, 1), date(2026, 6, 30))

AUDIT_1 = {
    "assessment-quality": "good",
    "childs-voice": "outstanding",
    "culture-religion-and-identity": "na",
    "fathers-engagement": "requires-improvement",
    "plan-co-production": "good",
    "management-oversight-and-supervision": "good",
    "impact-for-the-child": "na",  # not applicable throughout: no figure moves
}
MODERATED_1 = {
    "assessment-quality": "requires-improvement",
    "childs-voice": "good",
    "culture-religion-and-identity": "good",
    "fathers-engagement": "requires-improvement",
    "plan-co-production": "good",
    "management-oversight-and-supervision": "inadequate",
    "impact-for-the-child": "na",
}
AUDIT_2 = {
    "assessment-quality": "requires-improvement",
    "childs-voice": "good",
    "culture-religion-and-identity": "inadequate",
    "fathers-engagement": "inadequate",
    "plan-co-production": "good",
    "management-oversight-and-supervision": "good",
    "impact-for-the-child": "na",  # not applicable throughout: no figure moves
}
MODERATED_2 = {
    "assessment-quality": "requires-improvement",
    "childs-voice": "good",
    "culture-religion-and-identity": "inadequate",
    "fathers-engagement": "requires-improvement",
    "plan-co-production": "na",
    "management-oversight-and-supervision": "good",
    "impact-for-the-child": "na",  # not applicable throughout: no figure moves
}


def _submit(app, audit, at: datetime, moderated: bool = False) -> None:
    with app.app_context():
        saved = db.session.get(Audit, audit.id)
        saved.status = (AuditStatus.MODERATED if moderated else AuditStatus.SUBMITTED).value
        saved.submitted_at = at
        saved.moderated_at = at if moderated else None
        db.session.commit()


def moderate(app, audit, moderator, grades: dict[str, str]) -> None:
    with app.app_context():
        saved = db.session.get(Audit, audit.id)
        by_key = {
            grade.key: grade
            for grade in db.session.scalars(
                select(ScaleGrade).where(ScaleGrade.scale_id == saved.tool_version.scale_id)
            )
        }
        moderation = Moderation(audit_id=saved.id, moderator_id=moderator.id)
        for section in saved.tool_version.sections:
            key = grades[section.key]
            moderation.section_grades.append(
                ModeratedSection(
                    section_id=section.id,
                    grade_id=None if key == "na" else by_key[key].id,
                    not_applicable=key == "na",
                    agrees=key == "good",
                )
            )
        db.session.add(moderation)
        db.session.commit()


def action(app, audit, owner, due: date, completed: datetime | None = None) -> None:
    with app.app_context():
        db.session.add(
            Action(
                audit_id=audit.id,
                description="Do the thing",
                owner_id=owner.id,
                due_date=due,
                created_by_id=owner.id,
                completed_at=completed,
            )
        )
        db.session.commit()


@pytest.fixture
def council(app, make):
    team_a, team_b = make.team("Team A"), make.team("Team B")
    x = make.user(Role.AUDITOR, team=team_a, name="Auditor X")
    y = make.user(Role.AUDITOR, team=team_b, name="Auditor Y")
    moderator = make.user(Role.MODERATOR, team=team_b)
    case_a, case_b = make.case(team_a), make.case(team_b)

    audit_1 = make.judgements(make.audit(case_a, x, tool="assessment-and-planning"), AUDIT_1, overall="good")
    audit_2 = make.judgements(
        make.audit(case_b, y, tool="assessment-and-planning"), AUDIT_2, overall="requires-improvement"
    )
    audit_3 = make.judgements(make.audit(case_a, x), "good")
    _submit(app, audit_1, datetime(2026, 1, 15, 10), moderated=True)
    _submit(app, audit_2, datetime(2026, 2, 10, 15), moderated=True)
    _submit(app, audit_3, datetime(2026, 4, 5, 9))
    moderate(app, audit_1, moderator, MODERATED_1)
    moderate(app, audit_2, moderator, MODERATED_2)
    # Open audits: one overdue, one a draft with no due date; an action on one is out of scope.
    overdue = make.audit(case_a, x, status=AuditStatus.ASSIGNED, due_date=date(2020, 1, 1))
    make.audit(case_b, y, status=AuditStatus.IN_PROGRESS)
    # Actions: on time, late, open and overdue, open and not yet due.
    action(app, audit_1, x, date(2026, 1, 20), datetime(2026, 1, 19, 16))
    action(app, audit_1, x, date(2026, 1, 20), datetime(2026, 1, 25, 9))
    action(app, audit_2, y, date(2020, 2, 1))
    action(app, audit_2, y, date(2099, 1, 1))
    action(app, overdue, x, date(2020, 1, 1))
    return {"team_a": team_a, "team_b": team_b, "x": x, "y": y}


def _by_theme(distributions):
    return {distribution.name: distribution for distribution in distributions}


def test_audit_counts(app, council):
    with app.app_context():
        counts = figures.audit_counts(JAN_TO_JUNE)
    assert (counts.completed, counts.moderated, counts.in_progress, counts.overdue) == (3, 2, 2, 1)
    assert counts.percent_moderated == 66.7


def test_theme_grades(app, council):
    with app.app_context():
        themes = _by_theme(figures.theme_grades(JAN_TO_JUNE))
    # Final grades: the moderator's for audits 1 and 2 (see the table at the top).
    quality = themes["Assessment quality"]
    assert (quality.percent_good_or_better, quality.auditor_percent_good_or_better) == (0.0, 50.0)
    assert quality.moderation_changed
    voice = themes["Child's voice"]
    assert (voice.percent_good_or_better, voice.moderation_changed) == (100.0, False)
    culture = themes["Culture, religion and identity"]
    assert (culture.graded, culture.not_applicable, culture.percent_good_or_better) == (2, 0, 50.0)
    assert (culture.auditor_graded, culture.auditor_percent_good_or_better) == (1, 0.0)
    fathers = themes["Fathers' engagement"]
    assert [(grade.label, grade.count) for grade in fathers.grades] == [
        ("Good", 1),
        ("Requires improvement to be good", 2),
    ]
    assert (fathers.graded, fathers.good_or_better, fathers.percent_good_or_better) == (3, 1, 33.3)
    assert (fathers.auditor_good_or_better, fathers.auditor_graded) == (1, 3)
    plan = themes["Plan co-production"]
    assert (plan.graded, plan.not_applicable, plan.percent_good_or_better, plan.auditor_graded) == (1, 1, 100.0, 2)
    oversight = themes["Management oversight and supervision"]
    assert (oversight.percent_good_or_better, oversight.auditor_percent_good_or_better) == (50.0, 100.0)


def test_theme_trend_by_month_and_quarter(app, council):
    with app.app_context():
        months = figures.theme_trend(JAN_TO_JUNE, by="month")
        quarters = figures.theme_trend(JAN_TO_JUNE, by="quarter")
    fathers = [(row.group, row.percent_good_or_better) for row in months if row.theme == "Fathers' engagement"]
    assert fathers == [("2026-01", 0.0), ("2026-02", 0.0), ("2026-04", 100.0)]
    fathers = [(row.group, row.percent_good_or_better) for row in quarters if row.theme == "Fathers' engagement"]
    assert fathers == [("2026 Q1", 0.0), ("2026 Q2", 100.0)]
    voice = [(row.group, row.graded) for row in quarters if row.theme == "Child's voice"]
    assert voice == [("2026 Q1", 2)]
    oversight = [
        (row.group, row.percent_good_or_better, row.auditor_percent_good_or_better)
        for row in quarters
        if row.theme == "Management oversight and supervision"
    ]
    assert oversight == [("2026 Q1", 50.0, 100.0)]  # the moderator's inadequate for audit 1


def test_theme_by_team(app, council):
    with app.app_context():
        rows = figures.theme_by_team(JAN_TO_JUNE)
    fathers = [(row.group, row.percent_good_or_better) for row in rows if row.theme == "Fathers' engagement"]
    assert fathers == [("Team A", 50.0), ("Team B", 0.0)]  # A: RI, good (audit 3 once); B: RI (moderated)
    oversight = [
        (row.group, row.percent_good_or_better, row.auditor_percent_good_or_better, row.moderation_changed)
        for row in rows
        if row.theme == "Management oversight and supervision"
    ]
    assert oversight == [("Team A", 0.0, 100.0, True), ("Team B", 100.0, 100.0, False)]


def test_overall_grades(app, council):
    with app.app_context():
        overall = figures.overall_grades(JAN_TO_JUNE)
    assert [(grade.key, grade.count) for grade in overall.grades] == [("good", 1), ("requires-improvement", 1)]
    assert (overall.graded, overall.not_applicable, overall.percent_good_or_better) == (2, 1, 50.0)


def test_moderation_agreement(app, council):
    with app.app_context():
        agreement = agreement_figures.moderation_agreement(JAN_TO_JUNE)
    assert (agreement.pairs, agreement.exact, agreement.within_one) == (10, 6, 9)
    assert (agreement.percent_exact, agreement.percent_within_one) == (60.0, 90.0)
    assert agreement.kappa == pytest.approx(8 / 15)
    assert agreement.drift == pytest.approx(-0.3)
    assert agreement.drift_in_words == "grade 0.3 of a grade more generously than moderators"
    assert [(d.name, d.pairs, d.drift) for d in agreement.by_auditor] == [
        ("Auditor X", 5, pytest.approx(-0.8)),
        ("Auditor Y", 5, pytest.approx(0.2)),
    ]
    assert [(d.name, d.in_words) for d in agreement.by_team] == [
        ("Team A", "grades 0.8 of a grade more generously than moderators"),
        ("Team B", "grades 0.2 of a grade more strictly than moderators"),
    ]


def test_action_figures(app, council):
    with app.app_context():
        actions = figures.action_figures(JAN_TO_JUNE)
    assert (actions.total, actions.open, actions.overdue, actions.completed) == (4, 2, 1, 2)
    assert (actions.completed_on_time, actions.percent_on_time) == (1, 50.0)


def test_an_empty_period_gives_none_not_an_error(app, council):
    empty = ReportScope(date(2030, 1, 1), date(2030, 12, 31))
    with app.app_context():
        assert figures.theme_grades(empty) == []
        assert figures.theme_trend(empty, by="quarter") == []
        assert figures.theme_by_team(empty) == []
        assert figures.overall_grades(empty).percent_good_or_better is None
        agreement = agreement_figures.moderation_agreement(empty)
        counts = figures.audit_counts(empty)
        actions = figures.action_figures(empty)
    assert (agreement.pairs, agreement.kappa, agreement.percent_exact, agreement.drift) == (0, None, None, None)
    assert agreement.by_auditor == agreement.by_team == []
    assert (counts.completed, counts.percent_moderated) == (0, None)
    assert (actions.total, actions.percent_on_time) == (0, None)


def test_filters_by_team_tool_theme_and_dates(app, make, council):
    team_a = ReportScope(JAN_TO_JUNE.start, JAN_TO_JUNE.end, team_ids=(council["team_a"].id,))
    fathers_tool = make.tool_version("fathers-engagement-themed").tool_id
    with app.app_context():
        tool = ReportScope(JAN_TO_JUNE.start, JAN_TO_JUNE.end, tool_ids=(fathers_tool,))
        voice = ReportScope(JAN_TO_JUNE.start, JAN_TO_JUNE.end, themes=("Child's voice",))
        first_quarter = ReportScope(date(2026, 1, 1), date(2026, 3, 31))
        one_day = ReportScope(date(2026, 2, 10), date(2026, 2, 10))

        assert _by_theme(figures.theme_grades(team_a))["Fathers' engagement"].percent_good_or_better == 50.0
        assert figures.audit_counts(team_a).completed == 2
        assert agreement_figures.moderation_agreement(team_a).pairs == 5

        assert [(d.name, d.graded) for d in figures.theme_grades(tool)] == [("Fathers' engagement", 1)]
        assert figures.overall_grades(tool).graded == 0

        assert [d.name for d in figures.theme_grades(voice)] == ["Child's voice"]
        assert figures.audit_counts(voice).completed == 2  # the tools covering the theme
        assert agreement_figures.moderation_agreement(voice).pairs == 2

        assert figures.audit_counts(first_quarter).completed == 2
        assert _by_theme(figures.theme_grades(first_quarter))["Fathers' engagement"].graded == 2
        # The end date is inclusive: an audit submitted at 3pm on the day counts.
        assert figures.audit_counts(one_day).completed == 1
        assert figures.action_figures(one_day).open == 2


@pytest.mark.parametrize(
    ("drift", "words"),
    [
        (-0.4, "grades 0.4 of a grade more generously than moderators"),
        (0.02, "grades in line with moderators"),
        (1.0, "grades 1 grade more strictly than moderators"),
        (-1.5, "grades 1.5 grades more generously than moderators"),
    ],
)
def test_drift_in_words(drift, words):
    assert agreement_figures.drift_in_words(drift) == words
    # For auditors as a whole ("Overall, auditors grade ..."), not "auditors grades".
    assert agreement_figures.drift_in_words(drift, plural=True) == "grade" + words.removeprefix("grades")


def test_kappa_is_one_for_perfect_agreement_and_none_when_undefined():
    assert agreement_figures.quadratic_weighted_kappa({(0, 0): 2, (1, 1): 3, (3, 3): 1}, 4) == pytest.approx(1.0)
    assert agreement_figures.quadratic_weighted_kappa({(1, 1): 5}, 4) is None  # one grade only: undefined
    assert agreement_figures.quadratic_weighted_kappa({}, 4) is None


def test_theme_actions_count_each_audits_actions_under_its_lowest_theme(app, council):
    # Weak (final grade below good): audit 1 in assessment quality, fathers' engagement (RI) and
    # management oversight (the moderator's inadequate: its lowest); audit 2's lowest is culture.
    # Audit 1's actions: one on time, one late; audit 2's: one open and overdue, one open and not
    # yet due. Each audit's actions count under its lowest theme only, never under every weak theme
    # (ACTION_THEME_RULE). The overdue audit's action is out of scope.
    with app.app_context():
        found = evidence.theme_actions(JAN_TO_JUNE)
    oversight = found["Management oversight and supervision"]
    assert (oversight.total, oversight.open, oversight.overdue, oversight.completed, oversight.percent_on_time) == (
        2,
        0,
        0,
        2,
        50.0,
    )
    culture = found["Culture, religion and identity"]
    assert (culture.total, culture.open, culture.overdue, culture.percent_on_time) == (2, 2, 1, None)
    assert set(found) == {"Management oversight and supervision", "Culture, religion and identity"}
    # Together they are every action of the period's audits, each once.
    with app.app_context():
        every = figures.action_figures(JAN_TO_JUNE)
    assert every.total == sum(figures.total for figures in found.values()) == 4


def test_action_examples_are_open_soonest_due_first_then_done_latest_due_first(app, council, make):
    # One more action on audit 1, done, due later than its other two: it comes first of the done.
    with app.app_context():
        audit_1 = db.session.scalar(select(Audit).where(Audit.team_id == council["team_a"].id).order_by(Audit.id))
    action(app, audit_1, council["x"], date(2026, 3, 1), datetime(2026, 2, 27, 9))
    with app.app_context():
        examples = evidence.theme_action_examples(JAN_TO_JUNE)
        one_each = evidence.theme_action_examples(JAN_TO_JUNE, per_theme=1)
        team_b_only = evidence.theme_action_examples(replace(JAN_TO_JUNE, team_ids=(council["team_b"].id,)))
    culture = examples["Culture, religion and identity"]
    assert [(item.due_date, item.completed) for item in culture] == [
        (date(2020, 2, 1), False),
        (date(2099, 1, 1), False),
    ]
    oversight = examples["Management oversight and supervision"]
    assert [(item.due_date, item.completed) for item in oversight] == [
        (date(2026, 3, 1), True),
        (date(2026, 1, 20), True),
        (date(2026, 1, 20), True),
    ]
    assert all(item.case_reference and item.owner == "Auditor X" for item in oversight)
    assert {theme: len(items) for theme, items in one_each.items()} == {
        "Culture, religion and identity": 1,
        "Management oversight and supervision": 1,
    }
    assert one_each["Culture, religion and identity"][0].due_date == date(2020, 2, 1)
    assert set(team_b_only) == {"Culture, religion and identity"}  # the scope's teams hold


def test_scope_previous_is_the_same_length_just_before():
    april_to_june = ReportScope(date(2026, 4, 1), date(2026, 6, 30), team_ids=(3,))
    previous = april_to_june.previous()
    assert (previous.start, previous.end, previous.team_ids) == (date(2025, 12, 31), date(2026, 3, 31), (3,))
    assert previous.days == april_to_june.days == 91
