"""A kept post (audit.preserve) is only ever the signed-in user's own, from this site's own page,
of a bounded size, and only ever shown back to that same user."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from audit import preserve
from audit.domain import people
from audit.extensions import db
from audit.models import PreservedForm, Role, User
from tests.conftest import Client, page_text
from tests.factories import PASSWORD

# What a browser sends with a form posted from one of the site's own pages (the test client's
# site is http://localhost).
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
NOT_KEPT = "What you entered could not be kept"
PAGE = "/admin/teams/new"


def _kept(app: Any, user_id: int | None = None) -> list[PreservedForm]:
    with app.app_context():
        query = select(PreservedForm)
        if user_id is not None:
            query = query.where(PreservedForm.user_id == user_id)
        rows = db.session.scalars(query.order_by(PreservedForm.id)).all()
        db.session.expunge_all()
        return list(rows)


def _count(app: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PreservedForm)) or 0


def _go_idle(client: Client) -> None:
    with client.session_transaction() as session:
        session["last_active"] -= 31 * 60  # past the 30-minute idle timeout


def _idle_post(client: Client, user: User, name: str, headers: dict[str, str] | None = None) -> Any:
    client.sign_in_as(user)
    _go_idle(client)
    return client.post(
        PAGE, data={"name": name, "service_area": "3"}, headers=SAME_ORIGIN if headers is None else headers
    )


def _sign_in(client: Client, email: str, next_path: str = PAGE) -> None:
    response = client.post(f"/sign-in?next={next_path}", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, page_text(response)


# The honest case still works --------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(SAME_ORIGIN, id="browser"),
        pytest.param({"Sec-Fetch-Site": "same-origin"}, id="fetch-metadata-only"),
        pytest.param({"Origin": "http://localhost"}, id="origin-only"),
        pytest.param({"Referer": "http://localhost/admin/teams/new"}, id="referer-only"),
    ],
)
def test_own_page_post_after_idle_is_kept_and_restored_after_sign_in(app, client, make, headers):
    admin = make.user(Role.ADMIN, email="own@test.example")
    response = _idle_post(client, admin, "Typed While Idle", headers)
    assert response.headers["Location"].startswith("/sign-in?next=/admin/teams/new")
    assert [kept.user_id for kept in _kept(app)] == [admin.id]
    assert "We kept what you entered" in page_text(client.get(response.headers["Location"]))

    _sign_in(client, "own@test.example")
    assert 'value="Typed While Idle"' in client.get(PAGE).get_data(as_text=True)
    assert _count(app) == 0  # shown once, then gone


def test_own_page_post_with_an_expired_csrf_token_is_kept_for_the_signed_in_user(app, client, make):
    admin = make.user(Role.ADMIN)
    client.sign_in_as(admin)
    response = client.post(
        PAGE, data={"name": "Typed Slowly", "service_area": "2", "csrf_token": "old"}, headers=SAME_ORIGIN
    )
    assert response.headers["Location"] == PAGE
    assert [kept.user_id for kept in _kept(app)] == [admin.id]
    assert 'value="Typed Slowly"' in client.get(PAGE).get_data(as_text=True)


# Another site's post is never kept ----------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Origin": "http://localhost.evil.example"}, id="origin-starts-with-ours"),
        pytest.param({"Origin": "http://localhost:80.evil.example"}, id="port-then-domain"),
        pytest.param({"Origin": "https://localhost"}, id="other-scheme"),
        pytest.param({"Origin": "http://localhost:8080"}, id="other-port"),
        pytest.param({"Origin": "null"}, id="opaque-origin"),
        pytest.param({"Referer": "http://localhost.evil.example/form"}, id="referer-starts-with-ours"),
        pytest.param({"Sec-Fetch-Site": "same-site", "Origin": "http://localhost"}, id="sibling-site"),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, id="cross-site"),
        pytest.param({"Sec-Fetch-Site": "none"}, id="no-page"),
        pytest.param({}, id="no-origin-at-all"),
    ],
)
def test_a_post_not_from_our_own_page_is_never_kept(app, client, make, headers):
    admin = make.user(Role.ADMIN)
    response = _idle_post(client, admin, "Injected", headers)
    assert response.status_code == 302
    assert _count(app) == 0
    assert NOT_KEPT in page_text(client.get(response.headers["Location"]))

    client.sign_in_as(admin)
    client.post(PAGE, data={"name": "Injected", "service_area": "2", "csrf_token": "x"}, headers=headers)
    assert _count(app) == 0
    assert NOT_KEPT in page_text(client.get(PAGE))


@pytest.mark.parametrize(
    ("origin", "same"),
    [
        ("http://127.0.0.1:5000", True),
        ("http://127.0.0.1:5000/audits/1/edit", True),
        ("http://127.0.0.1:5000.evil.example", False),
        ("http://127.0.0.1:50000", False),
        ("http://127.0.0.1", False),
        ("https://127.0.0.1:5000", False),
        ("http://127.0.0.1:5000@evil.example", False),
        ("javascript:alert(1)", False),
    ],
)
def test_the_origin_must_be_exactly_this_sites_scheme_host_and_port(app, origin, same):
    with app.test_request_context("/", method="POST", base_url="http://127.0.0.1:5000", headers={"Origin": origin}):
        assert preserve.is_same_origin_post() is same


# Only a known user's post, and only for them ------------------------------------------------------


def test_a_signed_out_post_is_never_stored(app, client, make):
    response = client.post(PAGE, data={"name": "Anonymous", "service_area": "2"}, headers=SAME_ORIGIN)
    assert response.headers["Location"].startswith("/sign-in")
    assert _count(app) == 0
    text = page_text(client.get(response.headers["Location"]))
    assert NOT_KEPT in text and "We kept what you entered" not in text


def test_a_post_after_the_session_was_ended_elsewhere_is_not_kept_or_shown_to_the_next_user(app, client, make):
    first = make.user(Role.ADMIN)
    make.user(Role.ADMIN, email="next@test.example")
    client.sign_in_as(first)
    with app.app_context():
        people.end_sessions(db.session.get(User, first.id))  # signed out on another device
        db.session.commit()
    response = client.post(PAGE, data={"name": "Private Draft", "service_area": "3"}, headers=SAME_ORIGIN)
    assert response.headers["Location"].startswith("/sign-in")
    assert _count(app) == 0

    _sign_in(client, "next@test.example")
    assert "Private Draft" not in client.get(PAGE).get_data(as_text=True)


def test_a_kept_post_is_never_shown_to_another_user_on_the_same_browser(app, client, make):
    owner = make.user(Role.ADMIN)
    other = make.user(Role.ADMIN, email="other@test.example")
    _idle_post(client, owner, "Owner's Draft")
    assert [kept.user_id for kept in _kept(app)] == [owner.id]

    _sign_in(client, "other@test.example")  # the sign-in page drops a kept form that is not theirs
    assert "Owner&#39;s Draft" not in client.get(PAGE).get_data(as_text=True)

    assert _count(app) == 0  # deleted unseen: its token has left the session, so nobody could reach it

    # Even with the owner's token still in the session, the other user is never shown it.
    _idle_post(client, owner, "Owner's Draft")
    client.sign_in_as(other)
    assert "Owner" not in client.get(PAGE).get_data(as_text=True)
    assert _count(app) == 0


# Bounded ----------------------------------------------------------------------------------------


def test_a_post_over_the_size_limit_is_not_stored(app, client, make):
    admin = make.user(Role.ADMIN)
    response = _idle_post(client, admin, "x" * (preserve.MAX_KEPT_CHARACTERS + 1))
    assert _count(app) == 0
    assert NOT_KEPT in page_text(client.get(response.headers["Location"]))

    _idle_post(client, admin, "y" * (preserve.MAX_KEPT_CHARACTERS - 100))
    assert _count(app) == 1


def test_each_user_keeps_only_their_newest_posts(app, client, make):
    admin = make.user(Role.ADMIN)
    other = make.user(Role.ADMIN)
    _idle_post(client, other, "Someone else's")
    for number in range(preserve.MAX_KEPT_PER_USER + 2):
        _idle_post(client, admin, f"Draft {number}")
    kept = _kept(app, admin.id)
    assert len(kept) == preserve.MAX_KEPT_PER_USER
    names = [json.loads(row.data)[0][1] for row in kept]
    assert names == [f"Draft {number}" for number in range(2, preserve.MAX_KEPT_PER_USER + 2)]
    assert len(_kept(app, other.id)) == 1  # another user's are not touched
