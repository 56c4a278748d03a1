"""Cases as their teams see them: team scope, the access log, search, filters and pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from audit.domain.cases import PAGE_SIZE
from audit.extensions import db
from audit.models import AccessLogEntry, Role
from tests.conftest import page_text
from tests.pages import heading, parse, text_of

SERVICE_WIDE = [Role.ADMIN, Role.LEADER, Role.MODERATOR]
TEAM_SCOPED = [Role.AUDITOR, Role.SUPERVISOR, Role.PRACTITIONER]


@pytest.fixture
def east(make):
    return make.team("Safeguarding East")


@pytest.fixture
def north(make):
    return make.team("Assessment North")


@pytest.fixture
def east_case(make, east):
    return make.case(east, reference="SE-001", plan_type="child_protection", age_band="5 to 9", religion="Hindu")


@pytest.fixture
def north_case(make, north):
    return make.case(north, reference="AN-001", plan_type="early_help")


def _references(response) -> list[str]:
    """The references that link to their cases, in order."""
    links = parse(response).find_all("a", href=re.compile(r"^/cases/\d+$"), class_="govuk-link")
    return [text_of(link) for link in links if link["class"] == ["govuk-link"]]


def _views(app, case_id=None) -> list[tuple[int, str, str, int, int | None]]:
    with app.app_context():
        query = select(
            AccessLogEntry.user_id,
            AccessLogEntry.action,
            AccessLogEntry.record_type,
            AccessLogEntry.record_id,
            AccessLogEntry.case_id,
        ).order_by(AccessLogEntry.id)
        if case_id is not None:
            query = query.where(AccessLogEntry.case_id == case_id)
        return [tuple(row) for row in db.session.execute(query)]


@pytest.mark.parametrize("role", TEAM_SCOPED, ids=str)
def test_team_members_see_only_their_own_teams_cases(client, make, east, east_case, north_case, role):
    client.sign_in_as(make.user(role, team=east))
    response = client.get("/cases/")
    assert response.status_code == 200
    assert _references(response) == ["SE-001"]
    text = page_text(response)
    assert "Safeguarding East cases" in text
    assert "1 case " in text


@pytest.mark.parametrize("role", SERVICE_WIDE, ids=str)
def test_service_wide_roles_see_every_teams_cases(client, make, east_case, north_case, role):
    client.sign_in_as(make.user(role))
    response = client.get("/cases/")
    assert _references(response) == ["AN-001", "SE-001"]
    assert "Cases in every team" in page_text(response)


def test_a_service_wide_role_in_a_team_still_sees_every_team(client, make, east, east_case, north_case):
    client.sign_in_as(make.user(Role.LEADER, Role.AUDITOR, team=east))
    assert _references(client.get("/cases/")) == ["AN-001", "SE-001"]


@pytest.mark.parametrize("role", TEAM_SCOPED, ids=str)
def test_another_teams_case_is_404_and_not_logged(app, client, make, east, north_case, role):
    client.sign_in_as(make.user(role, team=east))
    response = client.get(f"/cases/{north_case.id}")
    assert response.status_code == 404
    assert "AN-001" not in page_text(response)
    assert _views(app) == []


@pytest.mark.parametrize("role", SERVICE_WIDE, ids=str)
def test_service_wide_roles_may_open_any_teams_case(client, make, north_case, role):
    client.sign_in_as(make.user(role))
    assert heading(client.get_page(f"/cases/{north_case.id}")) == "AN-001"


@pytest.mark.parametrize("case_id", ["999999", "0", "2147483648", "99999999999999999999"])
def test_unknown_case_is_404(client, make, east, case_id):
    client.sign_in_as(make.user(Role.ADMIN))
    assert client.get(f"/cases/{case_id}").status_code == 404


def test_viewing_a_case_shows_it_and_writes_an_access_log_row(app, client, make, east, east_case):
    user = make.user(Role.PRACTITIONER, team=east)
    client.sign_in_as(user)

    response = client.get(f"/cases/{east_case.id}")

    assert response.status_code == 200
    text = page_text(response)
    assert "SE-001" in text
    assert "Plan type Child protection" in text
    assert "Age band 5 to 9" in text
    assert "Religion Hindu" in text
    assert "Gender Not recorded" in text
    assert _views(app, east_case.id) == [(user.id, "view", "case", east_case.id, east_case.id)]

    client.get(f"/cases/{east_case.id}")
    assert len(_views(app, east_case.id)) == 2  # every view is logged


def test_listing_cases_is_not_logged_as_viewing_them(app, client, make, east, east_case):
    client.sign_in_as(make.user(Role.PRACTITIONER, team=east))
    client.get("/cases/")
    assert _views(app) == []


def test_a_user_with_no_team_is_told_so_rather_than_given_a_404(client, make, east_case):
    client.sign_in_as(make.user(Role.PRACTITIONER, team=None))
    response = client.get("/cases/")
    assert response.status_code == 200
    text = page_text(response)
    assert "You are not in a team" in text
    assert "Ask an administrator" in text
    assert "SE-001" not in text
    # Nor can they open any case.
    assert client.get(f"/cases/{east_case.id}").status_code == 404


def test_search_by_reference_ignores_case_and_spaces(client, make, east):
    for reference in ("CS-1001", "CS-1002", "CS-2001", "XY-1001"):
        make.case(east, reference=reference)
    client.sign_in_as(make.user(Role.PRACTITIONER, team=east))

    assert _references(client.get("/cases/?q=cs-10")) == ["CS-1001", "CS-1002"]
    assert _references(client.get("/cases/?q=1001")) == ["CS-1001", "XY-1001"]
    assert _references(client.get("/cases/?q= cs - 2")) == ["CS-2001"]
    response = client.get("/cases/?q=nothing9")
    assert _references(response) == []
    assert "No cases match." in page_text(response)


def test_search_treats_wildcards_literally_and_survives_odd_input(client, make, east):
    make.case(east, reference="A_1")
    make.case(east, reference="AB1")
    make.case(east, reference="A%1")
    client.sign_in_as(make.user(Role.ADMIN))
    assert _references(client.get("/cases/?q=a_")) == ["A_1"]
    assert _references(client.get("/cases/?q=%25")) == ["A%1"]
    for odd in ("'; drop table cases; --", "x" * 500, "%F0%9F%98%80"):
        assert heading(client.get_page(f"/cases/?q={odd}")) == "Cases in every team", odd
    for unreadable in ("%00", "%00A"):  # a NUL in a web address: a clear 400, not a search
        assert client.get(f"/cases/?q={unreadable}").status_code == 400


def test_search_is_kept_in_the_box(client, make, east):
    client.sign_in_as(make.user(Role.ADMIN))
    html = client.get('/cases/?q="><b>x').get_data(as_text=True)
    assert 'value="&#34;&gt;&lt;b&gt;x"' in html or 'value="&quot;&gt;&lt;b&gt;x"' in html
    assert "<b>x" not in html


def test_filter_by_plan_type_with_search(client, make, east, north):
    make.case(east, reference="SE-1", plan_type="child_protection")
    make.case(east, reference="SE-2", plan_type="child_in_need")
    make.case(north, reference="AN-1", plan_type="child_protection")
    client.sign_in_as(make.user(Role.LEADER))

    assert _references(client.get("/cases/?plan_type=child_protection")) == ["AN-1", "SE-1"]
    assert _references(client.get("/cases/?plan_type=child_protection&q=se")) == ["SE-1"]
    response = client.get("/cases/?plan_type=child_in_need")
    assert _references(response) == ["SE-2"]
    assert 'value="child_in_need" selected' in response.get_data(as_text=True)
    # An unknown plan type is no filter, not an error.
    assert _references(client.get("/cases/?plan_type=nonsense")) == ["AN-1", "SE-1", "SE-2"]


def test_a_team_member_cannot_widen_their_scope_with_parameters(client, make, east, north, east_case, north_case):
    client.sign_in_as(make.user(Role.PRACTITIONER, team=east))
    assert _references(client.get(f"/cases/?team={north.id}")) == ["SE-001"]


def test_pagination(client, make, east, north):
    for number in range(PAGE_SIZE * 2 + 5):
        make.case(east, reference=f"SE-{number:04d}")
    make.case(north, reference="AN-0001")  # another team's: not counted
    client.sign_in_as(make.user(Role.SUPERVISOR, team=east))

    first = client.get("/cases/")
    assert len(_references(first)) == PAGE_SIZE
    assert _references(first)[0] == "SE-0000"
    text = page_text(first)
    assert f"{PAGE_SIZE * 2 + 5} cases (page 1 of 3)" in text
    html = first.get_data(as_text=True)
    assert 'href="/cases/?page=2"' in html
    assert "page=0" not in html

    second = client.get("/cases/?page=2")
    assert _references(second)[0] == f"SE-{PAGE_SIZE:04d}"
    assert 'href="/cases/?page=1"' in second.get_data(as_text=True)
    assert 'href="/cases/?page=3"' in second.get_data(as_text=True)

    last = client.get("/cases/?page=3")
    assert _references(last) == [f"SE-{number:04d}" for number in range(PAGE_SIZE * 2, PAGE_SIZE * 2 + 5)]
    assert "page=4" not in last.get_data(as_text=True)

    # Out-of-range and nonsense pages show the nearest real page.
    assert _references(client.get("/cases/?page=99")) == _references(last)
    assert _references(client.get("/cases/?page=-3")) == _references(first)
    assert _references(client.get("/cases/?page=abc")) == _references(first)


def test_pagination_keeps_the_search_and_filter(client, make, east):
    for number in range(PAGE_SIZE + 1):
        make.case(east, reference=f"CP-{number:04d}", plan_type="child_protection")
    make.case(east, reference="CP-9999", plan_type="early_help")
    client.sign_in_as(make.user(Role.ADMIN))
    page = client.get_page("/cases/?q=cp&plan_type=child_protection")
    link = page.select_one('a.govuk-pagination__link[rel="next"]')
    assert link, "no next link"
    target = str(link["href"])
    assert "q=cp" in target and "plan_type=child_protection" in target and "page=2" in target
    assert _references(client.get(target)) == [f"CP-{PAGE_SIZE:04d}"]


def test_signed_out_visitors_are_sent_to_sign_in(app, client, east_case):
    for path in ("/cases/", f"/cases/{east_case.id}"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 0
