"""Measures of success: the RAG rule, a value checked by hand on a small dataset, and measures that
cannot be worked out (a withdrawn figure, a theme no tool has) shown as such on the page and PDF."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from audit.clock import today
from audit.extensions import db
from audit.models import AuditStatus, Measure, Role
from audit.reporting import measures
from audit.reporting.measures import Status, expected_on, months_before, rag
from tests.conftest import page_text
from tests.pages import pdf_text

# 40% on 1 January 2026 to 80% on 31 December 2026 (364 days): halfway, on 2 July 2026, the line is at 60%.
BASELINE_ON = date(2026, 1, 1)
TARGET_ON = date(2026, 12, 31)
HALFWAY = date(2026, 7, 2)


def a_measure(**fields: object) -> Measure:
    values = {
        "title": "Fathers",
        "figure": "theme_good_or_better",
        "theme": "Fathers' engagement",
        "window_months": 3,
        "baseline_value": 40.0,
        "baseline_on": BASELINE_ON,
        "target_value": 80.0,
        "target_on": TARGET_ON,
        **fields,
    }
    return Measure(**values)


# The rule ----------------------------------------------------------------------------------------


def test_the_expected_value_is_a_straight_line_from_baseline_to_target():
    measure = a_measure()
    assert expected_on(measure, BASELINE_ON) == 40.0
    assert expected_on(measure, HALFWAY) == pytest.approx(60.0)
    assert expected_on(measure, TARGET_ON) == 80.0
    # Before the baseline the line has not started; after the target date it stays at the target.
    assert expected_on(measure, BASELINE_ON - timedelta(days=30)) == 40.0
    assert expected_on(measure, TARGET_ON + timedelta(days=30)) == 80.0
    # A target dated on (or before) its baseline is simply the target.
    assert expected_on(a_measure(target_on=BASELINE_ON), HALFWAY) == 80.0


@pytest.mark.parametrize(
    ("value", "on", "status"),
    [
        (80.0, HALFWAY, Status.ACHIEVED),  # target met early
        (95.0, TARGET_ON + timedelta(days=90), Status.ACHIEVED),  # met, even after the target date
        (60.0, HALFWAY, Status.ON_TRACK),  # on the line
        (70.0, HALFWAY, Status.ON_TRACK),  # above the line, short of the target
        (59.9, HALFWAY, Status.BEHIND),  # just below the line
        (55.0, HALFWAY, Status.BEHIND),  # exactly 5 points behind can still catch up
        (54.9, HALFWAY, Status.OFF_TRACK),  # more than 5 points behind the line
        (79.9, TARGET_ON, Status.BEHIND),  # on the target date itself, within 5 points of it
        (79.9, TARGET_ON + timedelta(days=1), Status.OFF_TRACK),  # the target date has passed without it
        (None, HALFWAY, Status.NO_DATA),
    ],
)
def test_rag_status(value, on, status):
    assert rag(value, a_measure(), on) == status


def test_the_rule_in_words_names_every_status_and_the_tolerance():
    for word in ("Achieved:", "On track:", "Behind:", "Off track:", "No data:", "5 percentage points"):
        assert word in measures.RAG_RULE


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 5, 15), 3, date(2026, 2, 15)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),  # a shorter month gives its last day
        (date(2024, 3, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2026, 11, 26), 12, date(2025, 11, 26)),
        (date(2026, 8, 31), -6, date(2027, 2, 28)),  # and forward, as the demo plan's targets use it
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


# A value checked by hand -------------------------------------------------------------------------


def test_one_of_two_graded_audits_good_is_50_percent(app, make):
    """The fathers' engagement tool has two sections, both on the theme: one audit good in both,
    one good and requires improvement, and one not applicable (not counted). A theme counts once per
    audit, with the worse of its grades: good, requires improvement, so 1 of 2 audits graded."""
    team = make.team("Hand-checked team")
    other_team = make.team("Not counted team")
    auditor = make.user(Role.AUDITOR, team=team)
    for grades in (
        "good",
        {"identifying-and-contacting-fathers": "good", "fathers-in-assessment-and-plan": "requires-improvement"},
        "na",
    ):
        make.judgements(make.audit(make.case(team), auditor, status=AuditStatus.SUBMITTED), grades=grades)
    # Another team's inadequate audit is outside the measure's teams.
    make.judgements(make.audit(make.case(other_team), auditor, status=AuditStatus.SUBMITTED), grades="inadequate")
    leader = make.user(Role.LEADER)
    measure = make.measure(make.priority(leader), teams=[team])
    with app.app_context():
        result = measures.evaluate_all([db.session.get(Measure, measure.id)])[measure.id]
    assert result.value == 50.0
    assert result.reading.basis == "2 audits graded for the theme"
    assert result.period == (months_before(today(), 3) + timedelta(days=1), today())


# Measures that cannot be worked out --------------------------------------------------------------

WITHDRAWN = "This measure is bound to a figure that no longer exists (‘withdrawn_figure’)"
NO_THEME = "No audit tool has the theme ‘Telepathy’ now"


@pytest.fixture
def plan_with_problems(make):
    leader = make.user(Role.LEADER, name="Lena Leader")
    priority = make.priority(leader, title="Hold the line")
    make.measure(priority, title="Withdrawn measure", figure="withdrawn_figure", theme=None)
    make.measure(priority, title="Lost theme measure", theme="Telepathy")
    make.measure(priority, title="Workers supervised", figure="supervision_workers")
    return leader


def test_a_measure_that_cannot_be_worked_out_says_why_on_the_page(client, plan_with_problems):
    client.sign_in_as(plan_with_problems)
    response = client.get("/plan/")
    assert response.status_code == 200
    text = page_text(response)
    assert WITHDRAWN in text
    assert NO_THEME in text
    assert "Needs attention" in text
    assert "Workers supervised" in text  # the other measures still show


def test_a_measure_that_cannot_be_worked_out_says_why_in_the_pdf(client, plan_with_problems):
    client.sign_in_as(plan_with_problems)
    response = client.get("/plan/plan.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert WITHDRAWN in text
    assert NO_THEME in text
    assert "Needs attention" in text


def test_changing_a_withdrawn_measure_asks_for_a_figure_again(client, make):
    leader = make.user(Role.LEADER)
    measure = make.measure(make.priority(leader), figure="withdrawn_figure", theme=None)
    client.sign_in_as(leader)
    response = client.get(f"/plan/measures/{measure.id}")
    assert response.status_code == 200
    assert "no longer available (‘withdrawn_figure’)" in page_text(response)
    assert 'value="withdrawn_figure"' not in response.get_data(as_text=True)
