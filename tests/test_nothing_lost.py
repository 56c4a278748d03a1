"""An expired session or CSRF token never discards what the user typed."""

from __future__ import annotations

from sqlalchemy import func, select

from audit.extensions import db
from audit.models import PreservedForm, Role, Team
from tests.conftest import page_text
from tests.factories import PASSWORD

# What a browser sends with a form posted from the site's own page (the test client's site is
# http://localhost): a post without it is never kept (audit.preserve).
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}


def _team_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Team))


def test_expired_csrf_token_keeps_what_was_typed_and_saves_nothing(app, client, make):
    client.sign_in_as(make.user(Role.ADMIN))
    before = _team_count(app)
    response = client.post(
        "/admin/teams/new",
        data={"name": "Typed Before Expiry", "service_area": "2", "csrf_token": "expired-or-forged"},
        headers=SAME_ORIGIN,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/teams/new"
    assert _team_count(app) == before

    page = client.get("/admin/teams/new")
    assert 'value="Typed Before Expiry"' in page.get_data(as_text=True)
    assert "We kept what you entered" in page_text(page)
    # Shown once, then gone.
    assert "Typed Before Expiry" not in client.get("/admin/teams/new").get_data(as_text=True)


def test_expired_session_keeps_the_post_through_sign_in(app, client, make):
    admin = make.user(Role.ADMIN, email="idle@test.example")
    client.sign_in_as(admin)
    with client.session_transaction() as session:
        session["last_active"] -= 31 * 60  # idle past the 30-minute timeout
    response = client.post(
        "/admin/teams/new", data={"name": "Typed While Idle", "service_area": "3"}, headers=SAME_ORIGIN
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/admin/teams/new")

    sign_in_page = client.get(response.headers["Location"])
    assert "Sign in again to continue. We kept what you entered." in page_text(sign_in_page)
    assert "because you had not done anything for 30 minutes" in page_text(sign_in_page)
    response = client.post(response.headers["Location"], data={"email": "idle@test.example", "password": PASSWORD})
    assert response.headers["Location"] == "/admin/teams/new"
    page = client.get("/admin/teams/new")
    html = page.get_data(as_text=True)
    assert 'value="Typed While Idle"' in html
    assert 'value="3" checked' in html


def test_kept_form_is_never_shown_to_another_user(app, client, make):
    admin = make.user(Role.ADMIN)
    client.sign_in_as(admin)
    with client.session_transaction() as session:
        session["last_active"] -= 31 * 60
    client.post("/admin/teams/new", data={"name": "Private Draft", "service_area": "3"}, headers=SAME_ORIGIN)
    # Someone else signs in on the same browser.
    client.sign_in_as(make.user(Role.ADMIN))
    assert "Private Draft" not in client.get("/admin/teams/new").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PreservedForm)) == 0


def test_passwords_are_never_kept(app, client, make):
    client.sign_in_as(make.user())
    client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "a b", "confirm_password": "a b", "csrf_token": "bad"},
    )
    with app.app_context():
        kept = db.session.scalars(select(PreservedForm.data)).all()
    assert all(PASSWORD not in data for data in kept)


def test_cross_site_post_is_not_kept(app, client, make):
    client.sign_in_as(make.user(Role.ADMIN))
    client.post(
        "/admin/teams/new",
        data={"name": "Injected", "service_area": "2", "csrf_token": "x"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PreservedForm)) == 0


def test_expired_csrf_on_sign_in_asks_to_try_again(client):
    response = client.post("/sign-in", data={"email": "a@test.example", "password": "x", "csrf_token": "stale"})
    assert response.status_code == 302
    assert "This page had expired" in page_text(client.get("/sign-in"))


def test_session_status_reports_time_left_without_counting_as_activity(client, make):
    client.sign_in_as(make.user())
    with client.session_transaction() as session:
        session["last_active"] -= 10 * 60
    first = client.get("/session/status", headers={"Accept": "application/json"}).get_json()
    assert 19 * 60 < first["remaining_seconds"] <= 20 * 60
    second = client.get("/session/status", headers={"Accept": "application/json"}).get_json()
    assert second["remaining_seconds"] <= first["remaining_seconds"]
    client.post("/session/keep-alive", headers={"Accept": "application/json"})
    third = client.get("/session/status", headers={"Accept": "application/json"}).get_json()
    assert third["remaining_seconds"] > 29 * 60


def test_signed_out_json_request_gets_401(client):
    response = client.get("/session/status", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "signed_out"
