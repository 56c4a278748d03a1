"""Periods, "on time" and export dates use the UK date of each stored (UTC) time, at both edges of
British Summer Time and in Greenwich Mean Time: an audit submitted at 00:30 BST on 1 October is
October's everywhere, as its page says."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from audit.extensions import db
from audit.models import Action, Audit, AuditStatus, Role
from audit.reporting import export, figures
from audit.reporting.figures import ReportScope


@pytest.fixture
def submitted(app, make):
    """Submit one audit (everything Good) at the stored UTC time given."""
    team = make.team("Dates Team")
    auditor = make.user(Role.AUDITOR, team=team)

    def submit_at(moment: datetime) -> Audit:
        audit = make.audit(make.case(team), auditor, status=AuditStatus.SUBMITTED)
        make.judgements(audit, "good")
        make.answers(audit, "good", evidence="Seen {question}.")
        with app.app_context():
            db.session.get(Audit, audit.id).submitted_at = moment
            db.session.commit()
        return audit

    return submit_at


def _completed(app, start: date, end: date) -> int:
    with app.app_context():
        return figures.audit_counts(ReportScope(start, end)).completed


def _months(app, start: date, end: date) -> set[str]:
    with app.app_context():
        return {row.group for row in figures.theme_trend(ReportScope(start, end), by="month")}


def _quarter(year: int, first_month: int) -> tuple[date, date]:
    last = date(year + (first_month == 10), 1 if first_month == 10 else first_month + 3, 1)
    return date(year, first_month, 1), date.fromordinal(last.toordinal() - 1)


@pytest.mark.parametrize(
    ("moment", "uk_day", "quarter_before", "quarter_of"),
    [
        # 00:30 BST on 1 October (summer time until the 25th): October's, not September's.
        (datetime(2026, 9, 30, 23, 30), date(2026, 10, 1), _quarter(2026, 7), _quarter(2026, 10)),
        # 00:30 BST on 1 July: July's, not June's.
        (datetime(2026, 6, 30, 23, 30), date(2026, 7, 1), _quarter(2026, 4), _quarter(2026, 7)),
        # In Greenwich Mean Time the UK date is the UTC date: 23:30 on 31 December stays December's.
        (datetime(2025, 12, 31, 23, 30), date(2025, 12, 31), _quarter(2026, 1), _quarter(2025, 10)),
    ],
)
def test_an_audit_counts_in_the_period_of_its_uk_date(app, submitted, moment, uk_day, quarter_before, quarter_of):
    audit = submitted(moment)

    assert _completed(app, *quarter_of) == 1
    assert _completed(app, *quarter_before) == 0
    assert _months(app, *quarter_of) == {f"{uk_day.year}-{uk_day.month:02d}"}
    with app.app_context():
        rows = list(csv.DictReader(io.StringIO("".join(export.answer_csv(ReportScope(*quarter_of))))))
    assert {row["submitted_on"] for row in rows if row["audit_id"] == str(audit.id)} == {uk_day.isoformat()}


@pytest.mark.parametrize(
    ("due", "completed_at", "on_time"),
    [
        (date(2026, 8, 15), datetime(2026, 8, 15, 22, 30), True),  # 23:30 BST on the 15th
        (date(2026, 8, 15), datetime(2026, 8, 15, 23, 30), False),  # 00:30 BST on the 16th: late
        (date(2026, 8, 16), datetime(2026, 8, 15, 23, 30), True),
        (date(2026, 1, 15), datetime(2026, 1, 15, 23, 30), True),  # GMT: still the 15th
        (date(2026, 3, 29), datetime(2026, 3, 29, 23, 30), False),  # the day summer time begins
        (date(2026, 10, 25), datetime(2026, 10, 25, 23, 30), True),  # the day it ends: GMT again
    ],
)
def test_an_action_is_on_time_by_the_uk_date_it_was_done(app, make, submitted, due, completed_at, on_time):
    audit = submitted(datetime(2026, 1, 10, 12, 0))
    with app.app_context():
        db.session.add(
            Action(
                audit_id=audit.id,
                description="Synthetic action",
                owner_id=audit.auditor_id,
                due_date=due,
                created_by_id=audit.auditor_id,
                completed_at=completed_at,
                completed_by_id=audit.auditor_id,
            )
        )
        db.session.commit()
        found = figures.action_figures(ReportScope(date(2026, 1, 1), date(2026, 1, 31)))
    assert (found.completed, found.completed_on_time) == (1, 1 if on_time else 0)


def test_the_rag_status_is_decided_on_the_unrounded_value(app, make, monkeypatch):
    """56.76% is shown as 56.8% (or 57% where whole numbers are shown) but has not reached 57%."""
    from audit.models import Measure
    from audit.reporting import measures

    measure = make.measure(
        make.priority(make.user(Role.LEADER)),
        figure="supervision_workers",
        target_value=57.0,
        baseline_on=date(2020, 1, 1),
        target_on=date(2099, 12, 31),
    )
    reading = measures.Reading(round(100 * 21 / 37), 37, "workers", part=21)  # shown as 57%
    figure = measures.FIGURES["supervision_workers"]
    monkeypatch.setitem(
        measures.FIGURES,
        "supervision_workers",
        measures.Figure(figure.key, figure.label, False, False, lambda m, s: reading),
    )
    with app.app_context():
        result = measures.evaluate(db.session.get(Measure, measure.id), themes=[])
    assert result.value == 57
    assert result.status != measures.Status.ACHIEVED
    assert measures.rag(reading.value, result.measure, date.today()) == measures.Status.ACHIEVED  # the old way
