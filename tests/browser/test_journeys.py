"""Journeys through the real app in Chromium. Every page visited is checked by ``Tab.check``:
axe-core WCAG 2.2 A/AA, console errors and CSP violations, and a screenshot."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, Tab, start_live_server

pytestmark = pytest.mark.browser

ADMIN = "admin@demo.example"
PRACTITIONER = "practitioner@demo.example"


def unique(prefix: str) -> str:
    """A name no other test (or earlier run on the same database) has used."""
    return f"{prefix}-{uuid.uuid4().hex[:6].upper()}"


def banner(tab: Tab) -> str:
    return tab.page.locator(".govuk-notification-banner").inner_text()


def error_summary(tab: Tab) -> list[str]:
    summary = tab.page.locator(".govuk-error-summary")
    expect(summary.get_by_role("alert")).to_contain_text("There is a problem")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to it, so screen readers hear it
    return summary.locator(".govuk-error-summary__list a").all_inner_texts()


def test_sign_in_page_and_a_failed_sign_in(tab: Tab) -> None:
    page = tab.page
    tab.goto("/", "sign-in-redirected")
    assert page.url.endswith("/sign-in?next=/")
    expect(page).to_have_title("Sign in – Practice audit and supervision")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

    page.get_by_label("Email address", exact=True).fill(ADMIN)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    tab.follow(page.get_by_role("button", name="Sign in", exact=True), "sign-in-failed")

    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    assert error_summary(tab) == ["Enter a correct email address and password"]
    expect(page.get_by_label("Email address", exact=True)).to_have_value(ADMIN)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_admin_signs_in_and_manages_teams(tab: Tab) -> None:
    page = tab.page
    tab.sign_in(ADMIN, landing="home-admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alex Admin")
    expect(page.locator("main")).to_contain_text("Your roles: Admin.")
    expect(page.get_by_role("heading", name="Admin", level=2)).to_be_visible()

    # The session cookie is Secure, and Chromium keeps it on http://127.0.0.1.
    cookie = next(c for c in page.context.cookies() if c["name"] == "audit_session")
    assert cookie["secure"] is True
    assert cookie["httpOnly"] is True

    # The first Tab press reaches the skip link, which shows itself and jumps to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    navigation = page.get_by_role("navigation", name="Menu")
    tab.follow(navigation.get_by_role("link", name="Admin"), "admin-teams")
    expect(page.get_by_role("heading", level=1)).to_have_text("Teams")
    expect(navigation.get_by_role("link", name="Admin")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("cell", name="Safeguarding East", exact=True)).to_be_visible()

    tab.follow(page.get_by_role("button", name="Add a team"), "admin-team-add")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a team")
    tab.follow(page.get_by_role("button", name="Save team"), "admin-team-add-errors")
    assert error_summary(tab) == ["Enter the team's name", "Select the team's service area"]
    expect(page.get_by_label("Team name")).to_have_accessible_description("Error: Enter the team's name")

    name = unique("Assessment Central")
    page.get_by_label("Team name").fill(name)
    page.get_by_role("group", name="Service area").get_by_label("Assessment", exact=True).check()
    tab.follow(page.get_by_role("button", name="Save team"), "admin-teams-added")
    assert f"{name} team saved." in banner(tab)
    row = page.get_by_role("row").filter(has_text=name)
    expect(row.get_by_role("cell").nth(1)).to_have_text("0")


def test_admin_adds_a_user(tab: Tab) -> None:
    page = tab.page
    tab.sign_in(ADMIN, landing="home-admin")
    tab.follow(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Admin"), "admin-teams", once=True)
    tab.follow(page.get_by_role("navigation", name="Admin").get_by_role("link", name="Users"), "admin-users")
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    expect(page.get_by_role("cell", name="practitioner@demo.example")).to_be_visible()

    tab.follow(page.get_by_role("button", name="Add a user"), "admin-user-add")
    tab.follow(page.get_by_role("button", name="Save user"), "admin-user-add-errors")
    assert error_summary(tab) == [
        "Enter the user's full name",
        "Enter the user's email address",
        "Select at least one role",
    ]

    email = f"{unique('new.worker').lower()}@demo.example"
    page.get_by_label("Full name").fill("Nadia Newcomer")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Team").select_option(label="Safeguarding East")
    page.get_by_role("group", name="Roles").get_by_label("Practitioner").check()
    tab.follow(page.get_by_role("button", name="Save user"), "admin-user-added")

    expect(page.get_by_role("heading", level=1)).to_have_text("User added")
    password = page.locator("#temporary-password").inner_text()
    assert re.fullmatch(r"[\w-]{19,}", password), password
    expect(page.locator("main")).to_contain_text(f"Give this password to Nadia Newcomer ({email})")


def test_admin_adds_a_case(tab: Tab) -> None:
    page = tab.page
    tab.sign_in(ADMIN, landing="home-admin")
    tab.follow(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Admin"), "admin-teams", once=True)
    tab.follow(page.get_by_role("navigation", name="Admin").get_by_role("link", name="Manage cases"), "admin-cases")
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage cases")
    expect(page.get_by_role("table")).to_contain_text("DEMO-000001")

    tab.follow(page.get_by_role("button", name="Add a case"), "admin-case-add")
    tab.follow(page.get_by_role("button", name="Save case"), "admin-case-add-errors")
    assert error_summary(tab) == [
        "Enter the case reference",
        "Select the team that holds the case",
        "Select the plan type",
    ]

    reference = unique("CS")
    page.get_by_label("Case reference").fill(reference)
    page.get_by_label("Team", exact=True).select_option(label="Children in care")
    page.get_by_role("group", name="Plan type").get_by_label("Child in care", exact=True).check()
    page.get_by_label("Age band (optional)").select_option(index=2)
    tab.follow(page.get_by_role("button", name="Save case"), "admin-case-added")
    assert f"Case {reference} saved." in banner(tab)

    page.get_by_label("Case reference contains").fill(reference)
    tab.follow(page.get_by_role("button", name="Filter cases"), "admin-cases-filtered")
    expect(page.get_by_role("table")).to_contain_text(reference)
    expect(page.get_by_role("table").locator("caption")).to_have_text("1 case")


def _csv_file(name: str, rows: list[str]) -> dict[str, object]:
    return {"name": name, "mimeType": "text/csv", "buffer": ("\n".join(rows) + "\n").encode()}


def test_admin_imports_cases_from_a_csv_file(tab: Tab) -> None:
    page = tab.page
    tab.sign_in(ADMIN, landing="home-admin")
    tab.goto("/admin/cases", "admin-cases")
    tab.follow(page.get_by_role("button", name="Import cases from a CSV file"), "admin-import")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import cases")

    good = unique("IMP")
    bad = [
        "reference,team,plan_type,child_name",
        f"{good}-1,Leaving care,care leaver,Not stored",
        f"{good}-2,No such team,child in need,",
        f"{good}-3,Leaving care,holiday club,",
        f"{good}-1,Leaving care,care leaver,",
    ]
    page.get_by_label("CSV file of cases").set_input_files(_csv_file("bad.csv", bad))
    tab.follow(page.get_by_role("button", name="Check the file"), "admin-import-problems")
    assert error_summary(tab) == [
        "The file has 3 problems. No cases were imported. Correct the file and upload it again."
    ]
    problems = page.get_by_role("table", name="Problems found, by line of the file")
    rows = [row.get_by_role("cell").all_inner_texts() for row in problems.locator("tbody tr").all()]
    assert [line for line, _problem in rows] == ["3", "4", "5"]
    assert "There is no team called 'No such team'" in rows[0][1]
    assert "holiday club" in rows[1][1]
    assert f"Case reference {good}-1 is also on line 2" in rows[2][1]

    # Nothing was imported, not even the good row on line 2.
    tab.goto(f"/admin/cases?q={good}", "admin-cases-none-imported")
    expect(page.get_by_role("table")).to_contain_text("No cases match.")

    tab.goto("/admin/cases/import", "admin-import")
    good_rows = [
        "reference,team,plan_type,worker_email,child_name",
        f"{good}-1,Leaving care,care leaver,,Not stored",
        f"{good}-2,Safeguarding East,child protection,practitioner@demo.example,",
    ]
    page.get_by_label("CSV file of cases").set_input_files(_csv_file("good.csv", good_rows))
    tab.follow(page.get_by_role("button", name="Check the file"), "admin-import-preview")
    tab.follow(page.get_by_role("button", name="Apply these changes"), "admin-import-done")
    assert "Import applied: 2 cases added" in banner(tab)
    assert "These columns were ignored and not stored: child_name." in banner(tab)
    page.get_by_label("Case reference contains").fill(good)
    tab.follow(page.get_by_role("button", name="Filter cases"), "admin-cases-imported")
    expect(page.get_by_role("table").locator("caption")).to_have_text("2 cases")


def test_admin_views_a_case_a_missing_page_and_signs_out(tab: Tab) -> None:
    page = tab.page
    tab.sign_in(ADMIN, landing="home-admin")
    tab.follow(
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Cases", exact=True), "cases-every-team"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases in every team")
    first = page.get_by_role("table").get_by_role("link").first
    reference = first.inner_text()
    tab.follow(first, "case")
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)
    expect(page).to_have_title(f"Case {reference} – Practice audit and supervision")
    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Cases", exact=True)).to_be_visible()

    tab.goto("/no-such-page", "error-404", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    tab.goto("/cases/999999", "error-404-case", status=404)

    tab.follow(page.get_by_role("link", name="Change password"), "change-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    tab.follow(page.get_by_role("button", name="Change password"), "change-password-errors")
    assert error_summary(tab) == [
        "Enter your current password",
        "Enter a new password",
        "Confirm your new password",
    ]

    tab.follow(page.get_by_role("button", name="Sign out"), "signed-out")
    assert page.url.endswith("/sign-in")
    assert "You have signed out." in banner(tab)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    tab.goto("/admin/teams", "signed-out-admin-redirect")
    assert page.url.endswith("/sign-in?next=/admin/teams")


def test_practitioner_sees_only_their_own_team(tab: Tab) -> None:
    page = tab.page
    tab.sign_in(PRACTITIONER, landing="home-practitioner")
    expect(page.locator("main")).to_contain_text("You are in the Safeguarding East team.")
    expect(page.get_by_role("heading", name="Practitioner", level=2)).to_be_visible()
    navigation = page.get_by_role("navigation", name="Menu")
    for admin_only in ("Teams", "Users", "Manage cases"):
        expect(navigation.get_by_role("link", name=admin_only)).to_have_count(0)

    tab.follow(navigation.get_by_role("link", name="Cases", exact=True), "cases-practitioner")
    expect(page.get_by_role("heading", level=1)).to_have_text("Safeguarding East cases")
    teams = page.get_by_role("table").locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert teams, "the practitioner's team has demo cases"
    assert set(teams) == {"Safeguarding East"}
    tab.follow(page.get_by_role("table").get_by_role("link").first, "case-practitioner")

    tab.goto("/admin/teams", "error-403", status=403)
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this page")


@pytest.fixture(scope="module")
def short_timeout_server(live_database: tuple[str, str]) -> Iterator[LiveServer]:
    """The same database served with a 125-second idle timeout: the warning comes 5 s after a page loads."""
    name, url = live_database
    server = start_live_server(url, name, IDLE_TIMEOUT=timedelta(seconds=125))
    yield server
    server.stop()


def test_idle_timeout_warning(open_tab: Callable[..., Tab], short_timeout_server: LiveServer) -> None:
    """The warning opens 120 s before the timeout; "Stay signed in" and Escape both keep the session.

    Two people wait side by side, so the test waits for the warning only once (about 5 s).
    """
    first = open_tab(short_timeout_server)
    first.sign_in("auditor@demo.example", landing="home-auditor")
    page = first.page
    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    expect(dialog).to_be_hidden()
    second = open_tab(short_timeout_server)
    second.sign_in("supervisor@demo.example", landing="home-supervisor")

    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog).to_contain_text("We will sign you out in 2 minutes.")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    first.check("timeout-warning")
    with page.expect_response("**/session/keep-alive") as kept:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert kept.value.ok
    expect(dialog).to_be_hidden(timeout=3_000)
    status = page.request.get("/session/status", headers={"Accept": "application/json"}).json()
    assert status["remaining_seconds"] > 120, status

    # Escape closes the dialog, and counts as staying: otherwise the session would end unwarned.
    page = second.page
    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    expect(dialog).to_be_visible(timeout=10_000)
    with page.expect_response("**/session/keep-alive") as kept:
        page.keyboard.press("Escape")
    assert kept.value.ok
    expect(dialog).to_be_hidden()
    second.goto("/", "home-supervisor-after-timeout-warning")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Sam Supervisor")


def test_pages_fit_a_phone_screen(open_tab: Callable[..., Tab], live_server: LiveServer) -> None:
    """WCAG 1.4.10 reflow: at 320 CSS pixels wide nothing needs scrolling sideways (tables scroll on their own)."""
    tab = open_tab(live_server, viewport={"width": 320, "height": 640})
    tab.sign_in(ADMIN, landing="phone-home", form="phone-sign-in")
    for path, name in [
        ("/admin/teams", "phone-teams"),
        ("/admin/users", "phone-users"),
        ("/admin/cases/new", "phone-case-add"),
        ("/admin/cases/import", "phone-import"),
        ("/cases/", "phone-cases"),
    ]:
        tab.goto(path, name)
        overflow = tab.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: the page is {overflow}px wider than a 320px screen"


# Each role's pages at a phone's width: every menu page, and one page of each kind linked from them
# (a record, its edit page, a form). Tab.check fails any page that scrolls sideways at this width.
PHONE_WIDTH = 390
PHONE_ROLES = ("practitioner", "supervisor", "auditor", "moderator", "leader", "admin")
# Downloads are not pages; "/reports/?team=3" and the like are the menu page again.
NOT_A_PAGE = re.compile(r"(pdf|\.csv|\.docx)$|^/static/|^/sign-out")


def _hrefs(tab: Tab, selector: str) -> list[str]:
    """The same-site paths the matching links go to, in page order, each once."""
    hrefs: list[str] = tab.page.eval_on_selector_all(
        selector,
        "(links) => links.filter((link) => new URL(link.href).origin === location.origin)"
        ".map((link) => new URL(link.href).pathname)",
    )
    return [href for href in dict.fromkeys(hrefs) if not NOT_A_PAGE.search(href)]


def _kind(path: str) -> str:
    """A page's kind: its path with the record numbers taken out (/audits/12/edit -> audits-n-edit)."""
    return re.sub(r"\d+", "n", path.strip("/")).replace("/", "-") or "home"


