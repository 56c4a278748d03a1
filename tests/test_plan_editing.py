"""Leaders keep the plan: adding, changing and removing priorities, measures and actions, with
GOV.UK errors, input kept on error, conflicts between two leaders, and who may change it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from audit.clock import today
from audit.domain import plan as plan_data
from audit.extensions import db
from audit.models import Measure, PlanAction, Priority, Role
from tests.conftest import page_text
from tests.pages import assert_well_formed_page, parse, text_of


def _date(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _error_summary(response) -> str:
    found = parse(response).select_one("div.govuk-error-summary")
    assert found, "no error summary"
    return text_of(found)


@pytest.fixture
def leader(make):
    return make.user(Role.LEADER, name="Lena Leader")


@pytest.fixture
def signed_in(client, leader):
    client.sign_in_as(leader)
    return client


def _priority_form(owner_id: int, **changes: object) -> dict[str, object]:
    return {
        "title": "Plans written with families",
        "source": "Ofsted ILACS monitoring visit, March 2026: recommendation 2",
        "description": "Plans are lists of services.\nThey should be written with the family.",
        "owner": str(owner_id),
        "target_date": _date(date(2027, 3, 31)),
        **changes,
    }


def _measure_form(**changes: object) -> dict[str, object]:
    return {
        "title": "70% good or better for plan co-production",
        "figure": "theme_good_or_better",
        "theme": "Plan co-production",
        "window_months": "6",
        "baseline_value": "45",
        "baseline_on": _date(date(2026, 3, 1)),
        "target_value": "70.5%",
        "target_on": _date(date(2027, 3, 31)),
        **changes,
    }


def _action_form(owner_id: int, **changes: object) -> dict[str, object]:
    return {
        "description": "Run co-production workshops with every team.",
        "owner": str(owner_id),
        "due_date": _date(date(2027, 1, 31)),
        "status": "not_started",
        **changes,
    }


# Priorities --------------------------------------------------------------------------------------


def test_a_leader_adds_priorities_which_are_numbered_in_order(app, signed_in, leader, make):
    page = signed_in.get("/plan/priorities/new")
    assert page.status_code == 200
    assert_well_formed_page(page)

    first = signed_in.post("/plan/priorities/new", data=_priority_form(leader.id))
    assert first.status_code == 302
    second = signed_in.post("/plan/priorities/new", data=_priority_form(leader.id, title="Supervision", source=""))
    assert second.status_code == 302
    with app.app_context():
        priorities = db.session.scalars(select(Priority).order_by(Priority.position)).all()
        assert [(p.position, p.title) for p in priorities] == [(1, "Plans written with families"), (2, "Supervision")]
        assert priorities[0].source == "Ofsted ILACS monitoring visit, March 2026: recommendation 2"
        assert priorities[1].source is None
        assert priorities[0].created_by_id == leader.id

    text = page_text(signed_in.get(second.headers["Location"]))
    assert "Priority 2 added" in text
    assert "1. Plans written with families" in text
    assert "Ofsted ILACS monitoring visit, March 2026: recommendation 2" in text
    assert "Lena Leader" in text
    assert "31 March 2027" in text


def test_priority_errors_are_summarised_and_the_input_is_kept(app, signed_in, leader):
    response = signed_in.post(
        "/plan/priorities/new",
        data=_priority_form(leader.id, title="", owner="", target_date=["31", "2", "2027"], source="Kept source"),
    )
    assert response.status_code == 200
    assert_well_formed_page(response)
    summary = _error_summary(response)
    for message in ("Enter the priority", "Select the owner", "Target date must be a real date"):
        assert message in summary
    html = response.get_data(as_text=True)
    assert 'value="Kept source"' in html
    assert "Plans are lists of services." in html
    assert response.get_data(as_text=True).count("govuk-error-message") >= 3
    assert _count(app, Priority) == 0


def test_a_leader_changes_a_priority_and_its_number(app, signed_in, leader, make):
    first = make.priority(leader, title="First")
    second = make.priority(leader, title="Second")
    third = make.priority(leader, title="Third")
    page = signed_in.get(f"/plan/priorities/{third.id}")
    assert 'value="Third"' in page.get_data(as_text=True)
    assert f'name="version" type="hidden" value="{third.version}"' in page.get_data(as_text=True)

    response = signed_in.post(
        f"/plan/priorities/{third.id}",
        data=_priority_form(leader.id, title="Now first", number="1", version=str(third.version)),
    )
    assert response.status_code == 302
    with app.app_context():
        order = db.session.execute(select(Priority.id, Priority.position).order_by(Priority.position)).all()
        assert order == [(third.id, 1), (first.id, 2), (second.id, 3)]
        saved = db.session.get(Priority, third.id)
        assert (saved.title, saved.version) == ("Now first", third.version + 1)


def test_saving_over_someone_elses_change_is_refused_and_keeps_the_input(app, client, make, leader):
    other = make.user(Role.LEADER, name="Omar Other")
    priority = make.priority(leader, title="Original")
    shown = priority.version
    # The other leader saves first.
    client.sign_in_as(other)
    saved = client.post(
        f"/plan/priorities/{priority.id}", data=_priority_form(other.id, title="Their title", version=str(shown))
    )
    assert saved.status_code == 302

    client.sign_in_as(leader)
    refused = client.post(
        f"/plan/priorities/{priority.id}", data=_priority_form(leader.id, title="My title", version=str(shown))
    )
    assert refused.status_code == 200
    assert_well_formed_page(refused)
    text = page_text(refused)
    assert "Someone else changed this priority" in text
    assert "What you entered below has not been saved" in text
    html = refused.get_data(as_text=True)
    assert 'value="My title"' in html
    assert f'name="version" type="hidden" value="{shown + 1}"' in html  # saving again replaces theirs
    with app.app_context():
        assert db.session.get(Priority, priority.id).title == "Their title"

    again = client.post(
        f"/plan/priorities/{priority.id}", data=_priority_form(leader.id, title="My title", version=str(shown + 1))
    )
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(Priority, priority.id).title == "My title"


def test_a_save_that_loses_the_race_in_the_database_is_a_conflict(app, make, leader):
    """Two saves read the same version; the database lets only the first one through."""
    priority = make.priority(leader, title="Raced")
    with app.app_context():
        loaded = db.session.get(Priority, priority.id)
        shown = loaded.version
        # Someone else's save lands between this one's check and its write.
        db.session.execute(
            Priority.__table__.update().where(Priority.id == priority.id).values(version=shown + 1, title="Theirs")
        )
        values = plan_data.PriorityValues(title="Mine", owner_id=leader.id, target_date=date(2027, 1, 1))
        with pytest.raises(plan_data.PlanConflict) as raised:
            plan_data.change_priority(loaded, values, shown)
        assert raised.value.current_version == shown + 1
        db.session.rollback()


def test_removing_a_priority_asks_first_and_takes_its_measures_and_actions(app, signed_in, leader, make):
    first = make.priority(leader, title="Goes")
    second = make.priority(leader, title="Stays")
    make.measure(first)
    make.plan_action(first, leader)
    page = signed_in.get(f"/plan/priorities/{first.id}/remove")
    assert page.status_code == 200
    assert_well_formed_page(page)
    assert "Are you sure you want to remove priority 1?" in page_text(page)
    assert _count(app, Priority) == 2  # looking removes nothing

    response = signed_in.post(f"/plan/priorities/{first.id}/remove", data={"version": str(first.version)})
    assert response.status_code == 302
    assert (_count(app, Priority), _count(app, Measure), _count(app, PlanAction)) == (1, 0, 0)
    with app.app_context():
        assert db.session.get(Priority, second.id).position == 1


# Measures ----------------------------------------------------------------------------------------


def test_a_leader_adds_a_measure_bound_to_a_figure_theme_and_teams(app, signed_in, leader, make):
    team = make.team("Assessment Plan Team")
    priority = make.priority(leader)
    page = signed_in.get(f"/plan/priorities/{priority.id}/measures/new")
    assert page.status_code == 200
    assert_well_formed_page(page)
    text = page_text(page)
    assert "% of workers supervised within timescale" in text  # every figure is offered
    assert "Plan co-production" in text  # and the tools' themes

    response = signed_in.post(f"/plan/priorities/{priority.id}/measures/new", data=_measure_form(teams=[str(team.id)]))
    assert response.status_code == 302, _error_summary(response)
    with app.app_context():
        measure = db.session.scalar(select(Measure))
        assert (measure.figure, measure.theme, measure.window_months) == (
            "theme_good_or_better",
            "Plan co-production",
            6,
        )
        assert (measure.baseline_value, measure.target_value) == (45.0, 70.5)
        assert (measure.baseline_on, measure.target_on) == (date(2026, 3, 1), date(2027, 3, 31))
        assert [t.name for t in measure.teams] == ["Assessment Plan Team"]

    text = page_text(signed_in.get("/plan/"))
    assert "70% good or better for plan co-production" in text
    assert "% good or better for ‘Plan co-production’ in Assessment Plan Team" in text
    assert "45%" in text and "70.5%" in text


def test_a_theme_is_dropped_for_a_figure_that_does_not_need_one(app, signed_in, leader, make):
    priority = make.priority(leader)
    response = signed_in.post(
        f"/plan/priorities/{priority.id}/measures/new", data=_measure_form(figure="supervision_cases")
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Measure.theme)) is None


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        (
            {"title": "", "figure": "", "baseline_value": "", "target_value": "", "baseline_on": ["", "", ""]},
            [
                "Enter the measure of success",
                "Select the figure the measure is based on",
                "Enter the baseline as a percentage",
                "Enter the date of the baseline",
                "Enter the target as a percentage",
            ],
        ),
        ({"theme": ""}, ["Select the theme: ‘% good or better for a theme’ needs one"]),
        # Every problem at once: a missing title with a missing theme and a target below the baseline.
        (
            {"title": "", "theme": "", "baseline_value": "75", "target_value": "60"},
            ["Enter the measure of success", "Select the theme", "Target must be the same as or higher"],
        ),
        ({"theme": "Telepathy"}, ["Select a theme from the list"]),
        (
            {"baseline_value": "abc", "target_value": "150"},
            ["Baseline must be a number", "Target must be from 0 to 100"],
        ),
        ({"baseline_value": "75", "target_value": "60"}, ["Target must be the same as or higher than the baseline"]),
        ({"target_on": _date(date(2026, 2, 1))}, ["Target date must be after the date of the baseline"]),
        ({"window_months": "5"}, ["Select how many months of audits to count"]),
        ({"figure": "withdrawn_figure"}, ["Select the figure the measure is based on"]),
    ],
)
def test_measure_errors_are_summarised_and_the_input_is_kept(app, signed_in, leader, make, changes, messages):
    priority = make.priority(leader)
    data = _measure_form(**changes)
    response = signed_in.post(f"/plan/priorities/{priority.id}/measures/new", data=data)
    assert response.status_code == 200
    assert_well_formed_page(response)
    summary = _error_summary(response)
    for message in messages:
        assert message in summary
    html = response.get_data(as_text=True)
    if data["title"]:
        assert f'value="{data["title"]}"' in html
    if data["baseline_value"]:
        assert f'value="{data["baseline_value"]}"' in html
    assert _count(app, Measure) == 0


def test_a_leader_changes_a_measure_and_a_stale_copy_is_refused(app, client, leader, make):
    measure = make.measure(make.priority(leader), title="Before")
    client.sign_in_as(leader)
    page = client.get(f"/plan/measures/{measure.id}")
    assert 'value="Before"' in page.get_data(as_text=True)

    saved = client.post(f"/plan/measures/{measure.id}", data=_measure_form(title="After", version=str(measure.version)))
    assert saved.status_code == 302
    stale = client.post(f"/plan/measures/{measure.id}", data=_measure_form(title="Stale", version=str(measure.version)))
    assert stale.status_code == 200
    assert "Someone else changed this measure" in page_text(stale)
    assert 'value="Stale"' in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Measure, measure.id).title == "After"


def test_removing_a_measure_asks_first_and_refuses_a_stale_confirmation(app, signed_in, leader, make):
    measure = make.measure(make.priority(leader), title="Goes")
    page = signed_in.get(f"/plan/measures/{measure.id}/remove")
    assert "Are you sure you want to remove a measure of success?" in page_text(page)

    stale = signed_in.post(f"/plan/measures/{measure.id}/remove", data={"version": str(measure.version - 1)})
    assert stale.status_code == 200
    assert "It has not been removed" in page_text(stale)
    assert _count(app, Measure) == 1

    removed = signed_in.post(f"/plan/measures/{measure.id}/remove", data={"version": str(measure.version)})
    assert removed.status_code == 302
    assert _count(app, Measure) == 0


# Actions -----------------------------------------------------------------------------------------


def test_a_leader_adds_an_action_and_marks_it_done(app, signed_in, leader, make):
    owner = make.user(Role.SUPERVISOR, team=make.team(), name="Sasha Supervisor")
    priority = make.priority(leader)
    page = signed_in.get(f"/plan/priorities/{priority.id}/actions/new")
    assert page.status_code == 200
    assert_well_formed_page(page)
    added = signed_in.post(f"/plan/priorities/{priority.id}/actions/new", data=_action_form(owner.id))
    assert added.status_code == 302
    with app.app_context():
        action = db.session.scalar(select(PlanAction))
        assert (action.owner_id, action.status, action.completed_on) == (owner.id, "not_started", None)

    done = signed_in.post(
        f"/plan/actions/{action.id}", data=_action_form(owner.id, status="done", version=str(action.version))
    )
    assert done.status_code == 302
    with app.app_context():
        action = db.session.get(PlanAction, action.id)
        assert (action.status, action.completed_on) == ("done", today())

    # Back in progress: the completion date goes.
    reopened = signed_in.post(
        f"/plan/actions/{action.id}", data=_action_form(owner.id, status="in_progress", version=str(action.version))
    )
    assert reopened.status_code == 302
    with app.app_context():
        assert db.session.get(PlanAction, action.id).completed_on is None


def test_a_done_action_keeps_the_date_it_was_completed(app, signed_in, leader, make):
    action = make.plan_action(make.priority(leader), leader)
    finished = today() - timedelta(days=3)
    response = signed_in.post(
        f"/plan/actions/{action.id}",
        data=_action_form(leader.id, status="done", completed_on=_date(finished), version=str(action.version)),
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(PlanAction, action.id).completed_on == finished


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"description": ""}, "Enter the action"),
        ({"owner": ""}, "Select the owner"),
        ({"owner": "999999"}, "Select an owner from the list"),
        ({"status": "abandoned"}, "Select the status"),
        ({"due_date": ["", "", ""]}, "Enter the due date"),
        ({"completed_on": _date(date(2026, 1, 5))}, "Select Done as the status, or leave the date completed blank"),
        (
            {"status": "done", "completed_on": _date(today() + timedelta(days=2))},
            "Date completed must be today or in the past",
        ),
    ],
)
def test_action_errors(app, signed_in, leader, make, changes, message):
    priority = make.priority(leader)
    data = _action_form(leader.id, **changes)
    response = signed_in.post(f"/plan/priorities/{priority.id}/actions/new", data=data)
    assert response.status_code == 200
    assert message in _error_summary(response)
    if data["description"]:
        assert data["description"] in response.get_data(as_text=True)
    assert _count(app, PlanAction) == 0


def test_an_inactive_owner_stays_selectable_on_their_own_action(app, signed_in, leader, make):
    gone = make.user(Role.SUPERVISOR, team=make.team(), name="Gone Person", active=False)
    action = make.plan_action(make.priority(leader), gone)
    page = signed_in.get(f"/plan/actions/{action.id}")
    assert "Gone Person" in page.get_data(as_text=True)
    saved = signed_in.post(
        f"/plan/actions/{action.id}", data=_action_form(gone.id, status="in_progress", version=str(action.version))
    )
    assert saved.status_code == 302
    # But a new action cannot be given to them.
    refused = signed_in.post(f"/plan/priorities/{action.priority_id}/actions/new", data=_action_form(gone.id))
    assert "Select an owner from the list" in _error_summary(refused)


def test_removing_an_action(app, signed_in, leader, make):
    action = make.plan_action(make.priority(leader), leader)
    assert "Are you sure you want to remove an action?" in page_text(signed_in.get(f"/plan/actions/{action.id}/remove"))
    assert signed_in.post(f"/plan/actions/{action.id}/remove", data={"version": str(action.version)}).status_code == 302
    assert _count(app, PlanAction) == 0


# Unknown records and who may change the plan -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/plan/priorities/999999",
        "/plan/priorities/999999/remove",
        "/plan/priorities/999999/measures/new",
        "/plan/priorities/999999/actions/new",
        "/plan/measures/999999",
        "/plan/measures/999999/remove",
        "/plan/actions/999999",
        "/plan/actions/999999/remove",
    ],
)
def test_unknown_records_are_not_found(signed_in, path):
    assert signed_in.get(path).status_code == 404
    assert signed_in.post(path, data={"version": "1"}).status_code == 404


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.MODERATOR])
def test_readers_see_the_plan_but_cannot_change_it(app, client, make, leader, role):
    priority = make.priority(leader, title="Read only")
    measure = make.measure(priority)
    action = make.plan_action(priority, leader)
    client.sign_in_as(make.user(role, team=make.team()))
    page = client.get("/plan/")
    assert page.status_code == 200
    assert "Read only" in page_text(page)
    assert "/plan/priorities/new" not in page.get_data(as_text=True)
    assert f"/plan/measures/{measure.id}" not in page.get_data(as_text=True)
    for path, data in [
        ("/plan/priorities/new", _priority_form(leader.id)),
        (f"/plan/priorities/{priority.id}", _priority_form(leader.id, title="Changed", version="1")),
        (f"/plan/priorities/{priority.id}/measures/new", _measure_form()),
        (f"/plan/measures/{measure.id}", _measure_form(version="1")),
        (f"/plan/measures/{measure.id}/remove", {"version": "1"}),
        (f"/plan/actions/{action.id}", _action_form(leader.id, version="1")),
        (f"/plan/actions/{action.id}/remove", {"version": "1"}),
    ]:
        assert client.post(path, data=data).status_code == 403, path
    with app.app_context():
        assert db.session.get(Priority, priority.id).title == "Read only"
    assert (_count(app, Measure), _count(app, PlanAction)) == (1, 1)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.AUDITOR, Role.ADMIN])
def test_other_roles_cannot_see_the_plan(client, make, role):
    client.sign_in_as(make.user(role, team=make.team()))
    assert client.get("/plan/").status_code == 403
    assert client.get("/plan/plan.pdf").status_code == 403
