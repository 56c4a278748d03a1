"""Supervision figures and documents: compliance against hand-checked data, the PDFs, the
standards page and the query counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from audit.extensions import db
from audit.models import PlanType, Role, User
from tests.conftest import page_text
from tests.pages import pdf_text
from tests.querycount import queries_for

ON = date(2026, 6, 30)


@pytest.fixture
def council(make):
    """Two teams with hand-checked supervision histories, as at 30 June 2026.

    Standards (the defaults): experienced 31 days, newly qualified 7 days for the first 6 weeks
    and 14 days to 6 months; child protection 28 days, child in need 42, child in care 56."""
    a = make.team("Compliance A")
    b = make.team("Compliance B")
    sup = make.user(Role.SUPERVISOR, team=a, name="Sue Supervisor")
    w1 = make.user(Role.PRACTITIONER, team=a, name="W1 Experienced in time")
    w2 = make.user(Role.PRACTITIONER, team=a, name="W2 Experienced overdue")
    w3 = make.user(Role.PRACTITIONER, team=a, name="W3 New due this week")
    w4 = make.user(Role.PRACTITIONER, team=a, name="W4 New overdue")
    w5 = make.user(Role.PRACTITIONER, team=a, name="W5 Only group")
    w6 = make.user(Role.PRACTITIONER, team=a, name="W6 Only a draft")
    make.user(Role.PRACTITIONER, team=a, name="W0 Inactive", active=False)
    w7 = make.user(Role.PRACTITIONER, team=b, name="W7 Team B in time")
    sup_b = make.user(Role.SUPERVISOR, team=b)
    with make.app.app_context():
        db.session.get(User, w3.id).newly_qualified_from = date(2026, 6, 1)  # 29 days: weekly
        db.session.get(User, w4.id).newly_qualified_from = date(2026, 3, 1)  # 4 months: fortnightly
        db.session.commit()
    cp, cin, cic = PlanType.CHILD_PROTECTION.value, PlanType.CHILD_IN_NEED.value, PlanType.CHILD_IN_CARE.value
    c1 = make.case(a, worker=w1, reference="CMP-1", plan_type=cp)  # 20 days: in time, due 8 July
    c2 = make.case(a, worker=w2, reference="CMP-2", plan_type=cin)  # 36 days: in time, due 6 July (this week)
    c3 = make.case(a, worker=w2, reference="CMP-3", plan_type=cp)  # 36 days: overdue since 22 June
    c4 = make.case(a, worker=w6, reference="CMP-4", plan_type=cic)  # only in a draft: never
    c5 = make.case(a, worker=w5, reference="CMP-5", plan_type=cin)  # group on 20 June: in time
    c6 = make.case(b, worker=w7, reference="CMP-6", plan_type=cp)
    done = "completed"
    make.supervision(sup, w1, status=done, held_on=date(2026, 6, 10), cases=[c1])
    make.supervision(sup, w2, status="acknowledged", held_on=date(2026, 5, 1))
    make.supervision(sup, w2, status="acknowledged", held_on=date(2026, 5, 25), cases=[c2, c3])
    make.supervision(sup, w3, kind="reflective", status=done, held_on=date(2026, 6, 25))
    make.supervision(sup, w4, status=done, held_on=date(2026, 6, 10))
    make.supervision(sup, w5, w1, kind="group", status=done, held_on=date(2026, 6, 20), cases=[c5])
    make.supervision(sup, w6, held_on=date(2026, 6, 29), cases=[c4])  # a draft: does not count
    make.supervision(sup_b, w7, status=done, held_on=date(2026, 6, 29), cases=[c6])
    return {"a": a, "b": b, "supervisor": sup}


def _report(app, user, on=ON):
    from audit.domain.supervision_compliance import compliance

    with app.test_request_context():
        return compliance(db.session.get(User, user.id), on)


def test_a_supervisor_sees_their_own_teams_figures(app, council):
    report = _report(app, council["supervisor"])
    assert [row.team_name for row in report.teams] == ["Compliance A"]
    team = report.teams[0]
    assert (team.workers, team.workers_in_time, team.percent_workers) == (6, 2, 33)
    assert (team.cases, team.cases_in_time, team.percent_cases) == (5, 3, 60)

    workers = {item.label: item for item in report.workers_due}
    assert set(workers) == {
        "W2 Experienced overdue",
        "W3 New due this week",
        "W4 New overdue",
        "W5 Only group",
        "W6 Only a draft",
    }
    assert (workers["W2 Experienced overdue"].last_supervised, workers["W2 Experienced overdue"].due_on) == (
        date(2026, 5, 25),
        date(2026, 6, 25),
    )
    assert workers["W2 Experienced overdue"].overdue
    assert not workers["W3 New due this week"].overdue and workers["W3 New due this week"].due_on == date(2026, 7, 2)
    assert workers["W3 New due this week"].detail == "Newly qualified (first 6 weeks)"
    assert workers["W4 New overdue"].due_on == date(2026, 6, 24) and workers["W4 New overdue"].overdue
    assert workers["W5 Only group"].last_supervised is None and workers["W5 Only group"].overdue
    assert workers["W6 Only a draft"].last_supervised is None
    assert report.workers_due[0].last_supervised is None  # never supervised first

    cases = {item.label: item for item in report.cases_due}
    assert set(cases) == {"CMP-2", "CMP-3", "CMP-4"}
    assert cases["CMP-2"].due_on == date(2026, 7, 6) and not cases["CMP-2"].overdue
    assert cases["CMP-3"].due_on == date(2026, 6, 22) and cases["CMP-3"].overdue
    assert cases["CMP-4"].last_supervised is None and cases["CMP-4"].overdue


def test_a_leader_sees_every_team_and_the_totals(app, council, make):
    report = _report(app, make.user(Role.LEADER))
    rows = {row.team_name: row for row in report.teams}
    assert (rows["Compliance B"].workers, rows["Compliance B"].workers_in_time) == (1, 1)
    assert (rows["Compliance B"].cases, rows["Compliance B"].cases_in_time) == (1, 1)
    assert (report.total.workers, report.total.workers_in_time) == (7, 3)
    assert (report.total.cases, report.total.cases_in_time) == (6, 4)


def test_changing_a_standard_changes_the_figures(app, client, council, make):
    from audit.domain.supervision_compliance import standards

    admin = make.user(Role.ADMIN)
    client.sign_in_as(admin)
    with app.app_context():
        rows = {row.key: row.id for row in standards()}
        all_ids = {row.id: row.interval_days for row in standards()}
    data = {f"s{row_id}": str(days) for row_id, days in all_ids.items()}
    data[f"s{rows['experienced']}"] = "0"
    refused = client.post("/supervision/standards", data=data)
    assert "the interval must be between 1 and 366 days" in page_text(refused)
    data[f"s{rows['experienced']}"] = "60"  # W2 (36 days) is now in time
    assert client.post("/supervision/standards", data=data).status_code == 302
    team = _report(app, council["supervisor"]).teams[0]
    assert (team.workers, team.workers_in_time) == (6, 3)


def test_the_compliance_page_shows_the_figures_in_a_fixed_number_of_queries(app, client, council, make):
    client.sign_in_as(council["supervisor"])
    page = page_text(client.get("/supervision/compliance"))
    assert "Compliance A" in page and "Compliance B" not in page and "W2 Experienced overdue" in page
    leader = make.user(Role.LEADER)
    client.sign_in_as(leader)
    before = queries_for(app, client, "/supervision/compliance")
    team = make.team("Compliance C")
    worker = make.user(Role.PRACTITIONER, team=team)
    for n in range(5):
        case = make.case(team, worker=worker, reference=f"CMP-C{n}")
        make.supervision(
            council["supervisor"], worker, status="completed", held_on=ON - timedelta(days=n), cases=[case]
        )
    after = queries_for(app, client, "/supervision/compliance")
    assert after.count == before.count, str(after)


# The PDFs --------------------------------------------------------------------------------------------


@pytest.fixture
def group_record(make):
    team = make.team("PDF Team")
    supervisor = make.user(Role.SUPERVISOR, team=team, name="Sam Supervisor")
    worker = make.user(Role.PRACTITIONER, team=team, name="Pat Worker")
    colleague = make.user(Role.PRACTITIONER, team=team, name="Cory Colleague")
    child = make.case(team, worker=worker, reference="PDF-CHILD-A")
    other_child = make.case(team, worker=colleague, reference="PDF-CHILD-B")
    record = make.supervision(
        supervisor,
        worker,
        colleague,
        kind="group",
        status="completed",
        cases=[child, other_child],
        start_time=None,
        duration_minutes=90,
        experience="We talked about a hostile visit.",
        wellbeing="WELLBEING-SECRET: the worker is exhausted.",
    )
    return {"record": record, "child": child, "other_child": other_child, "supervisor": supervisor, "worker": worker}


def test_the_childs_file_pdf_holds_only_that_childs_case(app, client, group_record):
    g = group_record
    client.sign_in_as(g["worker"])
    response = client.get(f"/supervision/{g['record'].id}/cases/{g['child'].id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "PDF-CHILD-A" in response.headers["Content-Disposition"]
    text = pdf_text(response.data, layout=True)
    assert "SUPERVISION RECORD: CASE DISCUSSION" in text
    assert "PDF-CHILD-A" in text and "Decision for PDF-CHILD-A." in text and "Rationale for PDF-CHILD-A." in text
    assert "PDF-CHILD-B" not in text  # nothing about another child
    assert "WELLBEING" not in text and "hostile visit" not in text  # nor the workers' own reflection


def test_the_whole_record_pdf_holds_everything_for_the_parties(app, client, group_record):
    g = group_record
    client.sign_in_as(g["supervisor"])
    response = client.get(f"/supervision/{g['record'].id}/pdf")
    assert response.status_code == 200
    text = pdf_text(response.data, layout=True)
    assert "PDF-CHILD-A" in text and "PDF-CHILD-B" in text and "We talked about a hostile visit." in text
    assert "Sign-off" in text and "Pat Worker" in text and "Cory Colleague" in text


@pytest.mark.parametrize("child_only", [False, True])
def test_the_pdfs_print_uk_time_without_utc(client, group_record, monkeypatch, child_only):
    # 23:15 UTC on 30 June is 00:15 on 1 July in England (BST).
    monkeypatch.setattr("audit.supervision.views.documents.utcnow", lambda: datetime(2026, 6, 30, 23, 15))
    g = group_record
    client.sign_in_as(g["supervisor"])
    path = f"/supervision/{g['record'].id}" + (f"/cases/{g['child'].id}" if child_only else "") + "/pdf"

    text = pdf_text(client.get(path).data)

    assert "on 1 July 2026 at 00:15 from" in text
    assert "UTC" not in text


def test_a_case_not_in_the_record_has_no_pdf(client, group_record, make):
    g = group_record
    stranger = make.case(make.team("Stranger Team"), reference="PDF-STRANGER")
    client.sign_in_as(g["supervisor"])
    assert client.get(f"/supervision/{g['record'].id}/cases/{stranger.id}/pdf").status_code == 404


def test_the_record_page_costs_a_fixed_number_of_queries(app, client, make):
    team = make.team("Query Team")
    supervisor = make.user(Role.SUPERVISOR, team=team)
    worker = make.user(Role.PRACTITIONER, team=team)
    # An earlier session, so that both records below carry actions forward.
    make.supervision(supervisor, worker, status="completed", held_on=date.today() - timedelta(days=40))
    one = make.supervision(supervisor, worker, status="completed", cases=[make.case(team, worker=worker)])
    many_cases = [make.case(team, worker=worker) for _ in range(6)]
    many = make.supervision(supervisor, worker, status="completed", cases=many_cases)
    client.sign_in_as(supervisor)
    for path in ("", "/edit", "/amend"):
        if path == "/edit":
            continue  # completed records redirect from the draft form
        small = queries_for(app, client, f"/supervision/{one.id}{path}")
        large = queries_for(app, client, f"/supervision/{many.id}{path}")
        assert small.count == large.count, str(large)
    small = queries_for(app, client, "/supervision/")
    for _ in range(5):
        make.supervision(supervisor, worker, status="completed")
    assert queries_for(app, client, "/supervision/").count == small.count