@pytest.mark.parametrize("role", PHONE_ROLES)
def test_every_page_fits_a_390px_phone(open_tab: Callable[..., Tab], live_server: LiveServer, role: str) -> None:
    """Issue 10: on a 390px phone the compliance page was 861px and an audit 426px wide."""
    tab = open_tab(live_server, viewport={"width": PHONE_WIDTH, "height": 844})
    tab.sign_in(f"{role}@demo.example", landing=f"phone-{role}-home", form="phone-sign-in")
    linked = _hrefs(tab, "main a[href]")
    menu = _hrefs(tab, ".govuk-service-navigation__list a")
    visited = {"/"}
    for path in menu:
        if path in visited:
            continue
        visited.add(path)
        tab.goto(path, f"phone-{role}-{_kind(path)}")
        linked += _hrefs(tab, "main a[href]")
        menu += [path for path in _hrefs(tab, ".app-subnav__list a") if path not in menu]
    kinds = {_kind(path) for path in visited}
    for depth in (1, 2):  # the pages linked from the menu pages, and the pages linked from those
        following, linked = linked, []
        for path in following:
            if path not in visited and _kind(path) not in kinds:
                visited.add(path)
                kinds.add(_kind(path))
                tab.goto(path, f"phone-{role}-{_kind(path)}")
                if depth == 1:
                    linked += _hrefs(tab, "main a[href]")
    assert len(tab.checked) > 4, tab.checked


