"""The leader's reports dashboard and the answers CSV: filters, errors, query counts, access."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from audit.clock import utcnow
from audit.extensions import db
from audit.models import AccessLogEntry, Action, Audit, AuditStatus, ReportDownload, Role
from tests.conftest import page_text
from tests.pages import assert_well_formed_page
from tests.querycount import queries_for
from tests.test_report_figures import moderate

INJECTION = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def leader(make):
    return make.user(Role.LEADER, team=make.team())


def _completed_audits(app, make, count: int, *, team=None, grade: str = "good", evidence: str = "Seen {question}."):
    team = team or make.team()
    auditor = make.user(Role.AUDITOR, team=team, name="Auditor Ann")
    audits = []
    for _ in range(count):
        audit = make.audit(make.case(team), auditor, status=AuditStatus.SUBMITTED)
        make.judgements(audit, grade)
        make.answers(audit, grade, evidence=evidence)
        audits.append(audit)
    return team, audits


def test_the_dashboard_shows_the_figures(app, client, make, leader):
    _, (audit, _) = _completed_audits(app, make, 2)
    moderate(
        app,
        audit,
        make.user(Role.MODERATOR),
        {"identifying-and-contacting-fathers": "requires-improvement", "fathers-in-assessment-and-plan": "good"},
    )
    client.sign_in_as(leader)

    response = client.get("/reports/")

    assert response.status_code == 200
    assert_well_formed_page(response)
    text = page_text(response)
    # Final grades: the moderator's RI for one of the moderated audit's two sections on the theme,
    # so that audit's theme grade is RI (a theme counts once per audit, with the worse grade): 1 of 2
    # audits; the auditors' grades alone were all good, shown beside it.
    # The theme's row of the data behind the chart (issue 14: one chart, its table behind "Show the data").
    assert "Fathers' engagement 50% (1 of 2) — few to count (auditors’ grades alone: 100%, 2 of 2)" in text
    assert "Completed in the period 2" in text
    # Auditor good (1) vs moderator RI (2) and good (1): drift (-1 + 0) / 2 = -0.5.
    assert "Overall, auditors grade 0.5 of a grade more generously than moderators" in text
    assert "auditors grades" not in text
    # Agreement as "how many of how many", with the caution for a figure over fewer than 10 (issue 14).
    assert "Exact agreement 50% (1 of 2) — few to count" in text
    html = response.get_data(as_text=True)
    assert 'role="img"' in html and "<desc id=" in html
    assert "Supervision within timescale" in text


def test_chart_labels_name_the_font_so_browsers_can_use_it(app, client, make, leader):
    # Unquoted, a family name starting with a digit ("Source Sans 3") is invalid CSS and the
    # browser falls back to its default serif font for the whole list.
    _completed_audits(app, make, 1)
    client.sign_in_as(leader)

    page = assert_well_formed_page(client.get("/reports/"))

    families = {str(text["font-family"]) for text in page.select("svg text")}
    assert families == {"'Source Sans 3', arial, sans-serif"}


def test_an_empty_period_says_there_is_no_data(client, leader):
    client.sign_in_as(leader)

    response = client.get("/reports/?from=2030-01-01&to=2030-12-31")

    assert response.status_code == 200
    assert_well_formed_page(response)
    assert "There is no data for this period" in page_text(response)


def test_gov_uk_style_dates_are_accepted(app, client, make, leader):
    _completed_audits(app, make, 1)
    today = utcnow().date()
    client.sign_in_as(leader)

    response = client.get(f"/reports/?from=1&from=1&from=2020&to={today.day}&to={today.month}&to={today.year}")

    assert "Completed in the period 1" in page_text(response)


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("from=2026-13-01", "From must be a real date"),
        ("from=31&from=2&from=2026", "From must be a real date"),
        ("from=2026-06-01&to=2026-01-01", "The ‘to’ date must be the same as or after the ‘from’ date"),
        ("team=999999", "Select a team from the list"),
        ("tool=abc", "Select an audit tool from the list"),
        ("theme=Astrology", "Select a theme from the list"),
    ],
)
def test_bad_filters_are_explained(client, leader, query, error):
    client.sign_in_as(leader)

    response = client.get(f"/reports/?{query}")

    assert response.status_code == 200
    assert_well_formed_page(response)
    text = page_text(response)
    assert "There is a problem" in text and error in text
    assert "Grades by theme" not in text


def test_filters_narrow_the_figures(app, client, make, leader):
    team, _ = _completed_audits(app, make, 1)
    _completed_audits(app, make, 2, grade="inadequate")
    client.sign_in_as(leader)

    text = page_text(client.get(f"/reports/?team={team.id}&theme=Fathers%27+engagement"))

    assert "Completed in the period 1" in text
    assert "Fathers' engagement 100% (1 of 1) — few to count" in text


def test_the_dashboard_sends_the_same_queries_for_few_and_many_audits(app, client, make, leader):
    client.sign_in_as(leader)
    _completed_audits(app, make, 2)
    few = queries_for(app, client, "/reports/")
    _completed_audits(app, make, 12, grade="requires-improvement")
    many = queries_for(app, client, "/reports/")
    assert few.count == many.count, f"few: {few}\nmany: {many}"


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_csv_has_one_row_per_answer_and_is_safe_in_a_spreadsheet(app, client, make, leader):
    _, (audit,) = _completed_audits(app, make, 1, evidence=INJECTION)
    with app.app_context():
        saved = db.session.get(Audit, audit.id)
        answers = len(saved.answers)
        reference = saved.case.reference
        typed = next(answer for answer in saved.answers if answer.choice)
        typed.choice, typed.text_value = None, "-1+2"
        db.session.commit()
    client.sign_in_as(leader)

    response = client.get("/reports/answers.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:3] == ["audit_id", "case_reference", "team"]
    assert len(rows) == 1 + answers
    assert {row[1] for row in rows[1:]} == {reference}
    grades = [row[8] for row in rows[1:] if row[8] == "Good"]
    assert grades, "the grade questions give the grade's label"
    assert [row[8] for row in rows[1:] if "1+2" in row[8]] == ["'-1+2"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_csv_applies_the_filters_and_logs_the_export(app, client, make, leader):
    team, (kept,) = _completed_audits(app, make, 1)
    _completed_audits(app, make, 1)
    client.sign_in_as(leader)

    rows = _csv(client.get(f"/reports/answers.csv?team={team.id}"))

    assert {row[0] for row in rows[1:]} == {str(kept.id)}
    with app.app_context():
        logged = db.session.execute(
            select(AccessLogEntry.record_id, AccessLogEntry.case_id).where(
                AccessLogEntry.user_id == leader.id, AccessLogEntry.action == "export"
            )
        ).all()
    assert logged == [(kept.id, kept.case_id)]
    with app.app_context():
        download = db.session.scalars(select(ReportDownload)).one()
    assert (download.user_id, download.report, download.via) == (leader.id, "answers-csv", "web")
    assert json.loads(download.filters)["team_ids"] == str(team.id)


def test_the_actions_csv_has_a_row_per_action_with_its_status(app, client, make, leader):
    team, (audit,) = _completed_audits(app, make, 1)
    _completed_audits(app, make, 1)  # another team's, filtered out
    with app.app_context():
        owner = db.session.get(Audit, audit.id).auditor_id
        for due, completed, description in (
            (date(2020, 1, 10), datetime(2020, 1, 9, 12), "=cmd|' /C calc'!A0"),
            (date(2020, 1, 10), datetime(2020, 1, 11, 12), "Late but done"),
            (date(2020, 1, 10), None, "Still open"),
            (date(2099, 1, 10), None, "Not yet due"),
        ):
            db.session.add(
                Action(
                    audit_id=audit.id,
                    description=description,
                    owner_id=owner,
                    due_date=due,
                    created_by_id=owner,
                    completed_at=completed,
                )
            )
        db.session.commit()
    client.sign_in_as(leader)

    response = client.get(f"/reports/actions.csv?team={team.id}")

    rows = _csv(response)
    assert rows[0][:3] == ["action_id", "audit_id", "case_reference"]
    by_action = {row[5]: (row[8], row[10]) for row in rows[1:]}
    assert by_action == {
        "'=cmd|' /C calc'!A0": ("completed", "yes"),
        "Late but done": ("completed", "no"),
        "Still open": ("overdue", ""),
        "Not yet due": ("open", ""),
    }
    with app.app_context():
        download = db.session.scalars(select(ReportDownload)).one()
    assert download.report == "actions-csv"


def test_the_csv_refuses_bad_filters(client, leader):
    client.sign_in_as(leader)

    response = client.get("/reports/answers.csv?from=nonsense")

    assert response.status_code == 400
    assert "From must be a real date" in page_text(response)


def test_an_empty_csv_is_just_the_header(app, client, leader):
    client.sign_in_as(leader)

    rows = _csv(client.get("/reports/answers.csv?from=2030-01-01&to=2030-01-31"))

    assert len(rows) == 1


@pytest.mark.parametrize("role", [role for role in Role if role != Role.LEADER])
@pytest.mark.parametrize("path", ["/reports/", "/reports/answers.csv", "/reports/actions.csv", "/reports/themed.pdf"])
def test_only_leaders_see_reports(app, client, make, role, path):
    client.sign_in_as(make.user(role, team=make.team()))

    response = client.get(path)

    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AccessLogEntry.action == "export")) == 0


def test_an_audit_submitted_late_on_the_last_day_counts(app, client, make, leader):
    _, (audit,) = _completed_audits(app, make, 1)
    with app.app_context():
        # 23:59 on 31 March in the UK (British Summer Time began on the 29th): 22:59 UTC.
        db.session.get(Audit, audit.id).submitted_at = datetime(2026, 3, 31, 22, 59)
        db.session.commit()
    client.sign_in_as(leader)

    assert "Completed in the period 1" in page_text(client.get("/reports/?from=2026-03-01&to=2026-03-31"))
    with app.app_context():  # 00:30 on 1 April in the UK is April's, though its UTC date is 31 March
        db.session.get(Audit, audit.id).submitted_at = datetime(2026, 3, 31, 23, 30)
        db.session.commit()
    assert "Completed in the period 0" in page_text(client.get("/reports/?from=2026-03-01&to=2026-03-31"))
    assert "Completed in the period 1" in page_text(client.get("/reports/?from=2026-04-01&to=2026-04-30"))


def test_supervision_on_the_dashboard_honours_the_team_filter_as_the_pdf_does(app, client, make, leader):
    """The same team filter gave every team's supervision on the dashboard and the team's in the PDF."""
    chosen, other = make.team("Chosen Team"), make.team("Other Team")
    make.user(Role.PRACTITIONER, team=chosen)
    make.user(Role.PRACTITIONER, team=other)
    make.user(Role.PRACTITIONER, team=other)
    client.sign_in_as(leader)

    text = page_text(client.get(f"/reports/?team={chosen.id}"))

    assert "for the team chosen" in text
    assert "of workers (0 of 1)" in text
    assert "of workers (0 of 3)" in page_text(client.get("/reports/"))
