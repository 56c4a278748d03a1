"""The home page lists everything waiting for each of the user's roles, with counts and ages; the
lists that can be empty say so; and the acknowledge and reflection forms show what they are about."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from audit.clock import today
from audit.extensions import db
from audit.models import Action, Audit, AuditStatus, Role, SafeguardingConcern, SupervisionRecord
from tests.pages import assert_well_formed_page, page_text, parse
from tests.querycount import queries_for


def _days_ago(days: int) -> datetime:
    """A stored (UTC) time at midday ``days`` UK days ago: the same UK date whatever the season."""
    return datetime.combine(today() - timedelta(days=days), time(12, 0))


def _text(response) -> str:
    """Page text without the space a tag leaves before punctuation."""
    return re.sub(r" ([:,.)])", r"\1", page_text(response))


def _hrefs(response) -> set[str]:
    return {str(link["href"]) for link in parse(response).find_all("a", href=True)}


def _update(app, model, record_id, **values):
    with app.app_context():
        record = db.session.get(model, record_id)
        for name, value in values.items():
            setattr(record, name, value)
        db.session.commit()


def _concern(app, audit, *, days_ago=0, details="Bruising seen at the last visit was not followed up"):
    with app.app_context():
        concern = SafeguardingConcern(
            audit_id=audit.id,
            team_id=audit.team_id,
            details=details,
            raised_by_id=audit.auditor_id,
            raised_at=_days_ago(days_ago),
        )
        db.session.add(concern)
        db.session.commit()
        return concern.id


def _action(app, audit, owner, *, due_in_days):
    with app.app_context():
        db.session.add(
            Action(
                audit_id=audit.id,
                description="Ring the father",
                owner_id=owner.id,
                due_date=today() + timedelta(days=due_in_days),
                created_by_id=audit.auditor_id,
            )
        )
        db.session.commit()


@pytest.fixture
def team(make):
    """A team with a manager, two practitioners and a case; an auditor from elsewhere; a leader."""
    north = make.team("North Home")
    worker = make.user(Role.PRACTITIONER, team=north, name="Wendy Worker")
    return {
        "team": north,
        "worker": worker,
        "colleague": make.user(Role.PRACTITIONER, team=north, name="Colin Colleague"),
        "manager": make.user(Role.SUPERVISOR, team=north, name="Nadia Manager"),
        "case": make.case(north, worker=worker, reference="HOME-0001"),
        "auditor": make.user(Role.AUDITOR, team=make.team("Quality Home"), name="Audrey Auditor"),
        "leader": make.user(Role.LEADER, name="Lee Leader"),
    }


# What is waiting, role by role --------------------------------------------------------------------


def test_the_practitioner_sees_supervision_to_acknowledge_with_its_age(app, client, make, team):
    older = make.supervision(team["manager"], team["worker"], status="completed", held_on=today() - timedelta(9))
    _update(app, SupervisionRecord, older.id, completed_at=_days_ago(8))
    make.supervision(team["manager"], team["worker"], status="completed")
    make.supervision(team["manager"], team["worker"], status="draft")  # not theirs to see yet
    audit = make.audit(team["case"], team["auditor"], status=AuditStatus.SUBMITTED)
    _action(app, audit, team["worker"], due_in_days=-1)
    _action(app, audit, team["worker"], due_in_days=3)
    client.sign_in_as(team["worker"])

    home = client.get("/")

    assert_well_formed_page(home)
    text = _text(home)
    assert "Your supervision: 2 records waiting for your acknowledgement, the oldest completed 8 days ago" in text
    assert "Audits of your cases: 1 audit waiting for your reflection" in text
    assert "My actions: 2 open actions, 1 overdue" in text
    assert "/supervision/" in _hrefs(home)


def test_one_record_waiting_says_when_it_was_completed(app, client, make, team):
    record = make.supervision(team["manager"], team["worker"], status="completed")
    _update(app, SupervisionRecord, record.id, completed_at=_days_ago(1))
    client.sign_in_as(team["worker"])
    assert "1 record waiting for your acknowledgement, completed yesterday" in _text(client.get("/"))


def test_the_supervisor_sees_drafts_records_awaiting_workers_overdue_workers_and_aged_concerns(app, client, make, team):
    make.supervision(team["manager"], team["worker"], status="draft")
    make.supervision(team["manager"], team["colleague"], status="draft")
    make.supervision(team["manager"], team["worker"], status="completed")
    # Colin was supervised today: within timescale. Wendy never has been (completed is not acknowledged
    # yet, but counts: the supervisor signed it). So add a worker who has never been supervised.
    make.supervision(team["manager"], team["colleague"], status="acknowledged")
    make.user(Role.PRACTITIONER, team=team["team"], name="Nora Newstarter")
    audit = make.audit(team["case"], team["auditor"], status=AuditStatus.SUBMITTED)
    _concern(app, audit, days_ago=32)
    _concern(app, audit, days_ago=3, details="Second concern")
    client.sign_in_as(team["manager"])

    home = client.get("/")

    assert_well_formed_page(home)
    text = _text(home)
    assert (
        "Supervision you record: 2 drafts to complete, 1 completed record waiting for the worker's acknowledgement"
        in text
    )
    assert "Supervision within timescale: 1 worker overdue for supervision (Nora Newstarter)" in text
    assert "Safeguarding concerns: 2 open concerns, the oldest raised 32 days ago" in text
    # Each concern in the banner says how long it has been waiting.
    ages = [node.get_text(" ", strip=True) for node in parse(home).select(".app-concern-age")]
    assert ages == ["raised 32 days ago", "raised 3 days ago"]
    assert {"/supervision/", "/supervision/compliance", "/audits/concerns"} <= _hrefs(home)


def test_the_auditor_sees_their_audits(app, client, make, team):
    make.audit(team["case"], team["auditor"], due_date=today() - timedelta(days=2))
    make.audit(team["case"], team["auditor"], status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(team["auditor"])
    assert "My audits: 2 audits to complete, 1 overdue" in _text(client.get("/"))


def test_the_leader_sees_headline_figures_and_links_to_reports_and_the_plan(app, client, make, team):
    make.audit(team["case"], team["auditor"], due_date=today() - timedelta(days=2))
    make.audit(team["case"], team["auditor"], status=AuditStatus.IN_PROGRESS)
    make.audit(team["case"], team["auditor"], status=AuditStatus.SUBMITTED)
    make.supervision(team["manager"], team["worker"], status="acknowledged")  # 1 of the 2 workers in time
    _concern(app, make.audit(team["case"], team["auditor"], status=AuditStatus.SUBMITTED), days_ago=4)
    client.sign_in_as(team["leader"])

    home = client.get("/")

    assert_well_formed_page(home)
    figures = {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(" ", strip=True)
        for row in parse(home).select(".app-leader-figures .govuk-summary-list__row")
    }
    assert figures == {
        "Open audits": "2, 1 overdue",
        "Open safeguarding concerns": "1",
        "Workers supervised within timescale": "50%",
    }
    text = _text(home)
    assert "Safeguarding concerns: 1 open concern in every team, raised 4 days ago" in text
    assert {"/reports/", "/plan/"} <= _hrefs(home)


# Empty states -------------------------------------------------------------------------------------


def test_a_supervisor_with_nothing_waiting_is_told_so(client, make):
    client.sign_in_as(make.user(Role.SUPERVISOR, team=make.team("Empty Home")))
    text = _text(client.get("/"))
    assert "Supervision you record: no drafts to complete, no completed records waiting" in text
    assert "no workers overdue for supervision" in text
    assert "Safeguarding concerns: no open concerns for your team" in text


def test_a_practitioner_with_nothing_waiting_is_told_so(client, team):
    client.sign_in_as(team["worker"])
    text = _text(client.get("/"))
    assert "Your supervision: no records waiting for your acknowledgement" in text
    assert "no audits waiting for your reflection" in text


def test_a_leader_with_no_workers_sees_that_rather_than_a_percentage(client, make):
    client.sign_in_as(make.user(Role.LEADER))
    home = client.get("/")
    text = page_text(home)
    assert "Workers supervised within timescale No workers yet" in text
    assert "Open audits None" in text
    assert "Open safeguarding concerns None" in text
    assert "Safeguarding concerns: no open concerns" in _text(home)


@pytest.mark.parametrize("roles", [(Role.SUPERVISOR,), (Role.LEADER,), (Role.PRACTITIONER,), (Role.AUDITOR,)])
def test_my_audits_says_when_each_list_is_empty(client, make, roles):
    client.sign_in_as(make.user(*roles, team=make.team()))
    mine = client.get("/audits/mine")
    assert_well_formed_page(mine)
    text = page_text(mine)
    assert "You have no audits assigned to you." in text
    assert "No audits are waiting for your reflection." in text


# The home page costs the same at any size ---------------------------------------------------------


def test_the_home_page_queries_do_not_grow_with_the_data(app, client, make, team):
    everyone = make.user(
        Role.PRACTITIONER, Role.SUPERVISOR, Role.AUDITOR, Role.LEADER, team=team["team"], name="Ella Everything"
    )
    case = make.case(team["team"], worker=everyone)

    def add_some():
        audit = make.audit(case, everyone, status=AuditStatus.SUBMITTED)
        make.audit(case, everyone, due_date=today() - timedelta(days=1))
        _concern(app, audit, days_ago=2)
        _action(app, audit, everyone, due_in_days=-1)
        make.supervision(everyone, team["worker"], status="draft")
        make.supervision(everyone, team["worker"], status="completed", cases=[case])
        make.supervision(team["manager"], everyone, status="completed")
        make.user(Role.PRACTITIONER, team=team["team"])

    add_some()
    client.sign_in_as(everyone)
    client.get("/")  # the first request loads what every request then has
    few = queries_for(app, client, "/")
    for _ in range(3):
        add_some()
    many = queries_for(app, client, "/")

    assert many.count == few.count, f"{few}\n---\n{many}"
    assert "Safeguarding concerns: 4 open concerns" in _text(client.get("/"))


# The forms show what they are about ---------------------------------------------------------------


def test_the_concern_acknowledge_form_shows_the_concern(app, client, make, team):
    audit = make.audit(team["case"], team["auditor"], status=AuditStatus.SUBMITTED)
    concern_id = _concern(app, audit, days_ago=6, details="Mother said the father is back home.")
    client.sign_in_as(team["manager"])

    page = client.get(f"/audits/concerns/{concern_id}")

    assert_well_formed_page(page)
    details = {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(" ", strip=True)
        for row in parse(page).select(".app-concern-details .govuk-summary-list__row")
    }
    assert details["Case"] == "HOME-0001, North Home team"
    assert details["Raised by"] == "Audrey Auditor"
    assert details["Raised on"].endswith("(6 days ago)")
    assert details["What the auditor wrote"] == "Mother said the father is back home."
    assert parse(page).find("form") is not None


def test_the_reflection_form_shows_what_is_reflected_on(app, client, make, team):
    audit = make.judgements(
        make.audit(team["case"], team["auditor"], tool="assessment-and-planning", status=AuditStatus.SUBMITTED),
        overall="good",
    )
    _update(app, Audit, audit.id, strengths="Clear analysis of risk.", areas_for_development=None)
    client.sign_in_as(team["worker"])

    page = client.get(f"/audits/{audit.id}/reflection")

    assert_well_formed_page(page)
    shown = {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(" ", strip=True)
        for row in parse(page).select(".app-reflecting-on .govuk-summary-list__row")
    }
    assert shown["Case"] == "HOME-0001"
    assert shown["Overall grade"] == "Good"
    assert shown["Strengths"] == "Clear analysis of risk."
    assert shown["Areas for development"] == "Not recorded yet"  # as the read-only audit words it
    assert shown["Submitted"] not in ("", "Not submitted yet")


def test_the_supervision_acknowledge_form_shows_the_record(app, client, make, team):
    record = make.supervision(team["manager"], team["worker"], status="completed", cases=[team["case"]])
    with app.app_context():
        db.session.add(
            Action(
                supervision_id=record.id,
                description="Visit the father this week",
                owner_id=team["worker"].id,
                due_date=today() + timedelta(days=7),
                created_by_id=team["manager"].id,
            )
        )
        db.session.commit()
    client.sign_in_as(team["worker"])

    page = client.get(f"/supervision/{record.id}/acknowledge")

    assert_well_formed_page(page)
    summary = {
        row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(" ", strip=True)
        for row in parse(page).select(".app-record-summary .govuk-summary-list__row")
    }
    assert summary["Supervisor"] == "Nadia Manager"
    assert summary["Kind"] == "Case supervision"
    assert summary["Decision for case HOME-0001"].startswith("Decision for HOME-0001.")
    assert "Visit the father this week" in page_text(page)
    assert parse(page).find("form") is not None
