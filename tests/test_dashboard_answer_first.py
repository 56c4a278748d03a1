"""The dashboard leads with the answer (issue 14): key messages first, a team x theme grid whose
colours are written out, every figure a link to the audits behind it, financial-year quarters,
a "few to count" caution under 10, kappa's weighting named, each chart's table behind "Show the data"."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from audit.clock import today, utcnow
from audit.extensions import db
from audit.models import Audit, AuditStatus, Case, Role
from audit.reporting import periods
from audit.reporting.audits_behind import FigureFilter, audits_behind
from audit.reporting.figures import ReportScope
from tests.pages import assert_well_formed_page, page_text, parse, text_of
from tests.querycount import queries_for
from tests.test_report_figures import moderate

TOOL = "assessment-and-planning"
SECTIONS = [
    "assessment-quality",
    "childs-voice",
    "culture-religion-and-identity",
    "fathers-engagement",
    "plan-co-production",
    "management-oversight-and-supervision",
    "impact-for-the-child",
]
START = today() - timedelta(days=29)
PERIOD = f"from={START.isoformat()}&to={today().isoformat()}"


def _grades(**changed: str) -> dict[str, str]:
    return {section: changed.get(section.replace("-", "_"), "good") for section in SECTIONS}


def _audit(make, team, auditor, grades, *, days_ago: int = 0):
    audit = make.audit(make.case(team), auditor, tool=TOOL, status=AuditStatus.SUBMITTED)
    make.judgements(audit, grades)
    if days_ago:
        with make.app.app_context():
            db.session.get(Audit, audit.id).submitted_at = utcnow() - timedelta(days=days_ago)
            db.session.commit()
    return audit


@pytest.fixture
def council(app, make):
    """North: 12 audits this period; Child's voice good in all, Plan co-production RI in 6, every
    other theme RI in one. South: 1 audit, all good. Before the period: 2 audits, all good."""
    north, south = make.team("North team"), make.team("South team")
    auditor = make.user(Role.AUDITOR, team=north)
    other_sections = [section for section in SECTIONS if section not in ("childs-voice", "plan-co-production")]
    north_audits = []
    for index in range(12):
        grades = _grades(plan_co_production="requires-improvement" if index < 6 else "good")
        if index < len(other_sections):
            grades[other_sections[index]] = "requires-improvement"
        north_audits.append(_audit(make, north, auditor, grades))
    south_audit = _audit(make, south, auditor, _grades())
    earlier = [_audit(make, north, auditor, _grades(), days_ago=40) for _ in range(2)]
    make.audit(make.case(north), auditor, tool=TOOL, due_date=today() - timedelta(days=3))  # overdue
    leader = make.user(Role.LEADER, team=north)
    return {
        "north": north,
        "south": south,
        "north_audits": north_audits,
        "south_audit": south_audit,
        "earlier": earlier,
        "leader": leader,
        "auditor": auditor,
    }


def _references(app, audits) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Case.reference).join(Audit).where(Audit.id.in_([a.id for a in audits]))))


def _listed(client, href: str) -> set[str]:
    page = client.get_page(href)
    table = page.select_one("main table")
    return {text_of(row.select_one("td a")) for row in table.select("tbody tr") if row.select_one("td a")}


def test_key_messages_come_first_and_say_the_answer(app, client, council):
    client.sign_in_as(council["leader"])
    response = client.get(f"/reports/?{PERIOD}")
    assert_well_formed_page(response)
    page = parse(response)
    headings = [text_of(h2) for h2 in page.select("main h2")]
    assert headings[0] == "Key messages"
    messages = [" ".join(item.get_text().split()) for item in page.select(".app-key-messages li")]
    previous_start = START - timedelta(days=30)

    assert messages[0] == "Strongest theme: Child's voice, 100% (13 of 13) good or better."
    assert messages[1] == "Weakest theme: Plan co-production, 53.8% (7 of 13) good or better."
    assert messages[2] == (
        f"Biggest movement since the previous period ({previous_start.day} {previous_start:%B %Y} to "
        f"{(START - timedelta(days=1)).day} {START - timedelta(days=1):%B %Y}): Plan co-production, down 46.2 "
        "percentage points, from 100% (2 of 2) — few to count to 53.8% (7 of 13) good or better."
    )
    assert messages[3].startswith("Overdue today: 1 audit not submitted by the due date, and 0 actions")
    assert messages[4] == "No moderated sections to compare with the auditors’ grades in this period."


def test_agreement_message_names_kappas_weighting(app, client, make, council):
    moderator = make.user(Role.MODERATOR)
    moderate(app, council["north_audits"][-1], moderator, _grades(childs_voice="requires-improvement"))
    client.sign_in_as(council["leader"])

    text = page_text(client.get(f"/reports/?{PERIOD}"))

    # 7 sections compared, 6 agreed.
    assert "Moderators agreed exactly with auditors on 85.7% (6 of 7) — few to count of the sections" in text
    assert "(quadratic-weighted kappa" in text
    assert "Cohen’s kappa, quadratic-weighted" in text


def _grid(page):
    return next(
        table
        for table in page.select("main table")
        if text_of(table.caption).startswith("Good or better by team (rows) and theme (columns)")
    )


def test_the_team_by_theme_grid_says_what_its_colours_mean(app, client, council):
    client.sign_in_as(council["leader"])
    page = client.get_page(f"/reports/?{PERIOD}")
    grid = _grid(page)

    themes = [text_of(th) for th in grid.select("thead th")]
    assert themes[0] == "Team" and themes[1:] == sorted(themes[1:]) and "Plan co-production" in themes
    rows = {text_of(row.th): [text_of(td) for td in row.select("td")] for row in grid.select("tbody tr")}
    assert list(rows) == ["North team", "South team"]
    assert all(th.get("scope") == "row" for th in grid.select("tbody th"))
    north = dict(zip(themes[1:], rows["North team"], strict=True))
    south = dict(zip(themes[1:], rows["South team"], strict=True))
    assert north["Plan co-production"] == "50% (6 of 12)"
    assert north["Child's voice"] == "100% (12 of 12)"  # 12 audits: no caution
    assert south["Child's voice"] == "100% (1 of 1) — few to count"
    # The colour is said in words above the grid, and the figure in each cell says the same.
    wording = text_of(grid.find_parent("div").find_previous("p", class_="govuk-body"))
    assert "green for 80% or more, yellow for 60% up to 80%, red below 60%" in wording
    cells = {text_of(td): td["class"] for td in grid.select("tbody td")}
    assert "app-grid__cell--low" in cells["50% (6 of 12)"]
    assert "app-grid__cell--high" in cells["100% (12 of 12)"]
    region = grid.find_parent("div", class_="app-table-wrapper")
    assert region["role"] == "region" and region["aria-label"] == "Good or better by team and theme"


def test_a_grid_figure_opens_exactly_the_audits_it_counted(app, client, council):
    client.sign_in_as(council["leader"])
    page = client.get_page(f"/reports/?{PERIOD}")
    grid = _grid(page)
    link = next(a for a in grid.select("a") if text_of(a) == "50% (6 of 12)")
    query = parse_qs(urlsplit(link["href"]).query)
    assert query["team"] == [str(council["north"].id)] and query["theme"] == ["Plan co-production"]

    listed = _listed(client, link["href"])

    assert listed == _references(app, council["north_audits"])  # not South's, not the earlier ones
    good = _listed(client, link["href"] + "&grade=good-or-better")
    weak = _listed(client, link["href"] + "&grade=not-good")
    assert good == _references(app, council["north_audits"][6:])
    assert weak == _references(app, council["north_audits"][:6])
    page = client.get_page(link["href"] + "&grade=not-good")
    assert "6 audits" in text_of(page.select_one("main table caption"))
    row = page.select_one("main tbody tr")
    assert text_of(row.select("td")[4]) == "Requires improvement to be good"
    assert row.select_one("a")["href"].startswith("/audits/")


def test_every_percentage_of_a_theme_or_overall_grade_is_a_link_to_its_audits(app, client, council):
    client.sign_in_as(council["leader"])
    page = client.get_page(f"/reports/?{PERIOD}")
    first = page.select(".app-key-messages a")[0]
    assert text_of(first) == "100% (13 of 13)"
    assert _listed(client, first["href"]) == _references(app, [*council["north_audits"], council["south_audit"]])
    # The movement's earlier figure opens the previous period's audits.
    earlier = next(a for a in page.select(".app-key-messages a") if text_of(a) == "100% (2 of 2)")
    assert _listed(client, earlier["href"]) == _references(app, council["earlier"])
    # The overall grade per tool, in "Show the data".
    overall = page.select_one("#overall-data table a")
    assert "theme" not in parse_qs(urlsplit(overall["href"]).query)
    assert len(_listed(client, overall["href"])) == 13


def test_the_list_holds_only_audits_the_viewer_may_see(app, make, council):
    supervisor = make.user(Role.SUPERVISOR, team=council["south"])
    scope = ReportScope(START, today())
    with app.app_context():
        everyone = audits_behind(scope, FigureFilter(theme="Child's voice"), db.session.merge(council["leader"]))
        south_only = audits_behind(scope, FigureFilter(theme="Child's voice"), db.session.merge(supervisor))
    assert everyone.total == 13
    assert [row.audit_id for row in south_only.audits] == [council["south_audit"].id]
    assert south_only.audits[0].submitted_on == today()


def test_the_list_sends_the_same_queries_for_few_and_many_audits(app, client, make, council):
    client.sign_in_as(council["leader"])
    url = f"/reports/audits?{PERIOD}&theme=Child%27s+voice"
    few = queries_for(app, client, url)
    for _ in range(60):  # more than a page
        _audit(make, council["south"], council["auditor"], _grades())
    many = queries_for(app, client, url)
    assert few.count == many.count, f"few: {few}\nmany: {many}"
    page = client.get_page(url)
    assert "73 audits (page 1 of 2)" in text_of(page.select_one("main table caption"))
    assert len(page.select("main tbody tr")) == 50


def test_financial_year_quarters_are_the_period_choices(app, client, council):
    choices = periods.period_choices(date(2026, 11, 28))
    assert [(choice.label, choice.start, choice.end) for choice in choices[:3]] == [
        ("2026-27 Q3: October to December 2026", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-27 Q2: July to September 2026", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-27 Q1: April to June 2026", date(2026, 4, 1), date(2026, 6, 30)),
    ]
    assert (choices[3].label, choices[3].start, choices[3].end) == (
        "2025-26 Q4: January to March 2026",
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    assert "Financial year 2026-27: April 2026 to March 2027" in [choice.label for choice in choices]
    assert "Calendar quarter: October to December 2026" in [choice.label for choice in choices]

    client.sign_in_as(council["leader"])
    page = client.get_page("/reports/")
    options = [text_of(option) for option in page.select("select[name=period] option")]
    current = periods.period_choices(today())
    assert options[1] == current[0].label and options[1].split(":")[0].endswith(("Q1", "Q2", "Q3", "Q4"))
    last_quarter = current[1]
    text = page_text(client.get(f"/reports/?period={last_quarter.key}"))
    assert (
        f"Audits submitted from {last_quarter.start.day} {last_quarter.start:%B %Y} to "
        f"{last_quarter.end.day} {last_quarter.end:%B %Y}." in text
    )
    # The trend is in financial-year quarters.
    trend_heads = [text_of(th) for th in page.select("#trend-data thead th")][1:]
    fy, quarter = periods.financial_quarter(today())
    assert trend_heads[-1] == f"{periods.financial_year_name(fy)} Q{quarter}"


def test_each_charts_table_is_behind_show_the_data(app, client, council):
    client.sign_in_as(council["leader"])
    page = client.get_page(f"/reports/?{PERIOD}")
    for chart in page.select("main svg[role=img]"):
        details = chart.find_next("details")
        assert text_of(details.summary).startswith("Show the data")
        assert details.select("table")
    captions = [text_of(table.caption) for table in page.select("main table")]
    grades_by_theme = [caption for caption in captions if caption.startswith("Grades by theme")]
    assert len(grades_by_theme) == 1
    assert page.select_one("#theme-data table") is not None


@pytest.mark.parametrize("filters", ["", "&theme=Child%27s+voice"])
def test_every_linked_figure_counts_exactly_the_audits_its_list_holds(app, client, make, council, filters):
    themed = make.audit(make.case(council["south"]), council["auditor"], status=AuditStatus.SUBMITTED)
    make.judgements(themed, "requires-improvement")  # a tool without an overall grade
    client.sign_in_as(council["leader"])
    page = client.get_page(f"/reports/?{PERIOD}{filters}")
    links = [a for a in page.select("main a") if urlsplit(a["href"]).path == "/reports/audits"]
    assert len(links) > 10
    for link in links:
        found = re.fullmatch(r"[\d.]+% \((\d+) of (\d+)\)", text_of(link))
        assert found, text_of(link)
        part, whole = found.groups()
        listed = client.get_page(link["href"])
        assert f"{whole} audit" in text_of(listed.select_one("main table caption")), link["href"]
        good = client.get_page(link["href"] + "&grade=good-or-better")
        assert text_of(good.select_one("main table caption")).startswith(f"{part} audit"), link["href"]