def test_my_audits_shows_due_date_and_status_on_a_phone(open_tab: Callable[..., Tab], live_server: LiveServer) -> None:
    """Issue 10: on My audits at 390px the due date and status were cut off; now each audit is a
    stacked summary with every column on screen."""
    tab = open_tab(live_server, viewport={"width": PHONE_WIDTH, "height": 844})
    tab.sign_in("auditor@demo.example", landing="phone-auditor-home", form="phone-sign-in")
    tab.goto("/audits/mine", "phone-my-audits-due-and-status")
    first = tab.page.locator("main table tbody tr").first
    for column in ("Due", "Status"):
        cell = first.locator(f"td[data-label='{column}']")
        expect(cell).to_be_visible()
        cell.scroll_into_view_if_needed()
        expect(cell).to_be_in_viewport(ratio=1)
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, f"{column}: {box}"
    expect(first.locator("td[data-label='Due']")).to_contain_text(re.compile(r"\d{4}|–"))
    expect(first.locator("td[data-label='Status'] .govuk-tag").first).to_be_visible()


def test_printing_leaves_out_the_navigation(tab: Tab) -> None:
    """Issue 10: printing showed the navigation, filters and link addresses. Printed pages (the
    reports, the plan, the audits list, an audit, a case) now carry the content alone."""
    tab.sign_in("leader@demo.example", landing="home-leader", form="sign-in")
    page = tab.page
    tab.goto("/audits/", "audits-before-printing")
    expect(page.locator(".govuk-service-navigation")).to_be_visible()
    expect(page.locator("main form[method='get']")).to_be_visible()
    audit = _hrefs(tab, "main table a[href^='/audits/']")[0]
    tab.goto("/cases/", "cases-before-printing")
    case = _hrefs(tab, "main table a[href^='/cases/']")[0]
    pages = [("/reports/", "reports"), ("/plan/", "plan"), ("/audits/", "audits"), (audit, "audit"), (case, "case")]
    page.emulate_media(media="print")
    try:
        for path, name in pages:
            tab.goto(path, f"print-{name}")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            for chrome in (".govuk-service-navigation", ".app-header", ".govuk-skip-link", ".govuk-footer", "aside"):
                expect(page.locator(chrome).first).to_be_hidden()
            for control in page.locator("main .govuk-button, main form[method='get'], .govuk-back-link").all():
                expect(control).to_be_hidden()
            for table in page.locator("main table").all():
                expect(table).to_be_visible()
            # GOV.UK Frontend prints a link's address after its text; these pages do not.
            for link in page.locator("main a[href]").all()[:20]:
                after = link.evaluate("(element) => getComputedStyle(element, '::after').content")
                assert after in ("none", "normal"), f"{name}: a link prints {after} after it"
    finally:
        page.emulate_media(media="screen")
