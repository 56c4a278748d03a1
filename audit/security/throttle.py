"""Sign-in throttling counted in the database, so every app worker sees the same count.

Two limits. Per account: ``MAX_FAILURES`` failures for one email address within ``LOCK_PERIOD``
lock that email for the rest of the period. Per client address: ``MAX_FAILURES_PER_ADDRESS``
failures from one address (any emails) within ``ADDRESS_PERIOD`` refuse every sign-in attempt
from that address until the oldest of them is older than the period; the accounts tried are not
locked by it. An IPv6 address is counted by its /64 network, since one household or server
usually holds a whole /64. The address is the request's (``remote_addr``), which is the client's
own behind a trusted proxy once the proxy is configured.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from audit.clock import utcnow
from audit.extensions import db
from audit.models import SignInFailure
from audit.models.logs import SignInFailureFromAddress

MAX_FAILURES = 10
LOCK_PERIOD = timedelta(minutes=15)
# Many staff may share one council network address: 50 failures in 15 minutes is far more than
# their typing slips, and lets one address lock at most 5 accounts (of 10 failures each) meanwhile.
MAX_FAILURES_PER_ADDRESS = 50
ADDRESS_PERIOD = timedelta(minutes=15)
UNKNOWN_ADDRESS = "unknown"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_locked(email: str) -> bool:
    since = utcnow() - LOCK_PERIOD
    failures = db.session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.email == normalise_email(email), SignInFailure.failed_at > since)
    )
    return (failures or 0) >= MAX_FAILURES


def record_failure(email: str) -> None:
    db.session.add(SignInFailure(email=normalise_email(email)[:254]))


def clear_failures(email: str) -> None:
    db.session.execute(delete(SignInFailure).where(SignInFailure.email == normalise_email(email)))


def forget_old_failures() -> None:
    db.session.execute(delete(SignInFailure).where(SignInFailure.failed_at < utcnow() - LOCK_PERIOD))
    db.session.execute(
        delete(SignInFailureFromAddress).where(SignInFailureFromAddress.failed_at < utcnow() - ADDRESS_PERIOD)
    )


# Per client address -------------------------------------------------------------------------------


def client_key(remote_addr: str | None) -> str:
    """What failures are counted against: the IPv4 address, or the IPv6 address's /64 network."""
    try:
        address = ipaddress.ip_address((remote_addr or "").strip())
    except ValueError:
        return UNKNOWN_ADDRESS
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _failures_from(key: str, since: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(SignInFailureFromAddress)
            .where(SignInFailureFromAddress.client_address == key, SignInFailureFromAddress.failed_at > since)
        )
        or 0
    )


def address_is_blocked(remote_addr: str | None) -> bool:
    """True when this address has failed too often lately to be let try again yet."""
    return _failures_from(client_key(remote_addr), utcnow() - ADDRESS_PERIOD) >= MAX_FAILURES_PER_ADDRESS


def record_address_failure(remote_addr: str | None) -> None:
    """Count a failed sign-in against its address (committed with the request), and forget the
    failures too old to count, so the table stays small without a scheduled job."""
    now = utcnow()
    db.session.execute(
        delete(SignInFailureFromAddress).where(SignInFailureFromAddress.failed_at < now - ADDRESS_PERIOD)
    )
    db.session.add(SignInFailureFromAddress(client_address=client_key(remote_addr), failed_at=now))
