"""Leaders browse supervision records across the service: every team's, filtered by team,
supervisor, worker, kind, status and the date held, newest first, 50 a page, showing no free text;
reading the list is not logged, opening a record is. (Non-leaders' 403: tests/test_access_matrix.py.)"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from audit.domain.supervision_browse import PAGE_SIZE, SupervisionFilters, browse
from audit.extensions import db
from audit.models import AccessLogEntry, Role, SupervisionAttendee
from tests.pages import heading, page_text, text_of
from tests.querycount import queries_for

URL = "/supervision/browse"
HEADERS = [
    "Held on",
    "Kind",
    "Supervisor",
    "Workers",
    "Team",
    "Children discussed",
    "Status",
]


def _rows(page: BeautifulSoup) -> list[dict[str, str]]:
    """The table's rows as {header: cell text}; [] when it says nothing matches."""
    table = page.select_one("#supervision-records")
    assert table is not None
    assert [text_of(header) for header in table.select("thead th")] == HEADERS
    rows = []
    for row in table.select("tbody tr"):
        cells = row.select("td")
        if len(cells) == 1:
            assert text_of(cells[0]) == "No supervision records match."
            continue
        # The visually hidden words after the date name the record for screen readers.
        values = [text_of(cell) for cell in cells]
        values[0] = values[0].split(":")[0].strip()
        rows.append(dict(zip(HEADERS, values, strict=True)))
    return rows


def _held(page: BeautifulSoup) -> list[str]:
    return [row["Held on"] for row in _rows(page)]


def _caption(page: BeautifulSoup) -> str:
    return text_of(page.select_one("#supervision-records caption"))


def _log_entries(app: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AccessLogEntry)) or 0


@pytest.fixture
def council(make: Any) -> dict[str, Any]:
    """Two teams, each with a supervisor and workers, and records of each kind and status."""
    north, south = make.team("North Team"), make.team("South Team")
    nadia = make.user(Role.SUPERVISOR, team=north, name="Nadia North")
    sol = make.user(Role.SUPERVISOR, team=south, name="Sol South")
    pat = make.user(Role.PRACTITIONER, team=north, name="Pat Worker")
    quin = make.user(Role.PRACTITIONER, team=north, name="Quin Worker")
    rory = make.user(Role.PRACTITIONER, team=south, name="Rory Worker")
    cases = [make.case(north, worker=pat) for _ in range(2)]
    records = {
        "north_case": make.supervision(
            nadia, pat, kind="case", status="acknowledged", held_on=date(2026, 3, 31), cases=cases
        ),
        "north_reflective": make.supervision(
            nadia,
            quin,
            kind="reflective",
            status="completed",
            held_on=date(2026, 4, 1),
            wellbeing="Finding the caseload very hard this month.",
            support="Talked about time off.",
        ),
        "north_group": make.supervision(
            nadia, pat, quin, kind="group", status="completed", held_on=date(2026, 6, 30), cases=cases[:1]
        ),
        "south_draft": make.supervision(sol, rory, kind="case", status="draft", held_on=date(2026, 7, 1)),
    }
    return {
        "north": north,
        "south": south,
        "nadia": nadia,
        "sol": sol,
        "pat": pat,
        "quin": quin,
        "rory": rory,
        "records": records,
        "leader": make.user(Role.LEADER, name="Lee Leader"),
    }


def test_a_leader_sees_the_records_of_every_team_newest_first_without_free_text(app, client, council):
    client.sign_in_as(council["leader"])
    page = client.get_page(URL)

    assert heading(page) == "Browse supervision records"
    assert _caption(page) == "4 records"
    assert _rows(page) == [
        {
            "Held on": "1 July 2026",
            "Kind": "Case",
            "Supervisor": "Sol South",
            "Workers": "Rory Worker",
            "Team": "South Team",
            "Children discussed": "0",
            "Status": "Draft",
        },
        {
            "Held on": "30 June 2026",
            "Kind": "Group",
            "Supervisor": "Nadia North",
            "Workers": "Pat Worker, Quin Worker",
            "Team": "North Team",
            "Children discussed": "1",
            "Status": "Awaiting acknowledgement",
        },
        {
            "Held on": "1 April 2026",
            "Kind": "Reflective",
            "Supervisor": "Nadia North",
            "Workers": "Quin Worker",
            "Team": "North Team",
            "Children discussed": "0",
            "Status": "Awaiting acknowledgement",
        },
        {
            "Held on": "31 March 2026",
            "Kind": "Case",
            "Supervisor": "Nadia North",
            "Workers": "Pat Worker",
            "Team": "North Team",
            "Children discussed": "2",
            "Status": "Acknowledged",
        },
    ]
    # Each row links to its record; the worker's wellbeing and the discussion stay in the record.
    links = [str(link["href"]) for link in page.select("#supervision-records tbody a")]
    assert links == [
        f"/supervision/{council['records'][name].id}"
        for name in ("south_draft", "north_group", "north_reflective", "north_case")
    ]
    text = page_text(page)
    assert "caseload" not in text and "time off" not in text
    assert "Current situation" not in text and "Decision for" not in text
    assert not page.select(".govuk-error-summary")


