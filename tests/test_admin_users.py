"""Admin of users: add with a one-time password, change roles and team, deactivate, reset password."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Role, User
from tests.conftest import page_text
from tests.factories import PASSWORD
from tests.govuk_html import assert_error, error_summary, error_summary_links, input_value, selected_values
from tests.pages import heading, parse, text_of

NOT_RECOGNISED = "Enter a correct email address and password"


def _user(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            _ = user.roles, user.team
            db.session.expunge(user)
        return user


def _user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def _sign_in(client, email: str, password: str):
    client.get("/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password})


def _temporary_password(response) -> str:
    found = parse(response).find(id="temporary-password")
    assert found, "no temporary password on the page"
    return text_of(found)


@pytest.fixture
def team(make):
    return make.team("Safeguarding East")


@pytest.fixture
def admin(make):
    return make.user(Role.ADMIN, name="Ada Admin")


@pytest.fixture
def admin_client(client, admin):
    client.sign_in_as(admin)
    return client


@pytest.fixture
def other_client(app, client):
    """A second browser (the client fixture has set the app's test client class)."""
    return app.test_client()


def _form(team_id, **overrides):
    data = {"name": "Priya Patel", "email": "priya.patel@council.example", "team": str(team_id), "roles": ["auditor"]}
    data.update(overrides)
    return data


def test_users_page_lists_everyone_with_team_roles_and_status(admin_client, make, team):
    make.user(Role.SUPERVISOR, Role.AUDITOR, team=team, name="Sam Supervisor", email="sam@test.example")
    make.user(Role.PRACTITIONER, team=team, name="Gone Worker", active=False)

    text = page_text(admin_client.get("/admin/users"))

    assert "3 users" in text
    assert "Sam Supervisor sam@test.example Safeguarding East Auditor, Supervisor Active" in text
    assert "Ada Admin" in text and "All teams Admin Active" in text
    assert "Gone Worker" in text and "Deactivated" in text


def test_add_user_shows_a_temporary_password_once_and_it_must_be_changed_at_first_sign_in(
    app, admin_client, other_client, team
):
    response = admin_client.post(
        "/admin/users/new",
        data=_form(
            team.id, name="  Priya   Patel ", email=" Priya.Patel@Council.example ", roles=["auditor", "supervisor"]
        ),
    )

    assert response.status_code == 200
    assert "User added" in page_text(response)
    password = _temporary_password(response)
    user = _user(app, "priya.patel@council.example")
    assert user is not None
    assert user.name == "Priya Patel"
    assert user.team_id == team.id
    assert user.roles == {Role.AUDITOR, Role.SUPERVISOR}
    assert user.must_change_password
    assert password not in user.password_hash
    # Shown once: nowhere else shows it again.
    assert password not in admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert password not in admin_client.get("/admin/users").get_data(as_text=True)

    # The new user signs in through the real form and must choose a password first.
    signed_in = _sign_in(other_client, "priya.patel@council.example", password)
    assert signed_in.status_code == 302
    home = other_client.get(signed_in.headers["Location"])
    assert home.status_code == 302
    assert home.headers["Location"] == "/account/password"
    assert other_client.get("/cases/").headers["Location"] == "/account/password"
    changed = other_client.post(
        "/account/password",
        data={
            "current_password": password,
            "new_password": "lantern copper meadow",
            "confirm_password": "lantern copper meadow",
        },
    )
    assert changed.status_code == 302
    cases = other_client.get("/cases/")
    assert cases.status_code == 200
    assert heading(cases) == "Safeguarding East cases"
    assert not _user(app, "priya.patel@council.example").must_change_password


def test_duplicate_email_is_refused_whatever_its_case_and_keeps_what_was_typed(app, admin_client, make, team):
    make.user(email="taken@test.example")
    before = _user_count(app)

    response = admin_client.post(
        "/admin/users/new", data=_form(team.id, name="New Person", email="TAKEN@test.example", roles=["practitioner"])
    )

    assert_error(response, "email", "A user with the email address taken@test.example already exists")
    assert input_value(response, "name") == "New Person"
    assert input_value(response, "email") == "TAKEN@test.example"
    assert selected_values(response, "team") == [str(team.id)]
    assert selected_values(response, "roles") == ["practitioner"]
    assert "temporary-password" not in response.get_data(as_text=True)
    assert _user_count(app) == before


@pytest.mark.parametrize(
    "email", ["not-an-email", "name@", "@council.example", "two@@council.example", "a b@c.example"]
)
def test_invalid_email_is_refused(app, admin_client, team, email):
    before = _user_count(app)
    response = admin_client.post("/admin/users/new", data=_form(team.id, email=email))
    assert_error(response, "email", "Enter an email address in the correct format, like name@example.gov.uk")
    assert input_value(response, "email") == email
    assert _user_count(app) == before


def test_no_role_is_refused(app, admin_client, team):
    before = _user_count(app)
    response = admin_client.post("/admin/users/new", data=_form(team.id, roles=[]))
    assert_error(response, "roles", "Select at least one role")
    assert input_value(response, "email") == "priya.patel@council.example"
    assert _user_count(app) == before


def test_empty_form_has_an_error_for_each_field_in_page_order(admin_client):
    response = admin_client.post("/admin/users/new", data={"name": "", "email": "", "team": ""})
    assert response.status_code == 200
    assert error_summary(response) == [
        "Enter the user's full name",
        "Enter the user's email address",
        "Select at least one role",
    ]
    assert error_summary_links(response) == ["#name", "#email", "#roles"]


@pytest.mark.parametrize("roles", [["practitioner"], ["auditor", "supervisor"]])
def test_a_team_is_required_for_roles_that_are_not_service_wide(app, admin_client, roles):
    before = _user_count(app)
    response = admin_client.post("/admin/users/new", data=_form("", roles=roles))
    assert_error(response, "team", "Select a team: only admins, leaders and moderators can work without one")
    assert selected_values(response, "roles") == roles
    assert _user_count(app) == before


@pytest.mark.parametrize("roles", [["leader"], ["moderator"], ["admin"], ["leader", "auditor"]])
def test_service_wide_roles_may_have_no_team(app, admin_client, roles):
    response = admin_client.post("/admin/users/new", data=_form("", roles=roles))
    assert response.status_code == 200
    assert "User added" in page_text(response)
    user = _user(app, "priya.patel@council.example")
    assert user.team_id is None
    assert user.roles == {Role(role) for role in roles}


@pytest.mark.parametrize(("field", "value"), [("roles", "superuser"), ("team", "999999"), ("team", "abc")])
def test_tampered_choices_get_a_clear_message_and_save_nothing(app, admin_client, team, field, value):
    before = _user_count(app)
    response = admin_client.post("/admin/users/new", data=_form(team.id, **{field: value}))
    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert "Not a valid choice" not in page_text(response)
    assert "not a valid choice" not in page_text(response)
    assert _user_count(app) == before


def test_edit_user_details_and_roles(app, admin_client, make, team):
    other_team = make.team("Assessment North")
    user = make.user(Role.PRACTITIONER, team=team, email="worker@test.example", name="Wyn Worker")

    form = admin_client.get(f"/admin/users/{user.id}")
    assert input_value(form, "email") == "worker@test.example"
    assert selected_values(form, "roles") == ["practitioner"]
    assert selected_values(form, "team") == [str(team.id)]

    response = admin_client.post(
        f"/admin/users/{user.id}",
        data={
            "name": "Wyn Worker-Jones",
            "email": "wyn@test.example",
            "team": str(other_team.id),
            "roles": ["auditor", "supervisor"],
        },
    )

    assert response.status_code == 302
    saved = _user(app, "wyn@test.example")
    assert (saved.id, saved.name, saved.team_id) == (user.id, "Wyn Worker-Jones", other_team.id)
    assert saved.roles == {Role.AUDITOR, Role.SUPERVISOR}
    assert "Details for Wyn Worker-Jones saved." in page_text(admin_client.get("/admin/users"))


def test_edit_user_to_an_email_someone_else_has_is_refused_and_changes_nothing(app, admin_client, make, team):
    make.user(email="first@test.example")
    second = make.user(Role.PRACTITIONER, team=team, email="second@test.example", name="Second")

    response = admin_client.post(
        f"/admin/users/{second.id}",
        data={"name": "Second Renamed", "email": "First@test.example", "team": str(team.id), "roles": ["leader"]},
    )

    assert_error(response, "email", "A user with the email address first@test.example already exists")
    assert input_value(response, "name") == "Second Renamed"
    saved = _user(app, "second@test.example")
    assert saved.name == "Second"
    assert saved.roles == {Role.PRACTITIONER}


def test_a_user_may_keep_their_own_email_on_edit(app, admin_client, make, team):
    user = make.user(Role.PRACTITIONER, team=team, email="same@test.example")
    response = admin_client.post(
        f"/admin/users/{user.id}",
        data={"name": "Same Person", "email": "SAME@test.example", "team": str(team.id), "roles": ["practitioner"]},
    )
    assert response.status_code == 302


def test_admin_cannot_remove_their_own_admin_role(app, admin_client, admin):
    response = admin_client.post(
        f"/admin/users/{admin.id}",
        data={"name": "Ada Admin", "email": admin.email, "team": "", "roles": ["leader"]},
    )
    assert_error(response, "roles", "You cannot remove your own admin role")
    assert selected_values(response, "roles") == ["leader"]
    assert _user(app, admin.email).roles == {Role.ADMIN}


def test_admin_can_remove_another_admins_role(app, admin_client, make):
    other = make.user(Role.ADMIN, email="other.admin@test.example")
    response = admin_client.post(
        f"/admin/users/{other.id}",
        data={"name": "Other", "email": other.email, "team": "", "roles": ["leader"]},
    )
    assert response.status_code == 302
    assert _user(app, other.email).roles == {Role.LEADER}


def test_deactivate_ends_the_users_session_at_once_and_stops_sign_in_then_reactivate(
    app, admin_client, other_client, make, team
):
    user = make.user(Role.PRACTITIONER, team=team, email="leaver@test.example", name="Lee Leaver")
    other_client.sign_in_as(user)
    cases = other_client.get("/cases/")
    assert cases.status_code == 200
    assert heading(cases) == "Safeguarding East cases"

    response = admin_client.post(f"/admin/users/{user.id}/active", data={"active": "0"})

    assert response.status_code == 302
    assert "Lee Leaver has been deactivated and signed out." in page_text(
        admin_client.get(response.headers["Location"])
    )
    assert not _user(app, "leaver@test.example").active
    after = other_client.get("/cases/")
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/sign-in")
    assert NOT_RECOGNISED in page_text(_sign_in(app.test_client(), "leaver@test.example", PASSWORD))
    assert "This user is deactivated and cannot sign in." in page_text(admin_client.get(f"/admin/users/{user.id}"))

    response = admin_client.post(f"/admin/users/{user.id}/active", data={"active": "1"})

    assert response.status_code == 302
    assert _user(app, "leaver@test.example").active
    assert "Lee Leaver has been reactivated." in page_text(admin_client.get(response.headers["Location"]))
    assert _sign_in(app.test_client(), "leaver@test.example", PASSWORD).headers["Location"] == "/"


def test_deactivating_twice_leaves_the_user_deactivated(app, admin_client, make, team):
    """Two tabs, or a double click, must not flip the user back to active."""
    user = make.user(Role.PRACTITIONER, team=team, email="twice@test.example")
    admin_client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    admin_client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    assert not _user(app, "twice@test.example").active


def test_admin_cannot_deactivate_themselves(app, admin_client, admin):
    response = admin_client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    assert response.status_code == 400
    assert _user(app, admin.email).active


def test_reset_password_ends_sessions_and_the_old_password_stops_working(app, admin_client, other_client, make, team):
    user = make.user(Role.PRACTITIONER, team=team, email="forgetful@test.example", name="Fay Forgetful")
    other_client.sign_in_as(user)
    home = other_client.get("/")
    assert home.status_code == 200
    assert heading(home) == "Hello, Fay Forgetful"

    response = admin_client.post(f"/admin/users/{user.id}/reset-password")

    assert response.status_code == 200
    assert "Password reset" in page_text(response)
    password = _temporary_password(response)
    assert other_client.get("/").headers["Location"].startswith("/sign-in")
    assert _user(app, "forgetful@test.example").must_change_password
    fresh = app.test_client()
    assert NOT_RECOGNISED in page_text(_sign_in(fresh, "forgetful@test.example", PASSWORD))
    signed_in = _sign_in(fresh, "forgetful@test.example", password)
    assert signed_in.status_code == 302
    assert fresh.get("/").headers["Location"] == "/account/password"


def test_admin_cannot_reset_their_own_password_here(app, admin_client, admin):
    assert admin_client.post(f"/admin/users/{admin.id}/reset-password").status_code == 400
    home = admin_client.get("/")
    assert home.status_code == 200  # still signed in
    assert heading(home) == "Hello, Ada Admin"


def test_a_nul_in_a_name_is_refused_with_a_message_not_a_crash(app, admin_client, team):
    response = admin_client.post("/admin/users/new", data=_form(team.id, name="Priya\x00 Patel"))
    assert response.status_code == 200
    assert "contains a character that cannot be saved" in page_text(response)
    assert _user(app, "priya.patel@council.example") is None


def test_a_non_breaking_space_in_a_name_is_a_space(app, admin_client, team):
    admin_client.post("/admin/users/new", data=_form(team.id, name="Anne-Marie\u00a0Smith"))
    assert _user(app, "priya.patel@council.example").name == "Anne-Marie Smith"


def test_a_nul_in_an_email_is_refused_with_a_message_not_a_crash(app, admin_client, team):
    response = admin_client.post("/admin/users/new", data=_form(team.id, email="priya\x00@council.example"))
    assert response.status_code == 200
    assert "contains a character that cannot be saved" in page_text(response)
    assert _user(app, "priya@council.example") is None


def test_names_on_the_password_page_are_escaped(admin_client, team):
    response = admin_client.post("/admin/users/new", data=_form(team.id, name="Ann <b>O'Neil</b>"))
    html = response.get_data(as_text=True)
    assert "<b>O" not in html
    assert "Temporary password for Ann &lt;b&gt;O&#39;Neil&lt;/b&gt;<br>" in html


def test_reset_password_is_post_only(admin_client, make, team):
    user = make.user(Role.PRACTITIONER, team=team)
    assert admin_client.get(f"/admin/users/{user.id}/reset-password").status_code == 405


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/users/999999"),
        ("post", "/admin/users/999999"),
        ("post", "/admin/users/999999/active"),
        ("post", "/admin/users/999999/reset-password"),
        ("get", "/admin/users/2147483648"),
        ("post", "/admin/users/99999999999999999999/active"),
    ],
)
def test_unknown_user_is_404(admin_client, method, path):
    response = getattr(admin_client, method)(path)
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_user_admin_is_for_admins_only(client, make, team):
    target = make.user(Role.PRACTITIONER, team=team)
    client.sign_in_as(make.user(Role.LEADER))
    assert client.get("/admin/users").status_code == 403
    assert client.post(f"/admin/users/{target.id}/reset-password").status_code == 403
    assert client.post(f"/admin/users/{target.id}/active", data={"active": "0"}).status_code == 403


def test_an_admin_records_when_a_worker_qualified_and_it_sets_their_supervision_stage(app, admin_client, make, team):
    user = make.user(Role.PRACTITIONER, team=team, email="nq@test.example", name="Nia Newly")
    details = {"name": "Nia Newly", "email": "nq@test.example", "team": str(team.id), "roles": ["practitioner"]}

    refused = admin_client.post(f"/admin/users/{user.id}", data={**details, "newly_qualified_from": ["1", "1", "2999"]})
    assert refused.status_code == 200
    assert error_summary(refused) == ["The date they qualified must be today or in the past"]

    saved = admin_client.post(f"/admin/users/{user.id}", data={**details, "newly_qualified_from": ["1", "9", "2026"]})
    assert saved.status_code == 302
    assert _user(app, "nq@test.example").newly_qualified_from == date(2026, 9, 1)
    form = admin_client.get(f"/admin/users/{user.id}")
    assert 'value="2026"' in form.get_data(as_text=True)

    admin_client.post(f"/admin/users/{user.id}", data={**details, "newly_qualified_from": ["", "", ""]})
    assert _user(app, "nq@test.example").newly_qualified_from is None
