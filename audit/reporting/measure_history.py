"""Each plan measure's value kept over time, so the improvement board sees a trend between its
meetings rather than one number that moved without trace.

``record_measures`` writes every measure's value as worked out today (``measures.evaluate``), one
row per measure and UK day: run again the same day it replaces the day's row, so it is safe to call
from every save of a measure, the daily background job and ``flask plan record-measures`` alike.
The unrounded value is kept (the status is decided on it), with what it counted.

``monthly_trend`` reads the history back as one point per month, the last value recorded in the
month, for the plan page and PDF; a measure bound to an imported performance indicator reads the
indicator's own monthly figures instead, which are the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from audit.clock import today
from audit.extensions import db
from audit.models import IndicatorValue, Measure, MeasureValue, PerformanceIndicator
from audit.reporting.measures import INDICATOR_PREFIX, Status, evaluate_all, months_before

TREND_MONTHS = 12  # the months a trend shows, this one included


def record_measures(measures: Sequence[Measure] | None = None, on: date | None = None) -> int:
    """Record the value on ``on`` (today, a UK date) of ``measures`` (every measure when None);
    the number recorded. Flushes; the caller commits."""
    on = on or today()
    if measures is None:
        measures = db.session.scalars(select(Measure).order_by(Measure.id)).all()
    if not measures:
        return 0
    results = evaluate_all(measures, on)
    ids = [measure.id for measure in measures]
    kept = {
        row.measure_id: row
        for row in db.session.scalars(
            select(MeasureValue).where(MeasureValue.measure_id.in_(ids), MeasureValue.recorded_on == on)
        )
    }
    for measure in measures:
        result = results[measure.id]
        reading = result.reading
        row = kept.get(measure.id) or MeasureValue(measure_id=measure.id, recorded_on=on)
        row.value = reading.exact if reading else None
        row.numerator = reading.part if reading else None
        row.denominator = reading.count if reading and reading.part is not None else None
        row.status = result.status.value
        db.session.add(row)
    db.session.flush()
    return len(measures)


@dataclass(frozen=True)
class TrendPoint:
    month: date  # the month's first day
    value: float | None
    recorded_on: date | None = None  # the day the value was recorded (None: an imported month)
    status: Status | None = None


def _month(day: date) -> date:
    return day.replace(day=1)


def _months(on: date) -> list[date]:
    first = _month(months_before(on, TREND_MONTHS - 1))
    months, month = [], first
    while month <= on:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def monthly_trend(measures: Sequence[Measure], on: date | None = None) -> dict[int, list[TrendPoint]]:
    """Per measure id, one point per month of the last ``TREND_MONTHS`` that has a value: the last
    value recorded in the month, or for an indicator's measure the indicator's figure for it.
    Two queries, however many measures and months."""
    on = on or today()
    months = _months(on)
    start = months[0]
    found: dict[int, dict[date, TrendPoint]] = {measure.id: {} for measure in measures}
    recorded_ids = [measure.id for measure in measures if not measure.figure.startswith(INDICATOR_PREFIX)]
    if recorded_ids:
        rows = db.session.scalars(
            select(MeasureValue)
            .where(
                MeasureValue.measure_id.in_(recorded_ids),
                MeasureValue.recorded_on >= start,
                MeasureValue.recorded_on <= on,
            )
            .order_by(MeasureValue.measure_id, MeasureValue.recorded_on)
        )
        for row in rows:  # ordered by day: the month's last value stays
            found[row.measure_id][_month(row.recorded_on)] = TrendPoint(
                _month(row.recorded_on), row.value, row.recorded_on, _status(row.status)
            )
    by_key: dict[str, list[int]] = {}
    for measure in measures:
        if measure.figure.startswith(INDICATOR_PREFIX):
            by_key.setdefault(measure.figure.removeprefix(INDICATOR_PREFIX), []).append(measure.id)
    if by_key:
        values = db.session.execute(
            select(PerformanceIndicator.key, IndicatorValue.month, IndicatorValue.value)
            .join(IndicatorValue, IndicatorValue.indicator_id == PerformanceIndicator.id)
            .where(PerformanceIndicator.key.in_(by_key), IndicatorValue.month >= start, IndicatorValue.month <= on)
        )
        for key, month, value in values:
            for measure_id in by_key[key]:
                found[measure_id][month] = TrendPoint(month, value)
    return {measure_id: [points[month] for month in months if month in points] for measure_id, points in found.items()}


def _status(stored: str) -> Status | None:
    try:
        return Status(stored)
    except ValueError:
        return None


def recorded_count() -> int:
    return db.session.scalar(select(func.count()).select_from(MeasureValue)) or 0


@dataclass(frozen=True)
class TrendChart:
    """A small line chart's geometry, for an inline SVG the page and the PDF draw alike."""

    width: int
    height: int
    line: str  # the polyline's points, "x,y x,y ..."
    dots: list[tuple[float, float]]
    target_y: float | None
    words: str  # the chart in words, for its accessible name


def trend_chart(
    points: Sequence[TrendPoint], target: float | None = None, width: int = 180, height: int = 48
) -> TrendChart:
    """The points' line on a 0-100 scale (wider when a value or the target is above 100), the
    target as a level line, and the whole in words ("Jun 2026 52%, Jul 2026 55%; target 80%")."""
    shown = [point for point in points if point.value is not None]
    top = max([100.0, *(point.value or 0.0 for point in shown), target or 0.0])
    bottom = min([0.0, *(point.value or 0.0 for point in shown)])
    pad = 4

    def y(value: float) -> float:
        return round(pad + (height - 2 * pad) * (top - value) / ((top - bottom) or 1), 1)

    step = (width - 2 * pad) / max(len(shown) - 1, 1)
    dots = [(round(pad + step * index, 1), y(point.value or 0.0)) for index, point in enumerate(shown)]
    words = ", ".join(f"{point.month:%b %Y} {_percent(point.value)}" for point in shown) or "no values yet"
    if target is not None:
        words += f"; target {_percent(target)}"
    return TrendChart(
        width,
        height,
        " ".join(f"{x},{y_}" for x, y_ in dots),
        dots,
        y(target) if target is not None else None,
        words,
    )


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{round(value, 1):g}%"