def test_a_group_record_says_how_many_workers_have_acknowledged_it(app, client, council):
    group = council["records"]["north_group"]
    with app.app_context():
        attendee = db.session.scalar(
            select(SupervisionAttendee).where(
                SupervisionAttendee.record_id == group.id, SupervisionAttendee.user_id == council["pat"].id
            )
        )
        attendee.acknowledged_at = attendee.record.completed_at
        db.session.commit()
    client.sign_in_as(council["leader"])

    rows = _rows(client.get_page(f"{URL}?kind=group"))

    assert [row["Status"] for row in rows] == ["Awaiting acknowledgement 1 of 2 workers have acknowledged it"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("team={north}", ["30 June 2026", "1 April 2026", "31 March 2026"]),
        ("team={south}", ["1 July 2026"]),
        ("supervisor={sol}", ["1 July 2026"]),
        ("worker={pat}", ["30 June 2026", "31 March 2026"]),  # a group record names every worker
        ("worker={quin}", ["30 June 2026", "1 April 2026"]),
        ("kind=case", ["1 July 2026", "31 March 2026"]),
        ("kind=reflective", ["1 April 2026"]),
        ("kind=group", ["30 June 2026"]),
        ("status=draft", ["1 July 2026"]),
        ("status=completed", ["30 June 2026", "1 April 2026"]),
        ("status=acknowledged", ["31 March 2026"]),
        ("team={north}&kind=case&status=acknowledged", ["31 March 2026"]),
        ("team={south}&worker={pat}", []),
        # Something not offered (a team since removed, a kind that is not one) is not applied.
        ("kind=weekly&status=signed&team=abc", ["1 July 2026", "30 June 2026", "1 April 2026", "31 March 2026"]),
    ],
)
def test_each_filter_narrows_the_list(app, client, council, query, expected):
    ids = {name: council[name].id for name in ("north", "south", "sol", "pat", "quin")}
    client.sign_in_as(council["leader"])

    page = client.get_page(f"{URL}?{query.format(**ids)}")

    assert _held(page) == expected
    assert not page.select(".govuk-error-summary")


def test_a_filter_chosen_is_shown_selected(app, client, council):
    client.sign_in_as(council["leader"])
    page = client.get_page(f"{URL}?team={council['south'].id}&supervisor={council['sol'].id}&kind=case")

    def selected(name: str) -> str:
        return text_of(page.select_one(f"select[name={name}] option[selected]"))

    assert selected("team") == "South Team"
    assert selected("supervisor") == "Sol South (South Team)"
    assert selected("kind") == "Case supervision"
    # The choices of supervisor and worker are the people who have supervised or been supervised.
    assert [text_of(option) for option in page.select("select[name=supervisor] option")] == [
        "Any supervisor",
        "Nadia North (North Team)",
        "Sol South (South Team)",
    ]
    assert [text_of(option) for option in page.select("select[name=worker] option")] == [
        "Any worker",
        "Pat Worker (North Team)",
        "Quin Worker (North Team)",
        "Rory Worker (South Team)",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Both ends are included: the date held is the UK date the supervisor recorded.
        ("from=1&from=4&from=2026&to=30&to=6&to=2026", ["30 June 2026", "1 April 2026"]),
        ("from=1&from=4&from=2026", ["1 July 2026", "30 June 2026", "1 April 2026"]),
        ("to=31&to=3&to=2026", ["31 March 2026"]),
        ("from=31&from=3&from=2026&to=31&to=3&to=2026", ["31 March 2026"]),
        # One ISO date, from a link or bookmark.
        ("from=2026-06-30", ["1 July 2026", "30 June 2026"]),
    ],
)
def test_the_dates_filter_on_the_day_the_supervision_was_held(app, client, council, query, expected):
    client.sign_in_as(council["leader"])

    page = client.get_page(f"{URL}?{query}")

    assert _held(page) == expected
    assert not page.select(".govuk-error-summary")


def test_an_impossible_date_is_shown_in_the_error_summary_and_not_applied(app, client, council):
    client.sign_in_as(council["leader"])

    page = client.get_page(f"{URL}?from=31&from=2&from=2026&kind=case")

    summary = page.select_one(".govuk-error-summary")
    assert summary is not None
    assert "There is a problem" in text_of(summary)
    assert text_of(page.title).startswith("Error: ")
    link = summary.select_one("a")
    assert link is not None and link["href"] == "#from-day"
    assert page.select_one("#from-day") is not None
    # The other filters still apply; the date is not.
    assert _held(page) == ["1 July 2026", "31 March 2026"]


def test_held_to_before_held_from_is_an_error(app, client, council):
    client.sign_in_as(council["leader"])

    page = client.get_page(f"{URL}?from=1&from=7&from=2026&to=1&to=4&to=2026")

    summary = text_of(page.select_one(".govuk-error-summary"))
    assert "‘Held to’ must be the same as or after ‘Held from’" in summary
    assert _held(page) == ["1 July 2026"]  # "from" applies; the "to" in error does not


