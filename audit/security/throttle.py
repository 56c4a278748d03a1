"""Sign-in throttling counted in the database, so every app worker sees the same count."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from audit.clock import utcnow
from audit.extensions import db
from audit.models import SignInFailure

MAX_FAILURES = 10
LOCK_PERIOD = timedelta(minutes=15)


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
