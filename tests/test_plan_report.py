"""The plan page, its PDF for the improvement board and the `flask report plan` command, the demo
plan, and the page's queries."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from audit.clock import today
from audit.domain import tools
from audit.extensions import db
from audit.models import AuditStatus, Measure, PlanAction, Priority, ReportDownload, Role
from audit.reporting.measures import FIGURES
from tests.conftest import page_text
from tests.pages import assert_well_formed_page, parse, pdf_fonts, pdf_text, text_of
from tests.querycount import queries_for


@pytest.fixture
def plan(app, make):
    """A priority with a green theme measure (3 of 4 audits good against a 60% target: the fourth
    audit's two fathers' sections are good and inadequate, and the theme counts once, as inadequate), a supervision
    measure with no workers (no data), an overdue action and a done one."""
    team = make.team("Plan Team")
    auditor = make.user(Role.AUDITOR, team=team)
    leader = make.user(Role.LEADER, name="Lena Leader")
    supervisor = make.user(Role.SUPERVISOR, team=team, name="Sasha Supervisor")
    for grades in (
        "good",
        "good",
        "good",
        {"identifying-and-contacting-fathers": "good", "fathers-in-assessment-and-plan": "inadequate"},
    ):
        make.judgements(make.audit(make.case(team), auditor, status=AuditStatus.SUBMITTED), grades=grades)
    priority = make.priority(
        leader,
        title="Fathers seen and heard",
        source="Ofsted ILACS monitoring visit, March 2026: recommendation 2",
        description="Fathers are missing from assessments.",
        target_date=today() + timedelta(days=200),
    )
    make.measure(
        priority,
        title="60% good or better for fathers",
        baseline_value=40.0,
        baseline_on=today() - timedelta(days=100),
        target_value=60.0,
        target_on=today() + timedelta(days=200),
        teams=[team],
    )
    make.measure(
        priority,
        title="Workers supervised on time",
        figure="supervision_workers",
        teams=[make.team("Empty team")],
        baseline_on=today() - timedelta(days=100),
        target_on=today() + timedelta(days=200),
    )
    make.plan_action(priority, supervisor, description="Name every father", due_date=today() - timedelta(days=3))
    make.plan_action(
        priority,
        leader,
        description="Train every team",
        due_date=today() - timedelta(days=10),
        status="done",
        completed_on=today() - timedelta(days=12),
    )
    return leader


def test_the_plan_page_shows_priorities_measures_actions_and_the_rule(client, plan):
    client.sign_in_as(plan)
    response = client.get("/plan/")
    assert response.status_code == 200
    assert_well_formed_page(response)
    text = page_text(response)
    for expected in (
        "1. Fathers seen and heard",
        "Ofsted ILACS monitoring visit, March 2026: recommendation 2",
        "Lena Leader",
        "Fathers are missing from assessments.",
        # The theme measure: value, what it is based on, the period, in words, and its status word.
        "60% good or better for fathers",
        "75%",
        "4 audits graded for the theme",
        "% good or better for ‘Fathers' engagement’ in Plan Team, audits completed in the last 3 months",
        "The target is met",
        # The supervision measure has nothing to count.
        "0 workers, as at",
        "Nothing to measure yet",
        # Actions, with the overdue one marked.
        "Name every father",
        "Sasha Supervisor",
        "Overdue",
        "Done on",
        # The rule, and the summary.
        "Behind below that line, by no more than 5 percentage points: it can still catch up",
        "2 measures of success",
        "2 actions Done 1 Not done yet 1 Overdue 1",
    ):
        assert expected in text, expected
    page = parse(response)
    assert len(page.find_all(string="Overdue")) == 1
    # The status tags carry the word, not only a colour.
    tags = {(tag["class"][1], text_of(tag)) for tag in page.select("strong.govuk-tag")}
    assert ("govuk-tag--green", "Achieved") in tags
    assert ("govuk-tag--grey", "No data") in tags


def test_an_empty_plan_says_so(client, make):
    client.sign_in_as(make.user(Role.LEADER))
    response = client.get("/plan/")
    assert response.status_code == 200
    assert "The plan has no priorities yet" in page_text(response)


def test_the_pdf_is_a_report_for_the_board_and_the_download_is_recorded(app, client, plan):
    client.sign_in_as(plan)
    response = client.get("/plan/plan.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f'filename="improvement-plan-{today().isoformat()}.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for expected in (
        app.config["COUNCIL_NAME"],
        "Improvement plan: progress report",
        f"Progress as at {today().day} {today():%B %Y}",
        "by Lena Leader",
        "Summary of measures",
        "1.1 60% good or better for fathers",
        "Achieved",
        "No data",
        "Overdue",
        "What the statuses mean",
        "Off track: more than 5 points below that line",
        "Ofsted ILACS monitoring visit, March 2026: recommendation 2",
    ):
        assert expected in text, expected
    assert "Source-Sans-3" in pdf_fonts(response.data)  # the service font, embedded
    with app.app_context():
        download = db.session.scalar(select(ReportDownload))
        assert (download.report, download.via, download.user_id) == ("plan-pdf", "web", plan.id)
        assert json.loads(download.filters) == {"on": today().isoformat()}


def test_a_supervisor_may_download_the_pdf(client, make, plan):
    client.sign_in_as(make.user(Role.SUPERVISOR, team=make.team()))
    response = client.get("/plan/plan.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and "Fathers seen and heard" in pdf_text(response.data)


def test_the_command_writes_the_pdf_and_records_it(app, plan, tmp_path):
    out = tmp_path / "plan.pdf"
    result = app.test_cli_runner().invoke(args=["report", "plan", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote the improvement plan (1 priority, 2 measures)" in result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Improvement plan: progress report" in text
    assert "by a scheduled run" in text
    with app.app_context():
        download = db.session.scalar(select(ReportDownload))
        assert (download.report, download.via, download.user_id) == ("plan-pdf", "command", None)


def test_the_command_needs_somewhere_to_write(app):
    result = app.test_cli_runner().invoke(args=["report", "plan"])
    assert result.exit_code != 0
    assert "--out" in result.output


# The demo plan -----------------------------------------------------------------------------------


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_adds_a_plan_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--cases", "30", "--audits", "40"])
    assert first.exit_code == 0, first.output
    assert "Added an improvement plan with 4 priorities" in first.output
    counts = (_count(app, Priority), _count(app, Measure), _count(app, PlanAction))
    assert counts[0] == 4

    second = runner.invoke(args=["seed-demo", "--cases", "30", "--audits", "40"])
    assert second.exit_code == 0, second.output
    assert "improvement plan" not in second.output
    assert (_count(app, Priority), _count(app, Measure), _count(app, PlanAction)) == counts

    with app.app_context():
        measures = db.session.scalars(select(Measure)).all()
        themes = tools.all_themes()
        assert all(measure.figure in FIGURES for measure in measures)
        assert any(measure.figure == "theme_good_or_better" and measure.theme in themes for measure in measures)
        assert all(measure.theme in themes for measure in measures if measure.theme)
        assert any(measure.figure.startswith("supervision_") for measure in measures)
        actions = db.session.scalars(select(PlanAction)).all()
        assert {action.status for action in actions} == {"not_started", "in_progress", "done"}
        overdue = [action for action in actions if action.status != "done" and action.due_date < today()]
        assert len(overdue) == 1
        assert all(action.completed_on for action in actions if action.status == "done")


def test_the_demo_plan_is_not_added_to_a_council_that_keeps_its_own(app, make):
    from audit.demo.plan import seed_plan

    make.priority(make.user(Role.LEADER))
    with app.app_context():
        assert seed_plan() == 0
    assert _count(app, Priority) == 1


def test_the_demo_plan_page_renders(app, client):
    assert app.test_cli_runner().invoke(args=["seed-demo", "--cases", "30", "--audits", "40"]).exit_code == 0
    with app.app_context():
        from audit.domain import people

        leader = people.user_by_email("leader@demo.example")
        db.session.expunge(leader)
    client.sign_in_as(leader)
    response = client.get("/plan/")
    assert response.status_code == 200
    assert_well_formed_page(response)
    text = page_text(response)
    assert "no longer exists" not in text  # every demo measure is bound to a real figure
    assert "No audit tool has the theme" not in text  # and theme


# Queries -----------------------------------------------------------------------------------------


def test_the_plan_page_sends_the_same_queries_however_many_audits_and_actions(app, client, make, plan):
    """It may grow with the number of measures (each is worked out by its report figure), never
    with the audits counted or the priorities and actions shown."""
    client.sign_in_as(plan)
    team = make.team("Busy plan team")
    auditor = make.user(Role.AUDITOR, team=team)
    client.get("/plan/")
    few = queries_for(app, client, "/plan/")

    for _ in range(15):
        make.judgements(make.audit(make.case(team), auditor, status=AuditStatus.SUBMITTED), grades="good")
    leader = make.user(Role.LEADER)
    for _ in range(3):
        priority = make.priority(leader)
        for _ in range(3):
            make.plan_action(priority, leader)
    many = queries_for(app, client, "/plan/")

    assert many.count == few.count, f"before:\n{few}\n\nafter:\n{many}"
    assert few.count <= 20, str(few)
