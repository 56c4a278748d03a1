"""Checks shared by tests: ``assert_well_formed_page``, run on every page the access matrix opens,
and the text and fonts of a PDF (poppler's ``pdftotext`` and ``pdffonts``)."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from html.parser import HTMLParser

from werkzeug.test import TestResponse

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: Counter[str] = Counter()
        self.h1 = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1
        if tag == "h1":
            self.h1 += 1
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if tag not in self.stack:
            self.problems.append(f"</{tag}> closes nothing (line {self.getpos()[0]})")
            return
        while self.stack:
            opened = self.stack.pop()
            if opened == tag:
                break
            if opened not in {"p", "li", "option", "td", "th", "tr"}:
                self.problems.append(f"<{opened}> not closed before </{tag}> (line {self.getpos()[0]})")


def assert_well_formed_page(response: TestResponse) -> None:
    """An HTML page with a language, a title, one h1, a main landmark, balanced tags, unique ids,
    a CSRF token in every post form and the CSP nonce on every script."""
    page = response.get_data(as_text=True)
    assert re.search(r'<html[^>]*\blang="en"', page), "no <html lang>"
    title = re.search(r"<title[^>]*>(.*?)</title>", page, flags=re.S)
    assert title and title.group(1).strip(), "no <title>"
    assert re.search(r'<main\b[^>]*id="main-content"', page), "no <main id=main-content>"
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.h1 == 1, f"{checker.h1} <h1> elements"
    duplicates = [name for name, count in checker.ids.items() if count > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    assert not checker.problems, checker.problems
    assert "Traceback" not in page
    # Every form that posts carries a CSRF token.
    for form in re.findall(r"<form\b[^>]*>.*?</form>", page, flags=re.S | re.I):
        if re.search(r'method="post"', form.split(">", 1)[0], flags=re.I):
            assert 'name="csrf_token"' in form, f"a post form has no CSRF token: {form[:200]}"
    # Every script carries this response's CSP nonce.
    policy = response.headers.get("Content-Security-Policy", "")
    nonce = re.search(r"'nonce-([^']+)'", policy)
    for script in re.findall(r"<script\b[^>]*>", page, flags=re.I):
        assert nonce and f'nonce="{nonce.group(1)}"' in script, f"script without the CSP nonce: {script}"


def pdf_text(data: bytes, layout: bool = False) -> str:
    """The PDF's text, white space folded: in reading order, or (``layout``) row by row as laid
    out, which keeps a table's cells on their row."""
    command = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    result = subprocess.run(command, input=data, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


def pdf_fonts(data: bytes) -> str:
    result = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()
