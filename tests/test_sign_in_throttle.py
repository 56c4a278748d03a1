"""Sign-in failures are limited per client address as well as per account: one address cannot
try account after account, and reaching the address limit locks no account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from audit.clock import utcnow
from audit.extensions import db
from audit.models import SignInFailure
from audit.models.logs import SignInFailureFromAddress
from audit.security import throttle
from tests.conftest import Client, page_text
from tests.factories import PASSWORD
from tests.pages import assert_well_formed_page

ATTACKER = "203.0.113.7"
COLLEAGUE = "198.51.100.20"
TOO_MANY = "There have been too many attempts to sign in from your network. Wait 15 minutes and try again."


def _sign_in(client: Client, email: str, password: str, address: str) -> Any:
    return client.post("/sign-in", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def _fail_from(client: Client, address: str, times: int) -> None:
    for number in range(times):
        response = _sign_in(client, f"guess{number}@test.example", "wrong password", address)
        assert response.status_code == 200


def test_one_address_is_refused_after_too_many_failures_across_accounts_without_locking_them(app, client, make):
    make.user(email="victim@test.example")
    _fail_from(client, ATTACKER, throttle.MAX_FAILURES_PER_ADDRESS - 1)
    # Each email failed once: no account is near its own limit.
    assert "Enter a correct email address" in page_text(_sign_in(client, "victim@test.example", "wrong", ATTACKER))

    refused = _sign_in(client, "victim@test.example", PASSWORD, ATTACKER)  # even the right password
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "900"
    page = assert_well_formed_page(refused)
    assert TOO_MANY in page_text(page)
    assert "There is a problem" in page_text(page)
    assert client.get("/").headers["Location"].startswith("/sign-in")  # not signed in
    with app.app_context():  # refused before the password was checked: nothing more counted
        victim_failures = (
            select(func.count()).select_from(SignInFailure).where(SignInFailure.email == "victim@test.example")
        )
        assert db.session.scalar(victim_failures) == 1

    # The account is not locked: its owner signs in from their own network.
    other_browser = app.test_client()
    signed_in = _sign_in(other_browser, "victim@test.example", PASSWORD, COLLEAGUE)
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/"


def test_the_address_may_try_again_once_its_failures_are_older_than_the_period(app, client, make):
    make.user(email="back@test.example")
    _fail_from(client, ATTACKER, throttle.MAX_FAILURES_PER_ADDRESS)
    assert _sign_in(client, "back@test.example", PASSWORD, ATTACKER).status_code == 429
    assert client.get("/sign-in", environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 200  # the page itself shows

    with app.app_context():
        db.session.execute(
            update(SignInFailureFromAddress).values(failed_at=utcnow() - throttle.ADDRESS_PERIOD - timedelta(minutes=1))
        )
        db.session.commit()
    assert _sign_in(client, "back@test.example", PASSWORD, ATTACKER).status_code == 302
    _sign_in(app.test_client(), "back@test.example", "wrong", ATTACKER)
    with app.app_context():  # the old failures were forgotten as the new one was counted
        assert db.session.scalar(select(func.count()).select_from(SignInFailureFromAddress)) == 1


def test_successful_sign_ins_are_not_counted(app, client, make):
    make.user(email="busy@test.example")
    for _ in range(3):
        assert _sign_in(app.test_client(), "busy@test.example", PASSWORD, COLLEAGUE).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInFailureFromAddress)) == 0


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("203.0.113.7", "203.0.113.7", True),
        ("203.0.113.7", "203.0.113.8", False),
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", True),  # one /64
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("::ffff:203.0.113.7", "203.0.113.7", True),
        (None, "not an address", True),
    ],
)
def test_addresses_are_counted_by_ipv4_address_or_ipv6_network(first, second, same):
    assert (throttle.client_key(first) == throttle.client_key(second)) is same
