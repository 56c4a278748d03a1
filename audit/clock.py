"""The one source of "now": naive UTC datetimes, stored the same way on SQLite and PostgreSQL,
and the one source of "today": the UK date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today where the service's users are: the Europe/London date, never the UTC date (from
    23:00 UTC in British Summer Time it is already tomorrow in England)."""
    return local_now().date()


LOCAL_TIME = ZoneInfo("Europe/London")


def to_local(value: datetime) -> datetime:
    """Stored times are naive UTC; people read UK time (GMT or BST)."""
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TIME)


def local_now() -> datetime:
    return to_local(utcnow())


def utc_start_of(day: date) -> datetime:
    """The stored (naive UTC) time at which a UK day begins: periods are cut here, so an audit
    submitted at 00:30 BST on 1 October belongs to October."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TIME).astimezone(UTC).replace(tzinfo=None)


def _last_sunday(year: int, month: int) -> datetime:
    """01:00 on the month's last Sunday, one of its last seven days."""
    return next(datetime(year, month, day, 1) for day in range(31, 24, -1) if datetime(year, month, day).weekday() == 6)


def bst_periods(years: range) -> list[tuple[datetime, datetime]]:
    """The stored (naive UTC) times British Summer Time begins and ends in each of ``years``: the
    hours in which the UK date of a time from 23:00 UTC is already the next day. The clocks go
    forward at 01:00 UTC on the last Sunday of March and back at 01:00 UTC on the last Sunday of
    October (the UK's rule since 1998)."""
    return [(_last_sunday(year, 3), _last_sunday(year, 10)) for year in years]


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days (Monday to Friday) after ``start``. Bank holidays are not
    known to the service: they count as working days."""
    day = start
    while days > 0:
        day = date.fromordinal(day.toordinal() + 1)
        if day.weekday() < 5:
            days -= 1
    return day
