"""Reading GOV.UK pages in tests: the error summary, a field's error message, a field's value.

Each takes a response or an already parsed page (tests/pages.py parses with BeautifulSoup)."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag
from werkzeug.test import TestResponse

from tests.pages import parse, text_of

Page = TestResponse | BeautifulSoup


def _page(page: Page) -> BeautifulSoup:
    return page if isinstance(page, BeautifulSoup) else parse(page)


def title(page: Page) -> str:
    return text_of(_page(page).title)


def _summary_list(page: Page) -> Tag | None:
    summary = _page(page).select_one("div.govuk-error-summary")
    return summary.select_one("ul.govuk-error-summary__list") if summary else None


def error_summary(page: Page) -> list[str]:
    """The entries of the error summary, as text, in order; [] when there is no summary."""
    found = _summary_list(page)
    return [text_of(item) for item in found.find_all("li")] if found else []


def error_summary_links(page: Page) -> list[str]:
    found = _summary_list(page)
    return [str(link["href"]) for link in found.find_all("a", href=True)] if found else []


def field_error(page: Page, field_id: str) -> str | None:
    """The error message shown by a field (without the hidden "Error:" prefix), or None."""
    found = _page(page).find("p", id=f"{field_id}-error", class_="govuk-error-message")
    return text_of(found).removeprefix("Error:").strip() if found else None


def input_value(page: Page, name: str) -> str | None:
    """The value a text input shows."""
    found = _page(page).find("input", attrs={"name": name})
    return str(found.get("value", "")) if found else None


def selected_values(page: Page, name: str) -> list[str]:
    """The values selected in a select, or checked in radios or checkboxes, with this name."""
    document = _page(page)
    values = [str(tag["value"]) for tag in document.find_all("input", attrs={"name": name, "checked": True})]
    select = document.find("select", attrs={"name": name})
    if select:
        values += [str(option["value"]) for option in select.find_all("option", selected=True)]
    return values


def assert_error(response: TestResponse, field_id: str, message: str) -> None:
    """A GOV.UK error: 200, "Error: " in the title, the message in the summary and by the field."""
    assert response.status_code == 200, response.status_code
    page = parse(response)
    assert title(page).startswith("Error: "), title(page)
    summary = error_summary(page)
    assert message in summary, summary
    assert field_error(page, field_id) == message, field_error(page, field_id)
    assert f"#{field_id}" in error_summary_links(page)
