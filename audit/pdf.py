"""The one PDF renderer: every PDF in the product is HTML from a template under ``templates/pdf/``
turned into a PDF here.

WeasyPrint fetches whatever URL reaches the HTML or CSS (images, stylesheets, fonts, SVG
references), so it renders with ``StaticFileFetcher``, which serves only files under the project's
``static/`` folder and refuses everything else: ``file:``, ``http(s):``, ``data:`` and any other
scheme or host. Jinja's autoescaping keeps user text from ever becoming markup or a URL; the
fetcher is the second line of defence.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from audit.config import PROJECT_ROOT

logger = logging.getLogger(__name__)

STATIC_DIR = PROJECT_ROOT / "static"
STATIC_PREFIX = "/static/"
# Templates write site-relative URLs ("/static/dist/fonts/...") as web pages do; WeasyPrint needs
# a base URL to make them absolute. The ".invalid" top-level domain never resolves (RFC 2606), so
# nothing can reach a network through it even by mistake.
BASE_URL = "https://pdf-static.invalid/"
_BASE = urlsplit(BASE_URL)


class ResourceRefused(ValueError):
    """A PDF asked for a resource that is not one of the project's static files."""


class StaticFileFetcher(URLFetcher):
    """Serves ``/static/...`` from the project's ``static/`` folder; refuses every other URL.

    Refusing raises, so WeasyPrint leaves the resource out and carries on (user content never
    breaks a render); each refusal is logged as a warning so that a missing font or image of our
    own is noticed. ``data:`` URLs are refused too: no template needs them, and they would let a
    document carry an arbitrarily large image past this check.
    """

    def __init__(self, static_dir: Path = STATIC_DIR) -> None:
        # The parent's own fetch (never called) would then refuse every protocol too.
        super().__init__(allowed_protocols=frozenset(), allow_redirects=False, fail_on_errors=False)
        self.static_dir = static_dir.resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        try:
            path = self.static_path(url)
        except ResourceRefused as refusal:
            logger.warning("PDF resource refused: %s", refusal)
            raise
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    def static_path(self, url: str) -> Path:
        """The file a URL names under ``static/``, or ``ResourceRefused``."""
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise ResourceRefused(f"malformed URL {url!r}") from error
        site_relative = not parts.scheme and not parts.netloc
        on_base = (parts.scheme, parts.netloc) == (_BASE.scheme, _BASE.netloc)
        if not (site_relative or on_base):
            raise ResourceRefused(f"{url!r} is not one of the service's static files")
        path = unquote(parts.path)
        if not path.startswith(STATIC_PREFIX) or "\0" in path:
            raise ResourceRefused(f"{url!r} is not under {STATIC_PREFIX}")
        # resolve() follows symbolic links and removes "..", so both are checked by where they land.
        file = (self.static_dir / path.removeprefix(STATIC_PREFIX)).resolve()
        if not file.is_relative_to(self.static_dir):
            raise ResourceRefused(f"{url!r} is outside the static folder")
        if not file.is_file():
            raise ResourceRefused(f"{url!r} does not exist (run `make assets` to build static/dist/)")
        return file


_thread = threading.local()


def _font_config() -> FontConfiguration:
    """This thread's font configuration. WeasyPrint loads each @font-face into it once, so later
    renders skip decoding the woff2 files (~180 ms a render); one per thread because it holds
    Pango and Fontconfig state that two threads must not use at once."""
    if not hasattr(_thread, "font_config"):
        _thread.font_config = FontConfiguration()
    return _thread.font_config


def render_pdf(html: str) -> bytes:
    """A PDF of a complete HTML document (a template extending ``pdf/base.html``), tagged for
    screen readers."""
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFileFetcher())
    pdf: bytes = document.write_pdf(font_config=_font_config(), pdf_tags=True)
    return pdf
