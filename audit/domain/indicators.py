"""Performance indicators imported as monthly figures (a CSV with the columns ``indicator``,
``month`` and ``value``, e.g. "% of visits in timescale,2026-10,61.5"), for plan measures to bind to
so that what the audits say and what the service's own returns say are read side by side.

As the case import: every row is checked before anything is written; one bad row means nothing is
applied, each problem reported with its line number; the file is planned first (``plan_import``)
and shown to the leader, then planned again and applied all or nothing when they confirm, if it
still plans the same (``fingerprint``). A month already held for an indicator is replaced.
Unknown columns are ignored and listed back. NUL characters and text that is not UTF-8 are refused
(PostgreSQL refuses NUL; SQLite would keep it).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from audit.clock import today, utcnow
from audit.extensions import db
from audit.models import IndicatorValue, PerformanceIndicator

COLUMNS = ("indicator", "month", "value")
MAX_BYTES = 256 * 1024
MAX_ROWS = 5_000
NAME_MAX = 200
KEY_MAX = 80
EARLIEST_MONTH = date(2000, 1, 1)
TEMPLATE_CSV = "indicator,month,value\r\n% of visits in timescale,2026-10,61.5\r\n"
NUL_PROBLEM = "The line contains a null character: save the file again as a CSV"
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def indicator_key(name: str) -> str:
    """The stable key a measure binds to (``indicator:<key>``): the name in lower case, letters
    and digits joined by hyphens ("% of visits in timescale" -> "percent-of-visits-in-timescale")."""
    words = re.findall(r"[a-z0-9]+", name.lower().replace("%", " percent "))
    return "-".join(words)[:KEY_MAX].strip("-")


@dataclass(frozen=True)
class IndicatorRow:
    line: int
    name: str
    key: str
    month: date
    value: float
    replaces: float | None = None  # the figure held now for the month, if any


@dataclass
class ImportPlan:
    rows: list[IndicatorRow] = field(default_factory=list)
    errors: list[tuple[int | None, str]] = field(default_factory=list)  # (line, problem)
    ignored_columns: list[str] = field(default_factory=list)
    new_indicators: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def replaced(self) -> list[IndicatorRow]:
        return [row for row in self.rows if row.replaces is not None]

    @property
    def fingerprint(self) -> str:
        """What the plan would do, hashed: confirming a plan that has changed since is refused."""
        text = "\n".join(f"{row.key}|{row.month}|{row.value!r}|{row.replaces!r}" for row in self.rows)
        return hashlib.sha256(text.encode()).hexdigest()


def _month(text: str, on: date) -> date | str:
    found = _MONTH.match(text.strip())
    if not found:
        return f"Month ‘{text[:20]}’ must be a year and month like 2026-10"
    year, month = int(found[1]), int(found[2])
    if not 1 <= month <= 12:
        return f"Month ‘{text[:20]}’ must be a year and month like 2026-10 (the month from 01 to 12)"
    first = date(year, month, 1)
    if first < EARLIEST_MONTH:
        return f"Month ‘{text[:20]}’ must be {EARLIEST_MONTH:%Y-%m} or later"
    if first > on.replace(day=1):
        return f"Month ‘{text[:20]}’ is in the future: only months up to this one can be imported"
    return first


def _value(text: str) -> float | str:
    cleaned = text.strip().removesuffix("%").strip()
    try:
        value = float(cleaned)
    except ValueError:
        return f"Value ‘{text[:20]}’ must be a number, like 61.5"
    if not math.isfinite(value):
        return f"Value ‘{text[:20]}’ must be a number, like 61.5"
    if not 0 <= value <= 100:
        return f"Value ‘{text[:20]}’ must be a percentage from 0 to 100"
    return value


def _read(content: bytes, plan: ImportPlan) -> list[tuple[int, dict[str, str]]]:
    if len(content) > MAX_BYTES:
        plan.errors.append((None, f"The file must be smaller than {MAX_BYTES // 1024} KB"))
        return []
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        plan.errors.append((None, "The file must be a CSV saved as UTF-8 text"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    if not header:
        plan.errors.append((1, "The file is empty: it needs a header row (indicator, month, value) and figures"))
        return []
    if any("\x00" in cell for cell in header):
        plan.errors.append((1, NUL_PROBLEM))
        return []
    names = [cell.strip().lower() for cell in header]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        plan.errors.append(
            (1, f"The header row must name the columns {', '.join(COLUMNS)} (missing: {', '.join(missing)})")
        )
        return []
    plan.ignored_columns = [cell.strip() for cell in header if cell.strip().lower() not in COLUMNS and cell.strip()]
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= MAX_ROWS:
                plan.errors.append((None, f"The file has more than {MAX_ROWS:,} rows: split it into smaller files"))
                return []
            if any("\x00" in value for value in values):
                plan.errors.append((line, NUL_PROBLEM))
                continue
            rows.append(
                (line, {name: (values[index] if index < len(values) else "") for index, name in enumerate(names)})
            )
    except csv.Error as error:
        plan.errors.append((reader.line_num, f"The file is not a CSV this service can read ({error})"))
    return rows


def plan_import(content: bytes, on: date | None = None) -> ImportPlan:
    """Check every row of ``content`` and plan what importing it would add and replace."""
    on = on or today()
    plan = ImportPlan()
    seen: dict[tuple[str, date], int] = {}
    parsed: list[IndicatorRow] = []
    for line, row in _read(content, plan):
        name = " ".join(row["indicator"].split())
        problems = []
        if not name:
            problems.append("Enter the indicator’s name")
        elif len(name) > NAME_MAX:
            problems.append(f"The indicator’s name must be {NAME_MAX} characters or fewer")
        elif not indicator_key(name):
            problems.append("The indicator’s name must contain letters or digits")
        month = _month(row["month"], on)
        value = _value(row["value"])
        problems += [found for found in (month, value) if isinstance(found, str)]
        if problems:
            plan.errors += [(line, problem) for problem in problems]
            continue
        assert isinstance(month, date) and isinstance(value, float)
        key = indicator_key(name)
        if (key, month) in seen:
            plan.errors.append((line, f"‘{name}’ for {month:%Y-%m} is also on line {seen[key, month]}"))
            continue
        seen[key, month] = line
        parsed.append(IndicatorRow(line, name, key, month, value))
    if plan.errors:
        return plan
    if not parsed:
        plan.errors.append((None, "The file has a header row but no figures"))
        return plan
    held = _held({row.key for row in parsed})
    known = {key for key, _month in held} | set(_indicator_ids({row.key for row in parsed}))
    plan.rows = [
        IndicatorRow(row.line, row.name, row.key, row.month, row.value, held.get((row.key, row.month)))
        for row in parsed
    ]
    plan.new_indicators = sorted({row.name for row in parsed if row.key not in known})
    return plan


def _indicator_ids(keys: set[str]) -> dict[str, int]:
    return dict(
        db.session.execute(
            select(PerformanceIndicator.key, PerformanceIndicator.id).where(PerformanceIndicator.key.in_(keys))
        ).all()
    )


def _held(keys: set[str]) -> dict[tuple[str, date], float]:
    rows = db.session.execute(
        select(PerformanceIndicator.key, IndicatorValue.month, IndicatorValue.value)
        .join(IndicatorValue, IndicatorValue.indicator_id == PerformanceIndicator.id)
        .where(PerformanceIndicator.key.in_(keys))
    )
    return {(key, month): value for key, month, value in rows}


def apply_import(content: bytes, fingerprint: str, user_id: int, on: date | None = None) -> ImportPlan | None:
    """Plan ``content`` again and, if it plans as the leader saw it (``fingerprint``), write it:
    new indicators added, each month's figure added or replaced. None when the plan has changed
    since (someone imported meanwhile): nothing is written. Flushes; the caller commits."""
    plan = plan_import(content, on)
    if not plan.ok or plan.fingerprint != fingerprint:
        return None
    ids = _indicator_ids({row.key for row in plan.rows})
    now = utcnow()
    for row in plan.rows:
        if row.key not in ids:
            indicator = PerformanceIndicator(key=row.key, name=row.name, unit="%", created_at=now, updated_at=now)
            db.session.add(indicator)
            db.session.flush()
            ids[row.key] = indicator.id
    existing = {
        (value.indicator_id, value.month): value
        for value in db.session.scalars(select(IndicatorValue).where(IndicatorValue.indicator_id.in_(ids.values())))
    }
    for row in plan.rows:
        kept = existing.get((ids[row.key], row.month))
        if kept is None:
            kept = IndicatorValue(indicator_id=ids[row.key], month=row.month)
            db.session.add(kept)
        kept.value = row.value
        kept.imported_at = now
        kept.imported_by_id = user_id
    db.session.flush()
    return plan


@dataclass(frozen=True)
class IndicatorSummary:
    indicator: PerformanceIndicator
    months: int
    latest_month: date | None
    latest_value: float | None


def all_indicators() -> list[IndicatorSummary]:
    """Every indicator by name, with how many months are held and the latest: two queries."""
    indicators = db.session.scalars(select(PerformanceIndicator).order_by(PerformanceIndicator.name)).all()
    counts = dict(
        db.session.execute(
            select(IndicatorValue.indicator_id, func.count()).group_by(IndicatorValue.indicator_id)
        ).all()
    )
    latest_month = (
        select(IndicatorValue.indicator_id, func.max(IndicatorValue.month).label("month"))
        .group_by(IndicatorValue.indicator_id)
        .subquery()
    )
    latest = {
        indicator_id: (month, value)
        for indicator_id, month, value in db.session.execute(
            select(IndicatorValue.indicator_id, IndicatorValue.month, IndicatorValue.value).join(
                latest_month,
                (latest_month.c.indicator_id == IndicatorValue.indicator_id)
                & (latest_month.c.month == IndicatorValue.month),
            )
        )
    }
    return [
        IndicatorSummary(
            indicator,
            int(counts.get(indicator.id, 0)),
            *latest.get(indicator.id, (None, None)),
        )
        for indicator in indicators
    ]


def recent_values(indicator_ids: Sequence[int], months: int = 6) -> dict[int, list[IndicatorValue]]:
    """The latest ``months`` figures of each indicator, oldest first: one query."""
    found: dict[int, list[IndicatorValue]] = {indicator_id: [] for indicator_id in indicator_ids}
    for value in db.session.scalars(
        select(IndicatorValue)
        .where(IndicatorValue.indicator_id.in_(indicator_ids))
        .order_by(IndicatorValue.indicator_id, IndicatorValue.month.desc())
    ):
        if len(found[value.indicator_id]) < months:
            found[value.indicator_id].append(value)
    return {indicator_id: list(reversed(values)) for indicator_id, values in found.items()}
