"""Reading pages in tests with a real HTML parser (BeautifulSoup on the standard library's
``html.parser``): ``parse``, ``page_text`` and ``text``; ``assert_well_formed_page``, the rules
every HTML page the test client loads must meet; and the text and fonts of a PDF (poppler's
``pdftotext`` and ``pdffonts``)."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from html.parser import HTMLParser

from bs4 import BeautifulSoup, Tag
from werkzeug.test import TestResponse

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def parse(page: TestResponse | str) -> BeautifulSoup:
    """The page's document tree."""
    html = page if isinstance(page, str) else page.get_data(as_text=True)
    return BeautifulSoup(html, "html.parser")


def text_of(node: Tag | None) -> str:
    """The visible text of an element (not scripts, styles or comments), white space folded;
    "" for no element."""
    return " ".join(node.get_text(" ").split()) if node is not None else ""


def heading(page: TestResponse | BeautifulSoup | str) -> str:
    """The text of the page's (first) h1; "" when it has none."""
    return text_of((page if isinstance(page, BeautifulSoup) else parse(page)).h1)


def page_text(page: TestResponse | BeautifulSoup | str) -> str:
    """The visible text of a page, with tags removed and white space folded."""
    return text_of(page if isinstance(page, BeautifulSoup) else parse(page))


class _TagBalance(HTMLParser):
    """Tags closed in the order they were opened (BeautifulSoup would silently repair them)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
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


def assert_well_formed_page(
    response: TestResponse, service_name: str = "Practice audit and supervision"
) -> BeautifulSoup:
    """An HTML page with a language, a title that names the service, one h1, a main landmark,
    balanced tags, unique ids, a CSRF token in every post form and the CSP nonce on every
    script. Returns the parsed page."""
    html = response.get_data(as_text=True)
    assert "Traceback" not in html
    balance = _TagBalance()
    balance.feed(html)
    balance.close()
    assert not balance.problems, balance.problems
    page = parse(html)
    assert page.html is not None and page.html.get("lang") == "en", "no <html lang>"
    title = text_of(page.title)
    assert title, "no <title>"
    assert page.find("main", id="main-content"), "no <main id=main-content>"
    # Not "the title starts with the h1": many pages word them differently on purpose
    # ("Home" / "Hello, Sam"), which a person reads as intended.
    assert title.endswith(f" – {service_name}"), f"<title> {title!r} does not name the service"
    headings = page.find_all("h1")
    assert len(headings) == 1, f"{len(headings)} <h1> elements"
    ids = Counter(str(element["id"]) for element in page.find_all(id=True))
    duplicates = [name for name, count in ids.items() if count > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    for form in page.find_all("form"):
        if str(form.get("method", "get")).lower() == "post":
            assert form.find("input", attrs={"name": "csrf_token"}), f"a post form has no CSRF token: {str(form)[:200]}"
    policy = response.headers.get("Content-Security-Policy", "")
    nonce = re.search(r"'nonce-([^']+)'", policy)  # a header, not HTML
    for script in page.find_all("script"):
        assert nonce and script.get("nonce") == nonce.group(1), f"script without the CSP nonce: {str(script)[:200]}"
    return page


def pdf_text(data: bytes, layout: bool = False) -> str:
    """The PDF's text, white space folded: in reading order, or (``layout``) row by row as laid
    out, which keeps a table's cells on their row."""
    command = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    result = subprocess.run(command, input=data, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


def pdf_fonts(data: bytes) -> str:
    result = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()
