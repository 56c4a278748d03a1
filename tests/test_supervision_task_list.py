"""A supervision record as a task list, as an audit is: a page per part, a part per case discussed,
"Have you completed this part?", and "Check your answers" before the record goes to the worker."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from audit.extensions import db
from audit.models import Role, SupervisionPartDone, SupervisionRecord
from tests import test_supervision
from tests.conftest import page_text
from tests.pages import text_of
from tests.test_supervision import _case_fields, _d, _start

team_setting = test_supervision.team_setting  # the same team, supervisor, worker and cases

TODAY = date.today()


def _record(app: Any, record_id: int) -> SupervisionRecord:
    with app.app_context():
        record = db.session.get(SupervisionRecord, record_id)
        assert record is not None
        _ = record.cases
        db.session.expunge_all()
        return record


def _tasks(client: Any, record_id: int) -> tuple[str, list[tuple[str, str]]]:
    page = client.get_page(f"/supervision/{record_id}/edit")
    rows = page.select("#main-content .govuk-task-list")[0].select(".govuk-task-list__item")
    return text_of(page.find(id="task-count")), [
        (
            text_of(row.select_one(".govuk-task-list__name-and-hint")),
            text_of(row.select_one(".govuk-task-list__status")),
        )
        for row in rows
    ]


def _post(client: Any, app: Any, record_id: int, number: int, data: dict[str, Any]) -> Any:
    version = str(_record(app, record_id).version)
    return client.post(f"/supervision/{record_id}/edit/{number}", data={"version": version, **data})


def _done(app: Any, record_id: int) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalars(select(SupervisionPartDone.part).where(SupervisionPartDone.record_id == record_id))
        )


def test_case_supervision_is_worked_through_its_task_list_and_sent(app, client, team_setting):
    s = team_setting
    client.sign_in_as(s["supervisor"])
    record_id = _start(client, "case", s["worker"])

    count, parts = _tasks(client, record_id)
    assert count == "You have completed 0 of 4 parts."
    assert parts == [
        ("1. The session", "Not started"),
        ("2. Actions from last time", "Not started"),
        ("3. Cases discussed", "Not started"),
        ("4. Next supervision", "Not started"),
    ]

    # The session: marked complete without the time and duration, refused with the reasons.
    refused = _post(client, app, record_id, 1, {"held_on": _d(TODAY), "completed": "yes"})
    assert refused.status_code == 200
    assert "Enter the start time" in page_text(refused)
    assert "Answer everything above before you mark this part as completed" in page_text(refused)
    assert _done(app, record_id) == set()
    done = _post(
        client,
        app,
        record_id,
        1,
        {"held_on": _d(TODAY), "start_time": "14:30", "duration_minutes": "90", "completed": "yes"},
    )
    assert done.status_code == 302 and done.headers["Location"] == f"/supervision/{record_id}/edit"
    assert _done(app, record_id) == {"session"}

    # A page that does not show the date (required on the session's page) saves without it.
    previous = _post(client, app, record_id, 2, {"previous_actions_review": "All done.", "completed": "yes"})
    assert previous.status_code == 302
    record = _record(app, record_id)
    assert record.held_on == TODAY and record.previous_actions_review == "All done."
    assert (record.start_time.hour, record.duration_minutes) == (14, 90)  # the session's part untouched

    # Cases discussed: choosing one adds a part for it.
    chosen = _post(client, app, record_id, 3, {"cases": [str(s["case"].id)], "action": "cases"})
    assert chosen.status_code == 302 and chosen.headers["Location"] == f"/supervision/{record_id}/edit/3"
    assert _post(client, app, record_id, 3, {"cases": [str(s["case"].id)], "completed": "yes"}).status_code == 302
    count, parts = _tasks(client, record_id)
    assert [title for title, _status in parts] == [
        "1. The session",
        "2. Actions from last time",
        "3. Cases discussed",
        "4. Case SUP-000001",
        "5. Next supervision",
    ]
    assert count == "You have completed 3 of 5 parts."

    # The case's part: its own fields, checked when marked complete.
    half = _post(client, app, record_id, 4, {**_case_fields(s["case"].id, decision=""), "completed": "yes"})
    assert "SUP-000001: enter the decision" in page_text(half)
    assert _post(client, app, record_id, 4, {**_case_fields(s["case"].id), "completed": "yes"}).status_code == 302

    # Not yet everything: the check page will not complete the record.
    check = client.get_page(f"/supervision/{record_id}/check")
    assert "You cannot complete the record yet" in page_text(check)
    refused = client.post(f"/supervision/{record_id}/check", data={})
    assert "Next supervision: complete this part" in page_text(refused)
    assert _record(app, record_id).status == "draft"

    next_date = _d(TODAY + timedelta(days=28))
    assert _post(client, app, record_id, 5, {"next_supervision_date": next_date, "completed": "yes"}).status_code == 302
    count, _parts = _tasks(client, record_id)
    assert count == "You have completed 5 of 5 parts."
    check = client.get_page(f"/supervision/{record_id}/check")
    text = page_text(check)
    assert "Two months of sustained safety and a strong network plan." in text
    assert check.find("a", href=f"/supervision/{record_id}/edit/4#c{s['case'].id}_decision") is not None

    sent = client.post(f"/supervision/{record_id}/check", data={})

    assert sent.status_code == 302 and sent.headers["Location"] == f"/supervision/{record_id}"
    record = _record(app, record_id)
    assert (
        record.status == "completed"
        and record.cases[0].decision == "Step down to child in need at the next conference."
    )
    assert client.get(f"/supervision/{record_id}/edit/1").headers["Location"] == f"/supervision/{record_id}"


def test_reflective_supervision_has_a_reflective_part_and_no_cases(client, team_setting):
    s = team_setting
    client.sign_in_as(s["supervisor"])
    record_id = _start(client, "reflective", s["worker"])

    _count, parts = _tasks(client, record_id)

    assert [title for title, _status in parts] == [
        "1. The session",
        "2. Actions from last time",
        "3. Reflective supervision",
        "4. Next supervision",
    ]
    page = page_text(client.get(f"/supervision/{record_id}/edit/3"))
    assert "The four functions of supervision" in page and "Wellbeing and emotional impact" in page


def test_a_part_saved_without_a_version_gets_the_conflict_page(app, client, team_setting):
    s = team_setting
    client.sign_in_as(s["supervisor"])
    record_id = _start(client, "case", s["worker"])
    before = _record(app, record_id)

    response = client.post(
        f"/supervision/{record_id}/edit/2", data={"version": "", "previous_actions_review": "From a stale page"}
    )

    assert response.status_code == 200
    assert "What you entered on this page has not been saved." in page_text(response)
    after = _record(app, record_id)
    assert (after.version, after.previous_actions_review) == (before.version, before.previous_actions_review)


def test_only_the_records_supervisor_opens_its_parts(client, team_setting, make):
    s = team_setting
    client.sign_in_as(s["supervisor"])
    record_id = _start(client, "case", s["worker"])
    assert client.get(f"/supervision/{record_id}/edit/99").status_code == 404
    client.sign_in_as(make.user(Role.SUPERVISOR, team=s["team"], name="Another Supervisor"))
    for url in (
        f"/supervision/{record_id}/edit",
        f"/supervision/{record_id}/edit/1",
        f"/supervision/{record_id}/check",
    ):
        assert client.get(url).status_code == 404  # not theirs to see, so not found
