"""Admin of teams: grouped by service area, added, renamed, with GOV.UK-style errors."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Role, ServiceArea, Team
from tests.conftest import page_text
from tests.govuk_html import assert_error, input_value, selected_values, title


def _area_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(ServiceArea.id).where(ServiceArea.name == name))


def _team_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Team))


@pytest.fixture
def admin_client(client, make):
    client.sign_in_as(make.user(Role.ADMIN))
    return client


def test_teams_are_listed_under_their_service_area_with_active_member_counts(admin_client, make):
    north = make.team("Assessment North", area="Assessment")
    care = make.team("Children in care East", area="Children in care")
    make.user(Role.PRACTITIONER, team=north)
    make.user(Role.SUPERVISOR, Role.AUDITOR, team=north)
    make.user(Role.PRACTITIONER, team=north, active=False)  # not counted
    make.user(Role.PRACTITIONER, team=care)

    response = admin_client.get("/admin/teams")

    assert response.status_code == 200
    text = page_text(response)
    assert re.search(r"Assessment .*Assessment North 2 Change", text)
    assert re.search(r"Children in care .*Children in care East 1 Change", text)
    # Each team appears under its own area, not the other.
    assessment_section = text.split("Assessment North")[0]
    assert "Children in care East" not in assessment_section
    assert "No teams yet." in text  # areas with no teams say so


def test_teams_page_is_for_admins_only(client, make):
    client.sign_in_as(make.user(Role.LEADER))
    assert client.get("/admin/teams").status_code == 403
    assert client.post("/admin/teams/new", data={"name": "X"}).status_code == 403


def test_add_a_team(app, admin_client):
    area_id = _area_id(app, "Care leavers")
    form = admin_client.get("/admin/teams/new")
    assert form.status_code == 200
    assert "Care leavers" in page_text(form)

    response = admin_client.post(
        "/admin/teams/new", data={"name": "  Leaving   care  North ", "service_area": str(area_id)}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/teams"
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "Leaving care North"))
        assert team is not None
        assert team.service_area_id == area_id
    listed = admin_client.get("/admin/teams", follow_redirects=True)
    assert "Leaving care North team saved." in page_text(listed)


def test_duplicate_team_name_is_refused_whatever_its_case_and_keeps_what_was_typed(app, admin_client, make):
    make.team("Assessment North")
    before = _team_count(app)

    response = admin_client.post(
        "/admin/teams/new", data={"name": "assessment NORTH", "service_area": str(_area_id(app, "Assessment"))}
    )

    assert_error(response, "name", "A team called Assessment North already exists")
    assert input_value(response, "name") == "assessment NORTH"
    assert _team_count(app) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "service_area": "AREA"}, "Enter the team's name"),
        ({"name": "   ", "service_area": "AREA"}, "Enter the team's name"),
        ({"name": "Lonely team"}, "Select the team's service area"),
        ({"name": "x" * 101, "service_area": "AREA"}, "Team name must be 100 characters or fewer"),
        ({"name": "Made-up area", "service_area": "999999"}, "Select the team's service area"),
    ],
)
def test_team_form_errors_have_a_summary_a_field_message_and_an_error_title(app, admin_client, data, message):
    area_id = _area_id(app, "Assessment")
    data = {key: (str(area_id) if value == "AREA" else value) for key, value in data.items()}
    before = _team_count(app)

    response = admin_client.post("/admin/teams/new", data=data)

    field = "name" if "name" in message.lower() else "service_area"
    assert_error(response, field, message)
    assert title(response).startswith("Error: Add a team")
    assert "Not a valid choice" not in page_text(response)
    if data.get("name", "").strip():
        assert input_value(response, "name") == data["name"]  # what was typed is kept
    if data.get("service_area") == str(area_id):
        assert selected_values(response, "service_area") == [str(area_id)]
    assert _team_count(app) == before


def test_edit_a_team(app, admin_client, make):
    team = make.team("Asessment Sooth", area="Assessment")
    new_area = _area_id(app, "Disabled children")

    form = admin_client.get(f"/admin/teams/{team.id}")
    assert form.status_code == 200
    assert 'value="Asessment Sooth"' in form.get_data(as_text=True)

    response = admin_client.post(
        f"/admin/teams/{team.id}", data={"name": "Disabled children South", "service_area": str(new_area)}
    )

    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Team, team.id)
        assert (saved.name, saved.service_area_id) == ("Disabled children South", new_area)


def test_a_team_may_change_the_case_of_its_own_name(app, admin_client, make):
    team = make.team("Mash Team")
    response = admin_client.post(
        f"/admin/teams/{team.id}", data={"name": "MASH team", "service_area": str(_area_id(app, "Assessment"))}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Team, team.id).name == "MASH team"


def test_renaming_a_team_to_another_teams_name_is_refused(app, admin_client, make):
    make.team("Alpha")
    beta = make.team("Beta")
    response = admin_client.post(
        f"/admin/teams/{beta.id}", data={"name": "ALPHA", "service_area": str(_area_id(app, "Assessment"))}
    )
    assert response.status_code == 200
    assert "A team called Alpha already exists" in page_text(response)
    with app.app_context():
        assert db.session.get(Team, beta.id).name == "Beta"


@pytest.mark.parametrize("team_id", ["999999", "0", "2147483648", "99999999999999999999"])
def test_unknown_team_is_404(admin_client, team_id):
    """Ids beyond what the database can hold are "not found" too, not a database error."""
    assert admin_client.get(f"/admin/teams/{team_id}").status_code == 404
    assert admin_client.post(f"/admin/teams/{team_id}", data={"name": "X"}).status_code == 404


def test_a_nul_in_a_name_is_refused_with_a_message_not_a_crash(app, admin_client):
    """PostgreSQL refuses NUL in text; a pasted one gets a message on the field, and the rest of the
    form comes back as typed (tests/test_hostile_input.py covers every form)."""
    before = _team_count(app)
    response = admin_client.post(
        "/admin/teams/new", data={"name": "Front\x00 door\t", "service_area": str(_area_id(app, "Assessment"))}
    )
    assert response.status_code == 200
    assert "contains a character that cannot be saved" in page_text(response)
    assert _team_count(app) == before


def test_an_oversize_form_gets_a_clear_message_not_a_crash(app, admin_client):
    before = _team_count(app)
    area = str(_area_id(app, "Assessment"))

    long_name = admin_client.post("/admin/teams/new", data={"name": "x" * 1_000_000, "service_area": area})
    assert_error(long_name, "name", "Team name must be 100 characters or fewer")

    too_big = admin_client.post(
        "/admin/teams/new", data={"name": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1), "service_area": area}
    )
    assert too_big.status_code == 413
    assert "The file or form you sent is too large" in page_text(too_big)
    assert _team_count(app) == before
