"""Signing in and out: passwords, throttling, and sessions that end when they should."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from audit.clock import utcnow
from audit.extensions import db
from audit.models import Role, SignInFailure, User
from audit.security.throttle import MAX_FAILURES
from tests.conftest import page_text
from tests.factories import PASSWORD
from tests.pages import heading

NOT_RECOGNISED = "Enter a correct email address and password"
LOCKED = "too many attempts to sign in"


def sign_in(client, email, password, next_path=None):
    url = "/sign-in" + (f"?next={next_path}" if next_path else "")
    return client.post(url, data={"email": email, "password": password})


def test_sign_in_with_email_and_password_lands_on_home(client, make):
    user = make.user(Role.AUDITOR, team=make.team(), email="ash@test.example")
    response = sign_in(client, "  Ash@Test.example ", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert "Auditor" in page_text(home)
    assert user.name in page_text(home)


def test_passwords_are_stored_as_argon2id(app, client, make):
    admin = make.user(Role.ADMIN)
    client.sign_in_as(admin)
    client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "violet kettle harbour",
            "confirm_password": "violet kettle harbour",
        },
    )
    with app.app_context():
        stored = db.session.get(User, admin.id).password_hash
    assert stored.startswith("$argon2id$")
    assert "violet" not in stored


def test_wrong_password_and_unknown_email_get_the_same_message(client, make):
    make.user(email="known@test.example")
    wrong = sign_in(client, "known@test.example", "not the password")
    unknown = sign_in(client, "nobody@test.example", "not the password")
    for response in (wrong, unknown):
        assert response.status_code == 200
        text = page_text(response)
        assert "There is a problem" in text
        assert NOT_RECOGNISED in text
        assert response.get_data(as_text=True).count("not the password") == 0
    assert 'value="known@test.example"' in wrong.get_data(as_text=True)
    assert "<title>Error: Sign in" in wrong.get_data(as_text=True)


def test_empty_form_gets_an_error_for_each_field(client):
    response = sign_in(client, "", "")
    text = page_text(response)
    assert "Enter your email address" in text
    assert "Enter your password" in text
    assert 'href="#email"' in response.get_data(as_text=True)


def test_account_locks_after_repeated_failures_without_revealing_whether_it_exists(app, client, make):
    make.user(email="target@test.example")
    for _ in range(MAX_FAILURES):
        assert NOT_RECOGNISED in page_text(sign_in(client, "target@test.example", "guess"))
        sign_in(client, "ghost@test.example", "guess")
    # Locked now, even with the right password; and an unknown email reads the same.
    assert LOCKED in page_text(sign_in(client, "target@test.example", PASSWORD))
    assert LOCKED in page_text(sign_in(client, "ghost@test.example", PASSWORD))
    assert client.get("/").status_code == 302

    # The count lives in the database, so every app worker sees it; after 15 minutes it lapses.
    with app.app_context():
        db.session.execute(update(SignInFailure).values(failed_at=utcnow() - timedelta(minutes=16)))
        db.session.commit()
    assert sign_in(client, "target@test.example", PASSWORD).headers["Location"] == "/"


def test_successful_sign_in_clears_earlier_failures(app, client, make):
    make.user(email="clear@test.example")
    for _ in range(3):
        sign_in(client, "clear@test.example", "guess")
    sign_in(client, "clear@test.example", PASSWORD)
    with app.app_context():
        left = db.session.scalars(select(SignInFailure).where(SignInFailure.email == "clear@test.example")).all()
    assert left == []


def test_deactivated_user_cannot_sign_in(client, make):
    make.user(email="gone@test.example", active=False)
    assert NOT_RECOGNISED in page_text(sign_in(client, "gone@test.example", PASSWORD))


def test_sign_out_ends_the_session_even_if_the_cookie_is_replayed(client, make):
    user = make.user()
    client.sign_in_as(user)
    assert heading(client.get_page("/")) == f"Hello, {user.name}"
    with client.session_transaction() as session:
        stolen = dict(session)
    response = client.post("/sign-out")
    assert response.headers["Location"] == "/sign-in"
    assert client.get("/").status_code == 302
    with client.session_transaction() as session:
        session.update(stolen)
    assert client.get("/").status_code == 302


def test_changing_password_signs_out_other_sessions_but_not_this_one(app, client, make):
    user = make.user()
    other_device = app.test_client()
    client.sign_in_as(user)
    other_device.sign_in_as(user)
    assert heading(other_device.get_page("/")) == f"Hello, {user.name}"

    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "maple orbit tundra",
            "confirm_password": "maple orbit tundra",
        },
    )
    assert response.headers["Location"] == "/"
    assert heading(client.get_page("/")) == f"Hello, {user.name}"
    assert other_device.get("/").status_code == 302
    assert sign_in(app.test_client(), user.email, "maple orbit tundra").headers["Location"] == "/"


def test_change_password_rejects_weak_wrong_and_mismatched(client, make):
    client.sign_in_as(make.user())
    cases = [
        (
            {
                "current_password": "wrong",
                "new_password": "maple orbit tundra",
                "confirm_password": "maple orbit tundra",
            },
            "Your current password is not correct",
        ),
        (
            {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
            "Password must be 12 characters or more",
        ),
        (
            {"current_password": PASSWORD, "new_password": "password1234", "confirm_password": "password1234"},
            "too easy to guess",
        ),
        (
            {"current_password": PASSWORD, "new_password": "maple orbit tundra", "confirm_password": "maple orbit"},
            "The passwords do not match",
        ),
    ]
    for data, message in cases:
        response = client.post("/account/password", data=data)
        assert response.status_code == 200
        assert message in page_text(response)


def test_temporary_password_must_be_changed_before_anything_else(client, make):
    user = make.user(must_change_password=True)
    client.sign_in_as(user)
    assert client.get("/").headers["Location"] == "/account/password"
    assert client.get("/cases/").headers["Location"] == "/account/password"
    assert heading(client.get_page("/account/password")) == "Change your password"
    client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "cobalt meadow lantern",
            "confirm_password": "cobalt meadow lantern",
        },
    )
    assert heading(client.get_page("/")) == f"Hello, {user.name}"


def test_next_only_redirects_within_the_site(client, make):
    make.user(email="next@test.example")
    for target in ("//evil.example/", "https://evil.example/", "javascript:alert(1)"):
        response = sign_in(client, "next@test.example", PASSWORD, next_path=target)
        assert response.headers["Location"] == "/"
        client.post("/sign-out")
    response = sign_in(client, "next@test.example", PASSWORD, next_path="/cases/")
    assert response.headers["Location"] == "/cases/"


def test_signed_out_user_is_sent_to_sign_in_and_back(client, make):
    make.user(email="back@test.example", team=make.team())
    response = client.get("/cases/?q=12")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/sign-in?next=")
    sign_in_page = client.get_page(location)
    token = sign_in_page.find("input", attrs={"name": "csrf_token", "type": "hidden"})
    assert token and token.get("value")
    response = client.post(location, data={"email": "back@test.example", "password": PASSWORD})
    assert response.headers["Location"] == "/cases/?q=12"