def test_fifty_records_a_page_with_govuk_pagination_that_keeps_the_filters(app, client, make):
    team = make.team("Busy Team")
    supervisor = make.user(Role.SUPERVISOR, team=team, name="Busy Supervisor")
    worker = make.user(Role.PRACTITIONER, team=team)
    other = make.user(Role.PRACTITIONER, team=team)
    first = date(2026, 1, 1)
    for day in range(PAGE_SIZE + 5):
        make.supervision(supervisor, worker, held_on=first + timedelta(days=day), status="completed")
    make.supervision(supervisor, other, held_on=first, status="completed")  # filtered out below
    client.sign_in_as(make.user(Role.LEADER))

    page = client.get_page(f"{URL}?worker={worker.id}&from=1&from=1&from=2026")

    assert _caption(page) == "55 records (page 1 of 2)"
    held = _held(page)
    assert len(held) == PAGE_SIZE
    assert held[0] == "24 February 2026"  # the newest
    pagination = page.select_one(".govuk-pagination")
    assert pagination is not None
    next_link = pagination.select_one(".govuk-pagination__next a")
    assert next_link is not None
    assert f"worker={worker.id}" in next_link["href"] and "page=2" in next_link["href"]
    assert "from=1&from=1&from=2026" in next_link["href"]
    assert [text_of(item) for item in pagination.select(".govuk-pagination__item")] == ["1", "2"]

    second = client.get_page(str(next_link["href"]))
    assert _caption(second) == "55 records (page 2 of 2)"
    assert _held(second) == ["5 January 2026", "4 January 2026", "3 January 2026", "2 January 2026", "1 January 2026"]
    assert second.select_one(".govuk-pagination__prev a") is not None
    assert second.select_one(".govuk-pagination__next") is None
    # A page past the end shows the last.
    assert _caption(client.get_page(f"{URL}?worker={worker.id}&page=9")) == "55 records (page 2 of 2)"


def test_reading_the_list_is_not_logged_but_opening_a_record_is(app, client, council):
    client.sign_in_as(council["leader"])
    before = _log_entries(app)

    client.get_page(URL)
    assert _log_entries(app) == before

    record = council["records"]["north_case"]
    client.get_page(f"/supervision/{record.id}")
    assert _log_entries(app) == before + 2  # one for each child the record discusses


def test_the_list_sends_the_same_queries_for_3_records_as_for_60(app, client, make):
    client.sign_in_as(make.user(Role.LEADER))

    def grow(start: int, end: int) -> None:
        for n in range(start, end):
            team = make.team(f"Query Team {n:02d}")
            supervisor = make.user(Role.SUPERVISOR, team=team)
            workers = [make.user(Role.PRACTITIONER, team=team) for _ in range(2)]
            cases = [make.case(team, worker=workers[0]) for _ in range(n % 3)]
            make.supervision(supervisor, *workers, kind="group", status="completed", cases=cases)

    grow(0, 3)
    client.get(URL)  # anything done once per session (none expected) is not counted
    few = queries_for(app, client, URL)
    grow(3, 60)
    many = queries_for(app, client, URL)

    assert many.count == few.count, f"3 records:\n{few}\n\n60 records:\n{many}"
    assert few.count <= 15, str(few)


def test_the_supervision_page_points_a_leader_to_the_list_instead_of_empty_tables(app, client, council, make):
    client.sign_in_as(council["leader"])
    page = client.get_page("/supervision/")

    text = page_text(page)
    assert "As a leader you can read every supervision record in the service" in text
    assert page.select_one(f"a[href='{URL}']") is not None
    assert not page.select("table")  # a leader who writes no supervision has no lists of their own

    # A supervisor's own lists are as they were, empty or not.
    client.sign_in_as(council["sol"])
    page = client.get_page("/supervision/")
    captions = [text_of(caption) for caption in page.select("caption")]
    assert captions[:3] == ["Your drafts", "Completed, waiting for the worker to acknowledge", "Recently acknowledged"]
    assert page.select_one(f"a[href='{URL}']") is None


def test_a_leaders_own_drafts_still_show_on_the_supervision_page(app, client, council, make):
    leader = council["leader"]
    make.supervision(leader, council["rory"], team=council["south"], held_on=date(2026, 8, 1))
    client.sign_in_as(leader)

    page = client.get_page("/supervision/")

    assert [text_of(caption) for caption in page.select("caption")] == ["Your drafts"]


def test_the_query_lists_only_what_its_caller_may_open(app, council):
    def held(user: Any) -> list[date]:
        with app.app_context():
            viewer = db.session.get(type(user), user.id)
            return [row.record.held_on for row in browse(viewer, SupervisionFilters()).rows]

    assert held(council["leader"]) == [date(2026, 7, 1), date(2026, 6, 30), date(2026, 4, 1), date(2026, 3, 31)]
    assert held(council["sol"]) == [date(2026, 7, 1)]  # the records they wrote
    assert held(council["quin"]) == [date(2026, 6, 30), date(2026, 4, 1)]  # the records of their supervision
