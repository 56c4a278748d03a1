"""Safeguarding concerns with teeth: a response time in UK working days, overdue and escalated when
it passes (shown with its age wherever the concern appears), and a cap on the overall grade of an
audit that raised one unless a leader records an override."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from audit.clock import utcnow
from audit.domain import follow_up
from audit.extensions import db
from audit.models import Audit, AuditStatus, Role, SafeguardingConcern
from tests.audit_forms import complete_post
from tests.conftest import page_text
from tests.pages import pdf_text


def _concern(raised_at: datetime) -> SafeguardingConcern:
    return SafeguardingConcern(raised_at=raised_at, details="Worry")


@pytest.mark.parametrize(
    ("raised_at", "respond_by"),
    [
        (datetime(2026, 11, 27, 15, 0), date(2026, 11, 30)),  # Friday afternoon: by Monday
        (datetime(2026, 11, 28, 10, 0), date(2026, 11, 30)),  # Saturday: by Monday
        (datetime(2026, 11, 30, 9, 0), date(2026, 12, 1)),  # Monday: by Tuesday
        # 23:30 UTC on Sunday 29 March 2026 is 00:30 on Monday in BST: by Tuesday, not Monday.
        (datetime(2026, 3, 29, 23, 30), date(2026, 3, 31)),
        # 23:30 UTC on Saturday 24 October 2026 is 00:30 on Sunday in BST (the clocks go back that
        # night): a Sunday concern, due by Monday.
        (datetime(2026, 10, 24, 23, 30), date(2026, 10, 26)),
    ],
)
def test_a_concern_is_due_by_the_end_of_the_next_uk_working_day(raised_at, respond_by):
    concern = _concern(raised_at)
    assert follow_up.respond_by(concern) == respond_by
    assert not follow_up.is_overdue(concern, on=respond_by)
    assert follow_up.is_overdue(concern, on=respond_by + timedelta(days=1))


def test_the_response_time_is_a_setting(app):
    concern = _concern(datetime(2026, 11, 27, 15, 0))  # a Friday
    follow_up.set_response_time(3)
    try:
        assert follow_up.respond_by(concern) == date(2026, 12, 2)  # Monday, Tuesday, Wednesday
    finally:
        follow_up.set_response_time(1)
    with pytest.raises(ValueError):
        follow_up.set_response_time(0)


@pytest.fixture
def overdue(app, make):
    team = make.team("Concern Team")
    manager = make.user(Role.SUPERVISOR, team=team)
    leader = make.user(Role.LEADER)
    case = make.case(team, worker=make.user(Role.PRACTITIONER, team=team), reference="CON-000001")
    auditor = make.user(Role.AUDITOR, team=make.team("Concern Quality"))
    audit = make.audit(case, auditor, tool="assessment-and-planning", status=AuditStatus.IN_PROGRESS)
    with app.app_context():
        concern = SafeguardingConcern(
            audit_id=audit.id,
            team_id=team.id,
            details="No visit to the child for nine weeks despite a child protection plan",
            raised_by_id=auditor.id,
            raised_at=utcnow() - timedelta(days=32),
        )
        db.session.add(concern)
        db.session.commit()
        concern_id = concern.id
    return {"manager": manager, "leader": leader, "auditor": auditor, "audit": audit, "concern": concern_id}


def test_a_concern_past_its_response_time_is_escalated_once_and_shown_overdue_with_its_age(app, client, overdue):
    first = app.test_cli_runner().invoke(args=["concerns", "escalate"])
    assert "Escalated 1 overdue concern to leaders." in first.output
    with app.app_context():
        concern = db.session.get(SafeguardingConcern, overdue["concern"])
        assert concern is not None and concern.escalated_at is not None
        escalated_at = concern.escalated_at
    again = app.test_cli_runner().invoke(args=["concerns", "escalate"])
    assert "Escalated 0 overdue concerns to leaders." in again.output
    assert "CON-000001" not in again.output  # no child's reference in a terminal or a log
    with app.app_context():
        assert db.session.get(SafeguardingConcern, overdue["concern"]).escalated_at == escalated_at

    client.sign_in_as(overdue["leader"])
    listed = page_text(client.get("/audits/concerns"))
    assert "32 days ago" in listed and "Overdue" in listed and "Escalated to leaders" in listed
    home = page_text(client.get("/"))
    assert "raised 32 days ago" in home and "overdue" in home
    start = (date.today() - timedelta(days=60)).isoformat()
    dashboard = page_text(client.get(f"/reports/?from={start}&to={date.today().isoformat()}"))
    assert "Auditors raised 1 immediate safeguarding concern in the period" in dashboard
    assert "1 is still open" in dashboard
    pdf = client.get(f"/reports/themed.pdf?from={start}&to={date.today().isoformat()}")
    text = " ".join(pdf_text(pdf.data).split())
    assert "Safeguarding concerns" in text and "CON-000001" in text
    assert "Open, 32 days, overdue and escalated" in text
    client.sign_in_as(overdue["manager"])
    page = page_text(client.get(f"/audits/concerns/{overdue['concern']}"))
    assert "overdue" in page and "escalated to leaders on" in page


def test_a_concern_caps_the_overall_grade_until_a_leader_overrides_it(app, client, overdue):
    audit = overdue["audit"]
    client.sign_in_as(overdue["auditor"])
    data = complete_post(app, audit.id, grade="good")

    refused = client.post(f"/audits/{audit.id}/edit/all", data={**data, "action": "submit"})

    assert refused.status_code == 200
    assert "raised an immediate safeguarding concern, so its overall grade cannot be good or better" in page_text(
        refused
    )
    with app.app_context():
        assert db.session.get(Audit, audit.id).status == AuditStatus.IN_PROGRESS.value

    assert client.get(f"/audits/{audit.id}/grade-override").status_code == 403  # only leaders
    client.sign_in_as(overdue["leader"])
    shown = client.get(f"/audits/{audit.id}")
    assert "Record an override of the grade rule" in page_text(shown)
    missing = client.post(f"/audits/{audit.id}/grade-override", data={"reason": ""})
    assert "Enter why the audit may be graded good or better" in page_text(missing)
    recorded = client.post(
        f"/audits/{audit.id}/grade-override",
        data={"reason": "The concern was about the health visitor's missed visits; our practice was good."},
    )
    assert recorded.status_code == 302
    assert "Grade rule overridden" in page_text(client.get(f"/audits/{audit.id}"))

    client.sign_in_as(overdue["auditor"])
    with app.app_context():
        version = db.session.get(Audit, audit.id).version
    submitted = client.post(f"/audits/{audit.id}/edit/all", data={**data, "version": str(version), "action": "submit"})
    assert submitted.status_code == 302, page_text(submitted)
    with app.app_context():
        saved = db.session.scalar(select(Audit).where(Audit.id == audit.id))
        assert saved is not None and saved.status == AuditStatus.SUBMITTED.value
        assert saved.grade_override_by_id == overdue["leader"].id


def test_an_audit_that_raised_a_concern_may_be_graded_below_good_without_an_override(app, client, overdue):
    audit = overdue["audit"]
    client.sign_in_as(overdue["auditor"])
    data = complete_post(app, audit.id, grade="requires-improvement")
    response = client.post(f"/audits/{audit.id}/edit/all", data={**data, "action": "submit"})
    assert response.status_code == 302, page_text(response)


def test_concern_figures_cut_the_period_on_uk_dates_and_count_the_response(app, make):
    from audit.reporting.concerns import concern_figures
    from audit.reporting.figures import ReportScope

    team = make.team("Figures Team")
    other = make.team("Other Figures Team")
    auditor = make.user(Role.AUDITOR, team=make.team("Figures Quality"))
    manager = make.user(Role.SUPERVISOR, team=team)
    audit = make.audit(make.case(team, reference="FIG-000001"), auditor)
    elsewhere = make.audit(make.case(other, reference="FIG-000002"), auditor)
    with app.app_context():
        db.session.add_all(
            [
                # 00:30 BST on 1 October: an October concern, acknowledged the next working day.
                SafeguardingConcern(
                    audit_id=audit.id,
                    team_id=team.id,
                    details="One",
                    raised_by_id=auditor.id,
                    raised_at=datetime(2026, 9, 30, 23, 30),
                    acknowledged_at=datetime(2026, 10, 2, 9, 0),
                    acknowledged_by_id=manager.id,
                    action_taken="Visited the same day.",
                ),
                # 23:30 BST on 30 September: a September concern, outside the period.
                SafeguardingConcern(
                    audit_id=audit.id,
                    team_id=team.id,
                    details="Two",
                    raised_by_id=auditor.id,
                    raised_at=datetime(2026, 9, 30, 22, 30),
                ),
                # Acknowledged late (raised on a Monday, acknowledged on the Thursday).
                SafeguardingConcern(
                    audit_id=audit.id,
                    team_id=team.id,
                    details="Three",
                    raised_by_id=auditor.id,
                    raised_at=datetime(2026, 10, 5, 10, 0),
                    acknowledged_at=datetime(2026, 10, 8, 10, 0),
                    acknowledged_by_id=manager.id,
                    action_taken="Strategy discussion held.",
                ),
                # Still open; and one in another team, left out by the team filter.
                SafeguardingConcern(
                    audit_id=audit.id,
                    team_id=team.id,
                    details="Four",
                    raised_by_id=auditor.id,
                    raised_at=datetime(2026, 10, 20, 10, 0),
                ),
                SafeguardingConcern(
                    audit_id=elsewhere.id,
                    team_id=other.id,
                    details="Five",
                    raised_by_id=auditor.id,
                    raised_at=datetime(2026, 10, 21, 10, 0),
                ),
            ]
        )
        db.session.commit()

        figures = concern_figures(ReportScope(date(2026, 10, 1), date(2026, 10, 31), team_ids=(team.id,)))

    assert figures.raised == 3
    assert figures.acknowledged == 2 and figures.acknowledged_in_time == 1
    assert [row.raised_on for row in figures.rows] == [date(2026, 10, 1), date(2026, 10, 5), date(2026, 10, 20)]
    assert figures.median_days_to_acknowledge == 2  # 1 day and 3 days
    assert [row.case_reference for row in figures.still_open] == ["FIG-000001"]
    assert figures.still_open[0].overdue
    assert [row.action_taken for row in figures.rows][:2] == ["Visited the same day.", "Strategy discussion held."]


def test_the_response_time_comes_from_the_setting(tmp_path, monkeypatch):
    from tests.conftest import make_test_app

    monkeypatch.setenv("CONCERN_RESPONSE_WORKING_DAYS", "2")
    try:
        make_test_app(f"sqlite:///{tmp_path / 'setting.db'}")
        assert follow_up.response_working_days() == 2
    finally:
        follow_up.set_response_time(1)
