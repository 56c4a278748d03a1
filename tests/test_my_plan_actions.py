"""One actions list: improvement-plan actions appear in their owner's My actions, and the owner
records their progress without being able to change the plan."""

from __future__ import annotations

from datetime import date

from audit.extensions import db
from audit.models import PlanAction, Role
from tests.conftest import page_text
from tests.pages import parse


def _action(app, action_id: int) -> PlanAction:
    with app.app_context():
        action = db.session.get(PlanAction, action_id)
        assert action is not None
        db.session.expunge(action)
        return action


def test_a_plan_action_is_in_its_owners_list_and_they_record_progress(app, client, make):
    leader = make.user(Role.LEADER)
    manager = make.user(Role.SUPERVISOR, team=make.team("Plan Delivery"))
    priority = make.priority(leader)
    action = make.plan_action(priority, manager)
    client.sign_in_as(manager)

    page = client.get_page("/audits/actions")

    text = page_text(page)
    assert "Improvement plan actions" in text
    assert priority.title in text
    link = page.find("a", href=f"/plan/actions/{action.id}/progress")
    assert link is not None

    form = client.get_page(f"/plan/actions/{action.id}/progress")
    version = form.find("input", attrs={"name": "version"})["value"]
    done = client.post(f"/plan/actions/{action.id}/progress", data={"version": version, "status": "done"})

    assert done.status_code == 302 and done.headers["Location"] == "/audits/actions"
    saved = _action(app, action.id)
    assert saved.status == "done" and saved.completed_on == date.today()
    assert (saved.description, saved.owner_id) == (action.description, manager.id)  # only the progress changed

    stale = client.post(f"/plan/actions/{action.id}/progress", data={"version": version, "status": "in_progress"})
    assert stale.status_code == 200
    assert "Someone else saved this action" in page_text(stale)
    assert _action(app, action.id).status == "done"


def test_only_the_owner_updates_a_plan_actions_progress(client, make):
    leader = make.user(Role.LEADER)
    action = make.plan_action(make.priority(leader), make.user(Role.SUPERVISOR, team=make.team("Owners")))
    client.sign_in_as(make.user(Role.SUPERVISOR, team=make.team("Others")))
    assert client.get(f"/plan/actions/{action.id}/progress").status_code == 404
    client.sign_in_as(leader)  # a leader changes the plan on its own pages, not here
    assert client.get(f"/plan/actions/{action.id}/progress").status_code == 404


def test_a_done_date_in_the_future_is_refused_with_a_message(app, client, make):
    leader = make.user(Role.LEADER)
    owner = make.user(Role.SUPERVISOR, team=make.team("Future"))
    action = make.plan_action(make.priority(leader), owner)
    client.sign_in_as(owner)
    version = parse(client.get(f"/plan/actions/{action.id}/progress")).find("input", attrs={"name": "version"})["value"]

    response = client.post(
        f"/plan/actions/{action.id}/progress",
        data={"version": version, "status": "done", "completed_on": ["1", "1", "2099"]},
    )

    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert _action(app, action.id).status != "done"
