"""The one source of "now": naive UTC datetimes, stored the same way on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()
