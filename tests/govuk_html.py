"""Reading GOV.UK pages in tests: the error summary, a field's error message, a field's value."""

from __future__ import annotations

import html
import re

from werkzeug.test import TestResponse


def _html(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def title(response: TestResponse) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", _html(response), flags=re.S)
    return _text(match.group(1)) if match else ""


def error_summary(response: TestResponse) -> list[str]:
    """The entries of the error summary, as text, in order; [] when there is no summary."""
    match = re.search(
        r'<div class="govuk-error-summary".*?<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>',
        _html(response),
        flags=re.S,
    )
    if not match:
        return []
    return [_text(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1), flags=re.S)]


def error_summary_links(response: TestResponse) -> list[str]:
    match = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', _html(response), flags=re.S)
    return re.findall(r'href="([^"]+)"', match.group(1)) if match else []


def field_error(response: TestResponse, field_id: str) -> str | None:
    """The error message shown by a field (without the hidden "Error:" prefix), or None."""
    match = re.search(
        rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">(.*?)</p>', _html(response), flags=re.S
    )
    if not match:
        return None
    return _text(match.group(1)).removeprefix("Error:").strip()


def input_value(response: TestResponse, name: str) -> str | None:
    """The value a text input shows."""
    for tag in re.findall(r"<input\b[^>]*>", _html(response)):
        if re.search(rf'\bname="{re.escape(name)}"', tag):
            value = re.search(r'\bvalue="([^"]*)"', tag)
            return html.unescape(value.group(1)) if value else ""
    return None


def selected_values(response: TestResponse, name: str) -> list[str]:
    """The values selected in a select, or checked in radios or checkboxes, with this name."""
    page = _html(response)
    values = []
    for tag in re.findall(r"<input\b[^>]*>", page):
        if re.search(rf'\bname="{re.escape(name)}"', tag) and re.search(r"\bchecked\b", tag):
            values.append(html.unescape(re.search(r'\bvalue="([^"]*)"', tag).group(1)))
    select = re.search(rf'<select\b[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</select>', page, flags=re.S)
    if select:
        for option in re.findall(r"<option\b[^>]*>", select.group(1)):
            if re.search(r"\bselected\b", option):
                values.append(html.unescape(re.search(r'\bvalue="([^"]*)"', option).group(1)))
    return values


def assert_error(response: TestResponse, field_id: str, message: str) -> None:
    """A GOV.UK error: 200, "Error: " in the title, the message in the summary and by the field."""
    assert response.status_code == 200, response.status_code
    assert title(response).startswith("Error: "), title(response)
    summary = error_summary(response)
    assert message in summary, summary
    assert field_error(response, field_id) == message, field_error(response, field_id)
    assert f"#{field_id}" in error_summary_links(response)
