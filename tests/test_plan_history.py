"""Each measure's value recorded at least daily (the daily job, every save of a measure, and
``flask plan record-measures``), once per measure and UK day, and drawn as a trend by month on the
plan page and in its PDF; and the status words that say what they mean (Achieved, On track, Behind,
Off track), written out on both."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from audit.clock import today
from audit.extensions import db
from audit.jobs import tasks
from audit.models import AuditStatus, Measure, MeasureValue, Role, ScheduledRun
from audit.reporting import measure_history, measures
from tests.pages import assert_well_formed_page, page_text, parse, pdf_text
from tests.querycount import queries_for


@pytest.fixture
def plan(app, make):
    """A theme measure over 3 audits, 2 good (66.7%), and a leader."""
    team = make.team("History Team")
    auditor = make.user(Role.AUDITOR, team=team)
    leader = make.user(Role.LEADER, name="Harriet Leader")
    for grade in ("good", "good", "inadequate"):
        make.judgements(make.audit(make.case(team), auditor, status=AuditStatus.SUBMITTED), grades=grade)
    priority = make.priority(leader, title="Fathers in the plan")
    measure = make.measure(
        priority,
        title="Fathers' engagement good",
        baseline_value=40.0,
        baseline_on=today() - timedelta(days=100),
        target_value=90.0,
        target_on=today() + timedelta(days=100),
        teams=[team],
    )
    return leader, priority, measure


def _date(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _history(app, measure_id: int) -> list[MeasureValue]:
    with app.app_context():
        rows = db.session.scalars(
            select(MeasureValue).where(MeasureValue.measure_id == measure_id).order_by(MeasureValue.recorded_on)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def test_recording_is_once_per_measure_and_day_with_the_unrounded_value(app, plan, make):
    _leader, _priority, measure = plan
    with app.app_context():
        assert measure_history.record_measures() == 1
        assert measure_history.record_measures() == 1  # again today: replaces, never a second row
        db.session.commit()
    rows = _history(app, measure.id)
    assert len(rows) == 1
    row = rows[0]
    assert row.recorded_on == today()
    assert (row.numerator, row.denominator) == (2, 3)
    assert row.value == pytest.approx(200 / 3)  # unrounded: the status is decided on it
    # 66.7% against a line at 65% today (40 -> 90 over 200 days): on track.
    assert row.status == measures.Status.ON_TRACK.value

    # Another audit changes today's value: recording again replaces the day's row.
    auditor = make.user(Role.AUDITOR)
    with app.app_context():
        team = db.session.get(Measure, measure.id).teams[0]
        db.session.expunge(team)
    make.judgements(make.audit(make.case(team), auditor, status=AuditStatus.SUBMITTED), grades="inadequate")
    with app.app_context():
        measure_history.record_measures()
        db.session.commit()
    rows = _history(app, measure.id)
    assert len(rows) == 1 and (rows[0].numerator, rows[0].denominator) == (2, 4)
    assert rows[0].status == measures.Status.OFF_TRACK.value  # 50% is more than 5 points below 65%


def test_the_trend_keeps_the_last_value_of_each_month(app, plan):
    _leader, _priority, measure = plan
    on = today()
    with app.app_context():
        for day, value in ((measures.months_before(on, 2), 50.0), (measures.months_before(on, 1), 55.0), (on, 60.0)):
            db.session.add(MeasureValue(measure_id=measure.id, recorded_on=day, value=value, status="on_track"))
        # Earlier the same month as the last: the month shows the later value.
        if on.day > 1:
            db.session.add(
                MeasureValue(measure_id=measure.id, recorded_on=on.replace(day=1), value=10.0, status="off_track")
            )
        # Older than the trend's 12 months: not shown.
        db.session.add(
            MeasureValue(
                measure_id=measure.id, recorded_on=measures.months_before(on, 13), value=1.0, status="off_track"
            )
        )
        db.session.commit()
        saved = db.session.get(Measure, measure.id)
        points = measure_history.monthly_trend([saved], on)[measure.id]
    assert [(point.month, point.value) for point in points] == [
        (measures.months_before(on, 2).replace(day=1), 50.0),
        (measures.months_before(on, 1).replace(day=1), 55.0),
        (on.replace(day=1), 60.0),
    ]
    chart = measure_history.trend_chart(points, 90.0)
    assert len(chart.dots) == 3 and chart.target_y is not None
    assert chart.words.endswith("; target 90%") and "50%" in chart.words


def test_saving_a_measure_records_its_value(app, client, plan):
    leader, _priority, measure = plan
    client.sign_in_as(leader)
    response = client.post(
        f"/plan/measures/{measure.id}",
        data={
            "version": "1",
            "title": "Fathers' engagement good (changed)",
            "figure": "theme_good_or_better",
            "theme": "Fathers' engagement",
            "window_months": "3",
            "baseline_value": "40",
            "baseline_on": _date(today() - timedelta(days=100)),
            "target_value": "90",
            "target_on": _date(today() + timedelta(days=100)),
        },
    )
    assert response.status_code == 302, page_text(response)[:800]
    rows = _history(app, measure.id)
    assert [(row.recorded_on, row.denominator) for row in rows] == [(today(), 3)]


def test_the_command_and_the_daily_job_record_every_measure(app, plan, make):
    _leader, priority, measure = plan
    second = make.measure(priority, title="Workers supervised", figure="supervision_workers")
    result = app.test_cli_runner().invoke(args=["plan", "record-measures"])
    assert result.exit_code == 0, result.output
    assert "Recorded today's value of 2 measures." in result.output
    assert [row.value for row in _history(app, second.id)] == [None]  # nothing to count: kept as no data

    day = today() + timedelta(days=1)
    with app.app_context():
        done = tasks.run_daily(day)
        again = tasks.run_daily(day)
        claimed = db.session.scalar(
            select(func.count()).select_from(ScheduledRun).where(ScheduledRun.job == "measure-values")
        )
    assert done["measure-values"] == 2 and "measure-values" not in again and claimed == 1
    assert [row.recorded_on for row in _history(app, measure.id)] == [today(), day]


def test_the_plan_page_and_pdf_draw_the_trend_and_define_the_status_words(app, client, plan):
    leader, _priority, measure = plan
    on = today()
    with app.app_context():
        for months_ago, value in ((2, 48.0), (1, 57.5)):
            day = measures.months_before(on, months_ago)
            db.session.add(MeasureValue(measure_id=measure.id, recorded_on=day, value=value, status="behind"))
        db.session.commit()
        measure_history.record_measures()
        db.session.commit()
    client.sign_in_as(leader)
    response = client.get("/plan/")
    page = assert_well_formed_page(response)
    text = page_text(page)
    chart = page.select_one(f"#measure-{measure.id} svg[role=img]")
    assert chart is not None and chart.find("polyline") is not None and len(chart.find_all("circle")) == 3
    title = chart.find("title").get_text()
    assert "48%" in title and "57.5%" in title and "66.7%" in title and "target 90%" in title
    months = [item.get_text(" ", strip=True) for item in page.select(f"#measure-{measure.id} details li")]
    assert months[-1] == f"{on:%B %Y}: 66.7% (On track)"
    for words in (
        "Achieved the latest value meets or passes the target",
        "On track the target is not met yet, but the value is on or above a straight line",
        "Behind below that line, by no more than 5 percentage points",
        "Off track more than 5 points below that line, or the target date has passed",
    ):
        assert words in text, words
    tags = {(tag["class"][1], tag.get_text(strip=True)) for tag in parse(response).select("strong.govuk-tag")}
    assert ("govuk-tag--turquoise", "On track") in tags
    assert "Amber" not in text and "Green" not in text

    pdf = " ".join(pdf_text(client.get("/plan/plan.pdf").data).split())
    assert "What the statuses mean" in pdf and "Off track: more than 5 points below that line" in pdf
    assert f"{on:%b %y} 66.7%" in pdf and "On track" in pdf and "Amber" not in pdf


def test_the_plan_page_sends_the_same_queries_however_long_the_history(app, client, plan, make):
    leader, priority, measure = plan
    client.sign_in_as(leader)
    other = make.measure(priority, title="Another", figure="moderation_coverage")
    with app.app_context():
        for days in range(0, 400, 7):
            for measure_id in (measure.id, other.id):
                db.session.add(
                    MeasureValue(
                        measure_id=measure_id,
                        recorded_on=date.today() - timedelta(days=days),
                        value=50.0,
                        status="behind",
                    )
                )
        db.session.commit()
    after = queries_for(app, client, "/plan/").count
    # One more measure adds its own figure's queries; the history adds none.
    with app.app_context():
        db.session.execute(MeasureValue.__table__.delete())
        db.session.commit()
    assert queries_for(app, client, "/plan/").count == after
