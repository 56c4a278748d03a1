from audit.models import Role
from tests.conftest import page_text


def test_sign_in_page_is_served(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert "Email address" in page_text(response)


def test_signed_in_admin_sees_teams(client, make):
    team = make.team("Alpha")
    admin = make.user(Role.ADMIN)
    make.user(Role.PRACTITIONER, team=team)
    client.sign_in_as(admin)
    response = client.get("/admin/teams")
    assert response.status_code == 200
    assert "Alpha" in page_text(response)
