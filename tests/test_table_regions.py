"""Every table on a page fits a phone (WCAG 1.4.10 reflow, issue 10): it scrolls inside its own region,
which a keyboard can reach (tabindex="0") and a screen reader names (role="region" and the table's
caption as aria-label), under the "Scroll the table sideways to see more" hint. PDFs are not pages.

The browser tests measure the pages themselves at 390px (tests/browser/test_journeys.py); this keeps
a new table from skipping the wrapper on a page those tests do not reach."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PAGE_TEMPLATES = sorted(path for path in TEMPLATES.rglob("*.html") if path.relative_to(TEMPLATES).parts[0] != "pdf")
TABLE = re.compile(r"<table\b")
WRAPPED_TABLE = re.compile(
    r'<p class="govuk-body-s app-table-hint">Scroll the table sideways to see more</p>\s*'
    r'<div class="app-table-wrapper" role="region" aria-label="[^\n]+?" tabindex="0">\s*'
    r'<table class="govuk-table[ "]'
)


def _with_tables() -> list[Path]:
    return [path for path in PAGE_TEMPLATES if TABLE.search(path.read_text(encoding="utf-8"))]


def test_the_pages_have_tables_to_check() -> None:
    names = {str(path.relative_to(TEMPLATES)) for path in _with_tables()}
    assert {"supervision/compliance.html", "audits/_audit_table.html", "reports/dashboard.html"} <= names


@pytest.mark.parametrize("template", _with_tables(), ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_every_table_scrolls_in_its_own_labelled_focusable_region(template: Path) -> None:
    source = template.read_text(encoding="utf-8")
    assert len(WRAPPED_TABLE.findall(source)) == len(TABLE.findall(source)), (
        f"{template.relative_to(TEMPLATES)}: put each table in"
        ' <p class="govuk-body-s app-table-hint">Scroll the table sideways to see more</p>'
        ' <div class="app-table-wrapper" role="region" aria-label="(its caption)" tabindex="0">'
    )


def test_my_audits_stacks_each_audit_so_due_date_and_status_stay_on_a_phone_screen() -> None:
    """Issue 10: on My audits at 390px the due date and status were cut off."""
    source = (TEMPLATES / "audits" / "_audit_table.html").read_text(encoding="utf-8")
    assert 'class="govuk-table app-table--stack"' in source
    for column in ("Case", "Due", "Status", "Overall grade"):
        assert f'<td data-label="{column}"' in source
