"""Supervision records: each kind recorded, completed, acknowledged and locked; amendments; actions
carried forward; bad input; access; autosave and nothing lost."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from audit.clock import today as uk_today
from audit.extensions import db
from audit.models import (
    Action,
    Role,
    SupervisionAmendment,
    SupervisionAttendee,
    SupervisionCase,
    SupervisionRecord,
)
from tests.conftest import page_text
from tests.pages import heading

TODAY = date.today()


@pytest.fixture
def team_setting(make):
    team = make.team("Safeguarding Supervision")
    supervisor = make.user(Role.SUPERVISOR, team=team, name="Sam Supervisor")
    worker = make.user(Role.PRACTITIONER, team=team, name="Pat Worker")
    colleague = make.user(Role.PRACTITIONER, team=team, name="Cory Colleague")
    case = make.case(team, worker=worker, reference="SUP-000001")
    other_case = make.case(team, worker=worker, reference="SUP-000002")
    colleagues_case = make.case(team, worker=colleague, reference="SUP-000003")
    return {
        "team": team,
        "supervisor": supervisor,
        "worker": worker,
        "colleague": colleague,
        "case": case,
        "other_case": other_case,
        "colleagues_case": colleagues_case,
    }


def _record(app, record_id) -> SupervisionRecord:
    with app.app_context():
        record = db.session.get(SupervisionRecord, record_id)
        _ = record.attendees, record.cases, record.amendments, record.actions
        db.session.expunge_all()
        return record


def _d(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _start(client, kind: str, *workers, held_on: date = TODAY) -> int:
    response = client.post(
        "/supervision/new",
        data={"kind": kind, "workers": [str(worker.id) for worker in workers], "held_on": _d(held_on)},
    )
    assert response.status_code == 302, page_text(response)
    return int(response.headers["Location"].split("/")[2])


def _session(**extra) -> dict:
    return {
        "version": "",
        "held_on": _d(TODAY),
        "start_time": "14:30",
        "duration_minutes": "90",
        "next_supervision_date": _d(TODAY + timedelta(days=28)),
        "previous_actions_review": "All done.",
        **extra,
    }


def _case_fields(case_id: int, **extra) -> dict:
    prefix = f"c{case_id}_"
    values = {
        "current_situation": "Mum has engaged with the parenting course.",
        "lived_experience": "She said she feels safer now her dad visits on Saturdays.",
        "identity": "Polish heritage; speaks Polish at home.",
        "fathers_network": "Dad is involved; paternal grandmother is a safe adult.",
        "worries": "Missed health appointments.",
        "working_well": "School attendance is 96%.",
        "needs_to_happen": "Health visitor to confirm appointments.",
        "safety_scale": "7",
        "analysis": "Safety is building through the network.",
        "decision": "Step down to child in need at the next conference.",
        "decision_rationale": "Two months of sustained safety and a strong network plan.",
        "next_review_date": _d(TODAY + timedelta(days=28)),
    }
    values.update(extra)
    return {prefix + name: value for name, value in values.items()}


def test_case_supervision_is_recorded_completed_acknowledged_and_locked(app, client, team_setting):
    s = team_setting
    client.sign_in_as(s["supervisor"])
    record_id = _start(client, "case", s["worker"])
    form = client.get(f"/supervision/{record_id}/edit/all")
    assert form.status_code == 200
    assert "SUP-000001" in page_text(form) and "SUP-000003" not in page_text(form)  # only the worker's cases

    # Choose the case discussed: its structured fields appear.
    response = client.post(
        f"/supervision/{record_id}/edit/all", data=_session(cases=[str(s["case"].id)], action="cases", version="1")
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#cases-discussed")
    page = page_text(client.get(f"/supervision/{record_id}/edit/all"))
    assert "The child's lived experience and voice (SUP-000001)" in page

    version = str(_record(app, record_id).version)
    response = client.post(
        f"/supervision/{record_id}/edit/all",
        data={
            **_session(version=version, cases=[str(s["case"].id)]),
            **_case_fields(s["case"].id),
            "action": "complete",
        },
    )
    assert response.status_code == 302, page_text(response)
    record = _record(app, record_id)
    assert record.status == "completed" and record.completed_at is not None
    assert (record.start_time.hour, record.duration_minutes) == (14, 90)
    assert record.cases[0].safety_scale == 7
    assert record.cases[0].decision_rationale == "Two months of sustained safety and a strong network plan."

    # Completed: the form is closed to the supervisor.
    assert client.get(f"/supervision/{record_id}/edit/all").status_code == 302

    # The worker sees it in their list and acknowledges it, disagreeing with a comment.
    client.sign_in_as(s["worker"])
    assert "Waiting for you to acknowledge" in page_text(client.get("/supervision/"))
    assert f"/supervision/{record_id}/acknowledge" in client.get("/supervision/").get_data(as_text=True)
    refused = client.post(f"/supervision/{record_id}/acknowledge", data={"agrees": "no", "comment": ""})
    assert "Say what you disagree with" in page_text(refused)
    response = client.post(
        f"/supervision/{record_id}/acknowledge",
        data={"agrees": "no", "comment": "The step-down was my manager's view; I want one more month."},
    )
    assert response.status_code == 302
    record = _record(app, record_id)
    assert record.status == "acknowledged" and record.is_locked
    assert record.attendees[0].agrees is False
    shown = page_text(client.get(f"/supervision/{record_id}"))
    assert "disagrees with part of the record" in shown and "one more month" in shown

    # Acknowledging twice is refused with a message.
    again = client.post(f"/supervision/{record_id}/acknowledge", data={"agrees": "yes"}, follow_redirects=True)
    assert "You have already acknowledged this record." in page_text(again)


def test_amendments_after_completion_record_who_when_what_and_why(app, client, team_setting, make):
    s = team_setting
    record = make.supervision(
        s["supervisor"],
        s["worker"],
        status="acknowledged",
        cases=[s["case"]],
        start_time=None,
        duration_minutes=60,
        next_supervision_date=TODAY + timedelta(days=20),
    )
    client.sign_in_as(s["supervisor"])
    form = client.get(f"/supervision/{record.id}/amend")
    assert form.status_code == 200
    assert heading(form) == "Amend the supervision record"
    data = {
        **_session(version=str(record.version), duration_minutes="75", start_time="10:00"),
        "next_supervision_date": _d(TODAY + timedelta(days=20)),
        "previous_actions_review": "",
        f"c{s['case'].id}_current_situation": f"Current situation of {s['case'].reference}.",
        f"c{s['case'].id}_decision": "Decision corrected: stay on a child protection plan.",
        f"c{s['case'].id}_decision_rationale": f"Rationale for {s['case'].reference}.",
        "amendment_reason": "The decision was recorded wrongly.",
    }
    response = client.post(f"/supervision/{record.id}/amend", data=data)
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        amendments = db.session.scalars(
            select(SupervisionAmendment).where(SupervisionAmendment.record_id == record.id)
        ).all()
        changes = {amendment.field: (amendment.old_value, amendment.new_value) for amendment in amendments}
        assert {amendment.user_id for amendment in amendments} == {s["supervisor"].id}
        assert {amendment.reason for amendment in amendments} == {"The decision was recorded wrongly."}
    assert changes["Duration in minutes"] == ("60", "75")
    assert changes["Start time"] == (None, "10:00")
    assert changes["SUP-000001: Decision"][1] == "Decision corrected: stay on a child protection plan."
    shown = page_text(client.get(f"/supervision/{record.id}"))
    assert "The decision was recorded wrongly." in shown

    # The worker cannot amend.
    client.sign_in_as(s["worker"])
    assert client.get(f"/supervision/{record.id}/amend").status_code == 403


def test_reflective_supervision_needs_the_reflection_to_complete(app, client, team_setting):
    s = team_setting
    client.sign_in_as(s["supervisor"])
    record_id = _start(client, "reflective", s["worker"])
    page = page_text(client.get(f"/supervision/{record_id}/edit/all"))
    assert "The four functions of supervision" in page and "Cases discussed" not in page

    incomplete = client.post(f"/supervision/{record_id}/edit/all", data=_session(version="1", action="complete"))
    summary = page_text(incomplete)
    assert "Record at least one of the four functions of supervision" in summary
    assert "Enter the experience" in summary
    assert _record(app, record_id).status == "draft"

    version = str(_record(app, record_id).version)
    data = _session(
        version=version,
        action="complete",
        support="Talked through the impact of a difficult visit.",
        experience="A hostile home visit last Tuesday.",
        reflection="Felt shaken and doubted the plan.",
        analysis="Fear is information: the family is under pressure.",
        action_plan="Joint visit with the manager next week.",
        wellbeing="Tired; taking leave next month.",
        learning_needs="Training on working with hostility.",
    )
    response = client.post(f"/supervision/{record_id}/edit/all", data=data)
    assert response.status_code == 302, page_text(response)
    record = _record(app, record_id)
    assert record.status == "completed" and record.wellbeing == "Tired; taking leave next month."


def test_group_supervision_has_several_workers_and_locks_when_all_acknowledge(app, client, team_setting):
    s = team_setting
    client.sign_in_as(s["supervisor"])
    refused = client.post(
        "/supervision/new", data={"kind": "group", "workers": [str(s["worker"].id)], "held_on": _d(TODAY)}
    )
    assert "Select at least two workers for group supervision" in page_text(refused)
    record_id = _start(client, "group", s["worker"], s["colleague"])
    page = page_text(client.get(f"/supervision/{record_id}/edit/all"))
    assert "SUP-000001" in page and "SUP-000003" in page  # either worker's cases
    client.post(
        f"/supervision/{record_id}/edit/all",
        data=_session(version="1", cases=[str(s["case"].id), str(s["colleagues_case"].id)], action="cases"),
    )
    version = str(_record(app, record_id).version)
    data = {
        **_session(version=version, cases=[str(s["case"].id), str(s["colleagues_case"].id)], action="complete"),
        **_case_fields(s["case"].id),
        **_case_fields(s["colleagues_case"].id, decision="Convene a family network meeting."),
        "experience": "Two cases with fathers out of view.",
        "reflection": "We default to mothers.",
    }
    assert client.post(f"/supervision/{record_id}/edit/all", data=data).status_code == 302
    assert _record(app, record_id).status == "completed"

    client.sign_in_as(s["worker"])
    client.post(f"/supervision/{record_id}/acknowledge", data={"agrees": "yes"})
    assert _record(app, record_id).status == "completed"  # one of two
    client.sign_in_as(s["colleague"])
    client.post(f"/supervision/{record_id}/acknowledge", data={"agrees": "yes", "comment": "Useful."})
    assert _record(app, record_id).status == "acknowledged"


# Bad input ---------------------------------------------------------------------------------------


def test_a_supervision_dated_in_the_future_is_refused(app, client, team_setting):
    s = team_setting
    client.sign_in_as(s["supervisor"])
    response = client.post(
        "/supervision/new",
        # Tomorrow by the service's own clock when the request is made: TODAY is the machine's date when
        # the module was imported, which is today itself for a run that crosses midnight.
        data={"kind": "case", "workers": [str(s["worker"].id)], "held_on": _d(uk_today() + timedelta(days=1))},
    )
    assert "Date of the supervision must be today or in the past" in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(SupervisionRecord.id)) is None

    record_id = _start(client, "reflective", s["worker"])
    response = client.post(
        f"/supervision/{record_id}/edit/all",
        data=_session(version="1", held_on=_d(TODAY + timedelta(days=3)), experience="Kept despite the bad date."),
    )
    assert "Date must be today or in the past" in page_text(response)
    record = _record(app, record_id)
    assert record.held_on == TODAY and record.experience == "Kept despite the bad date."


@pytest.mark.parametrize("duration", ["0", "1441", "ninety"])
def test_a_duration_of_zero_or_over_a_day_is_refused_and_nothing_else_is_lost(app, client, team_setting, duration):
    s = team_setting
    client.sign_in_as(s["supervisor"])
    record_id = _start(client, "reflective", s["worker"])
    response = client.post(
        f"/supervision/{record_id}/edit/all",
        data=_session(version="1", duration_minutes=duration, reflection="Still here."),
    )
    text = page_text(response)
    assert "Duration must be between 1 and 1,440 minutes (a day)" in text or "must be a whole number" in text
    record = _record(app, record_id)
    assert record.reflection == "Still here." and record.start_time.hour == 14
    assert record.duration_minutes is None


def test_a_worker_outside_the_supervisors_team_is_refused_unless_a_leader(app, client, team_setting, make):
    s = team_setting
    outsider = make.user(Role.PRACTITIONER, team=make.team("Another Team"), name="Olu Outsider")
    client.sign_in_as(s["supervisor"])
    # Not offered, and refused when posted anyway.
    assert "Olu Outsider" not in page_text(client.get("/supervision/new"))
    response = client.post(
        "/supervision/new", data={"kind": "case", "workers": [str(outsider.id)], "held_on": _d(TODAY)}
    )
    assert response.status_code == 200
    # Refused as if unknown, never named (tests/test_disclosure.py).
    assert "Select who was supervised from the list" in page_text(response)
    assert "Olu Outsider" not in page_text(response)

    leader = make.user(Role.LEADER, name="Lee Leader")
    client.sign_in_as(leader)
    assert "Olu Outsider" in page_text(client.get("/supervision/new"))
    _start(client, "case", outsider)


def test_the_domain_refuses_a_worker_from_another_team(app, team_setting, make):
    from audit.domain import supervision as records
    from audit.models import SupervisionKind, User

    outsider = make.user(Role.PRACTITIONER, team=make.team("Elsewhere"), name="Ola Elsewhere")
    with app.test_request_context():
        supervisor = db.session.get(User, team_setting["supervisor"].id)
        with pytest.raises(records.SupervisionError, match=r"^Select who was supervised from the list$"):
            records.start_record(
                kind=SupervisionKind.CASE, supervisor=supervisor, workers=[db.session.get(User, outsider.id)]
            )


def test_a_case_not_allocated_to_the_worker_is_refused_and_nothing_else_is_lost(app, client, team_setting):
    s = team_setting
    client.sign_in_as(s["supervisor"])
    record_id = _start(client, "case", s["worker"])
    response = client.post(
        f"/supervision/{record_id}/edit/all",
        data=_session(version="1", cases=[str(s["colleagues_case"].id)], previous_actions_review="Kept."),
    )
    assert response.status_code == 200
    assert "Select only cases allocated to Pat Worker: another case cannot be discussed here" in page_text(response)
    assert "SUP-000003" not in page_text(response)
    record = _record(app, record_id)
    assert record.cases == [] and record.previous_actions_review == "Kept." and record.duration_minutes == 90


@pytest.mark.parametrize("scale", ["11", "-1", "seven"])
def test_a_safety_scale_outside_0_to_10_is_refused(app, client, team_setting, make, scale):
    s = team_setting
    record = make.supervision(s["supervisor"], s["worker"], cases=[s["case"]])
    client.sign_in_as(s["supervisor"])
    data = {
        **_session(version=str(record.version), cases=[str(s["case"].id)]),
        **_case_fields(s["case"].id, safety_scale=scale),
    }
    response = client.post(f"/supervision/{record.id}/edit/all", data=data)
    assert "The safety scale must be a whole number from 0 to 10" in page_text(response)
    saved = _record(app, record.id).cases[0]
    assert saved.safety_scale is None and saved.analysis == "Safety is building through the network."


def test_the_database_refuses_a_safety_scale_outside_0_to_10(app, team_setting, make):
    import sqlalchemy.exc

    record = make.supervision(team_setting["supervisor"], team_setting["worker"], cases=[team_setting["case"]])
    with app.app_context():
        discussed = db.session.scalar(select(SupervisionCase).where(SupervisionCase.record_id == record.id))
        discussed.safety_scale = 11
        with pytest.raises(sqlalchemy.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_acknowledging_someone_elses_record_is_refused(app, client, team_setting, make):
    s = team_setting
    record = make.supervision(s["supervisor"], s["worker"], status="completed")
    # The supervisor can see the record but cannot acknowledge it for the worker.
    client.sign_in_as(s["supervisor"])
    response = client.post(f"/supervision/{record.id}/acknowledge", data={"agrees": "yes"}, follow_redirects=True)
    assert "Only Pat Worker can acknowledge this record" in page_text(response)
    # A colleague in the same team cannot even see it.
    client.sign_in_as(s["colleague"])
    assert client.post(f"/supervision/{record.id}/acknowledge", data={"agrees": "yes"}).status_code == 404
    with app.app_context():
        attendee = db.session.scalar(select(SupervisionAttendee).where(SupervisionAttendee.record_id == record.id))
        assert attendee.acknowledged_at is None
    assert _record(app, record.id).status == "completed"


def test_a_draft_cannot_be_acknowledged(client, team_setting, make):
    s = team_setting
    record = make.supervision(s["supervisor"], s["worker"])
    client.sign_in_as(s["worker"])
    response = client.get(f"/supervision/{record.id}/acknowledge", follow_redirects=True)
    assert "This record has not been completed by your supervisor yet." in page_text(response)


# Access --------------------------------------------------------------------------------------------


def test_only_the_two_parties_and_leaders_see_a_record(client, team_setting, make):
    s = team_setting
    record = make.supervision(s["supervisor"], s["worker"], kind="reflective", status="completed")
    other_team = make.team("Other Supervision Team")
    other_supervisor = make.user(Role.SUPERVISOR, team=other_team)
    team_auditor = make.user(Role.AUDITOR, Role.SUPERVISOR, team=s["team"])
    expectations = [
        (s["supervisor"], 200),
        (s["worker"], 200),
        (make.user(Role.LEADER), 200),
        (other_supervisor, 404),
        (s["colleague"], 404),
        (team_auditor, 404),  # another manager in the team: wellbeing stays between the parties
        (make.user(Role.ADMIN), 404),
    ]
    for user, status in expectations:
        client.sign_in_as(user)
        for path in ("", "/pdf"):
            response = client.get(f"/supervision/{record.id}{path}")
            assert response.status_code == status, (user.name, path)


def test_another_teams_supervisor_cannot_edit_or_autosave(client, team_setting, make):
    s = team_setting
    record = make.supervision(s["supervisor"], s["worker"])
    intruder = make.user(Role.SUPERVISOR, team=make.team("Intruders"))
    client.sign_in_as(intruder)
    assert client.get(f"/supervision/{record.id}/edit/all").status_code == 404
    assert client.post(f"/supervision/{record.id}/autosave", data={"version": "1"}).status_code == 404


# Autosave, conflicts and expired pages --------------------------------------------------------------


def test_autosave_saves_the_draft_and_refuses_an_out_of_date_copy(app, client, team_setting, make):
    s = team_setting
    record = make.supervision(s["supervisor"], s["worker"], kind="reflective")
    client.sign_in_as(s["supervisor"])
    saved = client.post(
        f"/supervision/{record.id}/autosave",
        data=_session(version=str(record.version), reflection="Typed, not yet saved by hand."),
        headers={"Accept": "application/json"},
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json()["version"] == record.version + 1
    assert _record(app, record.id).reflection == "Typed, not yet saved by hand."
    stale = client.post(
        f"/supervision/{record.id}/autosave",
        data=_session(version=str(record.version), reflection="From an old tab."),
        headers={"Accept": "application/json"},
    )
    assert stale.status_code == 409
    assert "saved this supervision record" in stale.get_json()["message"]
    assert _record(app, record.id).reflection == "Typed, not yet saved by hand."


def test_an_expired_csrf_token_loses_nothing(app, client, team_setting, make):
    s = team_setting
    record = make.supervision(s["supervisor"], s["worker"], kind="reflective")
    client.sign_in_as(s["supervisor"])
    response = client.post(
        f"/supervision/{record.id}/edit/all",
        data=_session(version=str(record.version), csrf_token="expired", reflection="Typed for two hours."),
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/supervision/{record.id}/edit/all"
    page = client.get(f"/supervision/{record.id}/edit/all")
    assert "We saved what you entered before the page expired" in page_text(page)
    assert "Typed for two hours." in page.get_data(as_text=True)
    assert _record(app, record.id).reflection == "Typed for two hours."


# Actions ---------------------------------------------------------------------------------------------


def test_actions_are_owned_listed_with_audit_actions_and_carried_forward(app, client, team_setting, make):
    s = team_setting
    earlier = make.supervision(
        s["supervisor"], s["worker"], status="acknowledged", held_on=TODAY - timedelta(days=60), cases=[s["case"]]
    )
    previous = make.supervision(
        s["supervisor"], s["worker"], status="acknowledged", held_on=TODAY - timedelta(days=30), cases=[s["case"]]
    )
    group = make.supervision(
        s["supervisor"], s["worker"], s["colleague"], kind="group", status="completed",
        held_on=TODAY - timedelta(days=20),
    )  # fmt: skip
    current = make.supervision(s["supervisor"], s["worker"], cases=[s["case"]])
    with app.app_context():
        db.session.add_all(
            [
                Action(supervision_id=earlier.id, description="Old and still open", owner_id=s["worker"].id,
                       due_date=TODAY - timedelta(days=10), created_by_id=s["supervisor"].id),
                Action(supervision_id=earlier.id, description="Old and done", owner_id=s["worker"].id,
                       due_date=TODAY - timedelta(days=40), created_by_id=s["supervisor"].id,
                       completed_at=earlier.completed_at),
                Action(supervision_id=previous.id, description="Last time, done", owner_id=s["worker"].id,
                       due_date=TODAY - timedelta(days=5), created_by_id=s["supervisor"].id,
                       completed_at=previous.completed_at),
            ]
        )  # fmt: skip
        db.session.add(
            Action(supervision_id=group.id, description="The colleague's own action", owner_id=s["colleague"].id,
                   due_date=TODAY, created_by_id=s["supervisor"].id)
        )  # fmt: skip
        db.session.commit()

    client.sign_in_as(s["supervisor"])
    page = page_text(client.get(f"/supervision/{current.id}/edit/all"))
    assert "Old and still open" in page and "Last time, done" in page and "Old and done" not in page
    assert "Overdue" in page and "Done" in page
    assert "The colleague's own action" not in page  # from a group session, but not this worker's

    response = client.post(
        f"/supervision/{current.id}/actions/new",
        data={
            "description": "Visit dad at home",
            "owner": str(s["worker"].id),
            "case": str(s["case"].id),
            "due_date": _d(TODAY + timedelta(days=7)),
        },
    )
    assert response.status_code == 302, page_text(response)
    refused = client.post(
        f"/supervision/{current.id}/actions/new",
        data={"description": "X", "owner": str(s["colleague"].id), "due_date": _d(TODAY + timedelta(days=7))},
    )
    assert refused.status_code == 200

    # One actions list for both kinds: the worker's My actions shows the supervision action.
    client.sign_in_as(s["worker"])
    mine = page_text(client.get("/audits/actions"))
    assert "Visit dad at home" in mine and "Supervision on" in mine and "Old and still open" in mine
