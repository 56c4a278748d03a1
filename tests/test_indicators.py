"""Imported performance indicators: a leader uploads a CSV of monthly figures, sees what it would
add and replace, and confirms; a bad file is refused with a 4xx and every problem by line, with
nothing stored. A plan measure bound to an indicator shows its latest figure and monthly trend
beside the audit-based measures, on the plan page and in its PDF."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from audit.clock import today
from audit.domain import indicators
from audit.extensions import db
from audit.models import AuditStatus, IndicatorValue, PerformanceIndicator, Role
from audit.reporting import measures
from tests.pages import assert_well_formed_page, page_text, pdf_text, text_of
from tests.querycount import queries_for

THIS_MONTH = today().replace(day=1)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)
VISITS = "% of visits in timescale"


def _upload(client, content: bytes, name: str = "figures.csv"):
    return client.post(
        "/plan/indicators/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _csv(*rows: str) -> bytes:
    return ("indicator,month,value\r\n" + "".join(f"{row}\r\n" for row in rows)).encode()


def _stored(app) -> list[tuple[str, date, float]]:
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                select(PerformanceIndicator.name, IndicatorValue.month, IndicatorValue.value)
                .join(IndicatorValue)
                .order_by(PerformanceIndicator.name, IndicatorValue.month)
            )
        ]


def _confirm(client, preview) -> object:
    page = assert_well_formed_page(preview)
    form = page.select_one("form[action='/plan/indicators/import/confirm']")
    data = {field["name"]: field.get("value", "") for field in form.select("input[type=hidden]")}
    return client.post("/plan/indicators/import/confirm", data=data, csrf=False)


@pytest.fixture
def leader(make):
    return make.user(Role.LEADER, name="Ines Leader")


def test_a_file_is_previewed_then_imported_and_a_month_replaced(app, client, leader):
    client.sign_in_as(leader)
    content = _csv(
        f"{VISITS},{LAST_MONTH:%Y-%m},61.5", f"{VISITS},{THIS_MONTH:%Y-%m},40", f"Plans on time,{THIS_MONTH:%Y-%m},75%"
    )
    preview = _upload(client, content)
    assert preview.status_code == 200
    text = page_text(preview)
    assert "Check the figures before importing them" in text
    assert (
        f"{VISITS} {THIS_MONTH:%B %Y} 40%" in text and "New indicators % of visits in timescale, Plans on time" in text
    )
    assert _stored(app) == []  # nothing until confirmed

    done = _confirm(client, preview)
    assert done.status_code == 303 and done.headers["Location"].endswith("/plan/indicators")
    assert _stored(app) == [
        (VISITS, LAST_MONTH, 61.5),
        (VISITS, THIS_MONTH, 40.0),
        ("Plans on time", THIS_MONTH, 75.0),
    ]
    listed = page_text(client.get("/plan/indicators"))
    assert f"{VISITS} percent-of-visits-in-timescale 2 {THIS_MONTH:%B %Y} 40%" in listed

    # Again, with this month's figure corrected: the preview says what it replaces.
    again = _upload(client, _csv(f"{VISITS},{THIS_MONTH:%Y-%m},42.5"))
    assert f"{VISITS} {THIS_MONTH:%B %Y} 42.5% 40%" in page_text(again)
    assert "Replacing figures held 1" in page_text(again)
    _confirm(client, again)
    assert (VISITS, THIS_MONTH, 42.5) in _stored(app) and len(_stored(app)) == 3
    with app.app_context():
        row = db.session.scalar(select(IndicatorValue).where(IndicatorValue.value == 42.5))
        assert row.imported_by_id == leader.id


def test_confirming_a_file_whose_figures_changed_since_is_refused(app, client, leader):
    client.sign_in_as(leader)
    preview = _upload(client, _csv(f"{VISITS},{THIS_MONTH:%Y-%m},50"))
    # Someone imports a figure for the same month meanwhile.
    _confirm(client, _upload(client, _csv(f"{VISITS},{THIS_MONTH:%Y-%m},20")))
    refused = _confirm(client, preview)
    assert refused.status_code == 409
    assert "The figures held have changed since you checked the file" in page_text(refused)
    assert _stored(app) == [(VISITS, THIS_MONTH, 20.0)]


@pytest.mark.parametrize(
    ("content", "status", "problem"),
    [
        (_csv(f"{VISITS},2026-13,50"), 400, "the month from 01 to 12"),
        (_csv(f"{VISITS},October 2026,50"), 400, "must be a year and month like 2026-10"),
        (_csv(f"{VISITS},2026-01,sixty"), 400, "must be a number, like 61.5"),
        (_csv(f"{VISITS},2026-01,NaN"), 400, "must be a number, like 61.5"),
        (_csv(f"{VISITS},2026-01,150"), 400, "must be a percentage from 0 to 100"),
        (_csv(f"{VISITS},2999-01,50"), 400, "is in the future"),
        (_csv("Visits\x00,2026-01,50"), 400, "null character"),
        (_csv(f"{VISITS},2026-01,50", f"{VISITS},2026-1,51"), 400, "is also on line 2"),
        (b"indicator,value\r\nX,5\r\n", 400, "missing: month"),
        (b"indicator,month,value\r\n", 400, "no figures"),
        ("indicator,month,value\r\nVisites à domicile,2026-01,50\r\n".encode("latin-1"), 400, "saved as UTF-8"),
        (b"", 400, "The file is empty"),
        (_csv(*[f"{VISITS} {n},2026-01,50" for n in range(9000)]), 413, "smaller than 256 KB"),
    ],
)
def test_a_bad_file_is_refused_with_its_problems_and_nothing_stored(app, client, leader, content, status, problem):
    client.sign_in_as(leader)
    response = _upload(client, content)
    assert response.status_code == status
    page = assert_well_formed_page(response)
    assert problem in page_text(page)
    assert page.select_one(".govuk-error-summary") is not None
    assert _stored(app) == []


def test_a_file_that_is_not_a_csv_is_refused(client, leader):
    client.sign_in_as(leader)
    response = _upload(client, _csv(f"{VISITS},2026-01,50"), name="figures.xlsx")
    assert response.status_code == 400
    assert "The selected file must be a CSV" in page_text(response)


def test_a_confirmation_without_a_checked_file_goes_back_to_the_upload(client, leader):
    client.sign_in_as(leader)
    response = client.post("/plan/indicators/import/confirm", data={"content": "not base64!", "fingerprint": "x"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/plan/indicators/import")


def test_a_measure_bound_to_an_indicator_is_shown_beside_the_audit_measures(app, client, make, leader):
    team = make.team("Indicator Team")
    auditor = make.user(Role.AUDITOR, team=team)
    for _ in range(5):
        make.judgements(make.audit(make.case(team), auditor, status=AuditStatus.SUBMITTED), grades="good")
    with app.app_context():
        plan = indicators.plan_import(_csv(f"{VISITS},{LAST_MONTH:%Y-%m},45", f"{VISITS},{THIS_MONTH:%Y-%m},40"))
        indicators.apply_import(
            _csv(f"{VISITS},{LAST_MONTH:%Y-%m},45", f"{VISITS},{THIS_MONTH:%Y-%m},40"), plan.fingerprint, leader.id
        )
        db.session.commit()
        key = f"{measures.INDICATOR_PREFIX}{indicators.indicator_key(VISITS)}"
        figure = measures.FIGURES[key]
        assert figure.imported and any(found.key == key for found in measures.offered_figures()[0])
    priority = make.priority(leader, title="Visits on time and good practice")
    make.measure(priority, title="Fathers' engagement good", teams=[team], baseline_on=today() - timedelta(days=30),
                 target_on=today() + timedelta(days=300))  # fmt: skip
    bound = make.measure(priority, title="Visits in timescale", figure=key, theme=None, baseline_value=40.0,
                         target_value=90.0, baseline_on=today() - timedelta(days=30),
                         target_on=today() + timedelta(days=300))  # fmt: skip

    client.sign_in_as(leader)
    page = assert_well_formed_page(client.get("/plan/"))
    row = text_of(page.select_one(f"#measure-{bound.id}"))
    assert "40%" in row and f"Imported figure for {THIS_MONTH:%B %Y}" in row
    chart = page.select_one(f"#measure-{bound.id} svg[role=img] title").get_text()
    assert f"{LAST_MONTH:%b %Y} 45%, {THIS_MONTH:%b %Y} 40%" in chart  # the indicator's months are its trend
    side = text_of(page.select_one(f"#side-by-side-{priority.id}"))
    assert "From audits and supervision: Fathers' engagement good 100%" in side
    assert f"Imported: Visits in timescale 40% ({THIS_MONTH:%B %Y})" in side

    pdf = " ".join(pdf_text(client.get("/plan/plan.pdf").data).split())
    assert "Records and imported indicators side by side" in pdf
    assert re.search(r"Imported: Visits in timescale 40% \(" + THIS_MONTH.strftime("%B %Y"), pdf)
    assert f"Imported figure for {THIS_MONTH:%B %Y}" in pdf


def test_the_indicator_list_sends_the_same_queries_for_more_indicators(app, client, leader):
    client.sign_in_as(leader)

    def load(count: int, offset: int) -> None:
        content = _csv(*[f"Indicator {offset + n},{THIS_MONTH:%Y-%m},{n}" for n in range(count)])
        with app.app_context():
            indicators.apply_import(content, indicators.plan_import(content).fingerprint, leader.id)
            db.session.commit()

    load(2, 0)
    few = queries_for(app, client, "/plan/indicators").count
    load(30, 100)
    assert queries_for(app, client, "/plan/indicators").count == few
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PerformanceIndicator)) == 32
