"""HTML templates to tagged PDF (WeasyPrint): the documents layer under minutes and distribution.

Pure functions returning bytes: no database, no request, no knowledge of what the document is.
Templates render with autoescaping; callers mark safe only text sanitised on write.
WeasyPrint gets a restricted URL fetcher that serves the app's own static files from disk and
refuses everything else, so content in the minutes can never make the renderer read a local file
or call a remote host.
"""

from __future__ import annotations

import base64
import binascii
import logging
import mimetypes
import urllib.parse
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from flask import current_app, has_app_context
from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from marac_app.common.time import LONDON, format_long_date

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
STATIC_ROOT = ROOT / "static"
TEMPLATE_ROOT = ROOT / "templates"

# The base URL the PDF HTML is rendered against. It is not a real host: the fetcher maps its
# /static/ path to files on disk and never opens a network connection.
PDF_BASE_URL = "https://marac-app.invalid/"
PDF_VARIANT = "pdf/ua-1"
MAX_DATA_URL_BYTES = 32 * 1024
_KNOWN_SCHEMES = frozenset(
    {
        "file",
        "http",
        "https",
        "data",
        "ftp",
        "ftps",
        "javascript",
        "blob",
        "about",
        "mailto",
        "gopher",
        "jar",
        "smb",
        "ldap",
        "none",
    }
)
DATA_URL_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/svg+xml"})


class RefusedURL(ValueError):
    """Raised by the fetcher for a resource it will not serve (WeasyPrint skips it)."""


def _default_origins() -> tuple[str, ...]:
    """The internal PDF base URL, plus the app's own public base URL when an app is running
    (its /static/ URLs are still served from disk, never over the network)."""
    origins = [PDF_BASE_URL]
    if has_app_context() and current_app.config.get("PUBLIC_BASE_URL"):
        origins.append(current_app.config["PUBLIC_BASE_URL"])
    return tuple(origins)


class RestrictedURLFetcher(URLFetcher):
    """Serves only files under ``static_root`` (by path, from disk) and small data: images.

    Everything else — ``file:``, any other scheme, http(s) to any other host, paths outside the
    static folder, big or non-image data: URLs — is refused: a warning naming the scheme only is
    logged and an exception is raised, which WeasyPrint turns into "resource skipped".
    """

    def __init__(
        self,
        static_root: Path = STATIC_ROOT,
        allowed_origins: Iterable[str] | None = None,
    ) -> None:
        super().__init__(
            timeout=1,
            allowed_protocols=("https", "http", "data"),
            allow_redirects=False,
            fail_on_errors=False,
        )
        self.static_root = static_root.resolve()
        if allowed_origins is None:
            allowed_origins = _default_origins()
        self.allowed_netlocs = {
            urllib.parse.urlsplit(origin).netloc.lower() for origin in allowed_origins
        }

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        scheme = urllib.parse.urlsplit(url).scheme.lower() if ":" in url else ""
        if scheme == "data":
            return self._data(url)
        if scheme in ("http", "https"):
            return self._static(url, scheme)
        self._refuse(scheme or "none", "scheme not allowed")

    def _refuse(self, scheme: str, reason: str) -> None:
        # Only well-known schemes are named: anything before a colon could be typed text.
        shown = scheme if scheme in _KNOWN_SCHEMES else "other"
        logger.warning("pdf resource refused scheme=%s reason=%s", shown, reason)
        raise RefusedURL(f"resource refused ({reason})")

    def _data(self, url: str) -> URLFetcherResponse:
        header, sep, payload = url[5:].partition(",")
        if not sep:
            self._refuse("data", "malformed data URL")
        parts = [p.strip().lower() for p in header.split(";")]
        mime = parts[0] or "text/plain"
        if mime not in DATA_URL_TYPES:
            self._refuse("data", "data URL type not allowed")
        # Check the size before decoding so a huge payload costs nothing.
        if len(payload) > MAX_DATA_URL_BYTES * 4 // 3 + 8:
            self._refuse("data", "data URL too large")
        try:
            if "base64" in parts[1:]:
                body = base64.b64decode(urllib.parse.unquote(payload), validate=False)
            else:
                body = urllib.parse.unquote_to_bytes(payload)
        except (binascii.Error, ValueError):
            self._refuse("data", "data URL undecodable")
        if len(body) > MAX_DATA_URL_BYTES:
            self._refuse("data", "data URL too large")
        return URLFetcherResponse(url, body, {"Content-Type": mime})

    def _static(self, url: str, scheme: str) -> URLFetcherResponse:
        parts = urllib.parse.urlsplit(url)
        if parts.netloc.lower() not in self.allowed_netlocs:
            self._refuse(scheme, "host not allowed")
        path = urllib.parse.unquote(parts.path)
        if not path.startswith("/static/"):
            self._refuse(scheme, "path not allowed")
        target = (self.static_root / path.removeprefix("/static/")).resolve()
        if not target.is_relative_to(self.static_root) or not target.is_file():
            self._refuse(scheme, "no such static file")
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime})


def _long_date(value: date) -> str:
    return format_long_date(value)


def _london(value: datetime) -> datetime:
    return value.astimezone(LONDON)


def _london_time(value: datetime) -> str:
    local = _london(value)
    return f"{format_long_date(local.date())} at {local:%H:%M}"


def _london_clock(value: datetime) -> str:
    return f"{_london(value):%H:%M}"


_env = Environment(
    loader=FileSystemLoader(str(TEMPLATE_ROOT)),
    autoescape=select_autoescape(["html"], default_for_string=True, default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(long_date=_long_date, london_time=_london_time, london_clock=_london_clock)


def render_html(template_name: str, **context: object) -> str:
    """``template_name`` (under templates/) rendered with ``context`` for a PDF: autoescaped,
    with the ``long_date``, ``london_time`` and ``london_clock`` filters."""
    return _env.get_template(template_name).render(**context)


class _WithholdDetails(logging.Filter):
    """Keeps WeasyPrint's own warnings but drops their arguments (URLs, CSS snippets), which
    could carry text from the minutes into the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            head = str(record.msg).split("%", 1)[0].rstrip(" :'\"`")
            record.msg = f"{head} [details withheld]"
            record.args = ()
        return True


_WITHHOLD = _WithholdDetails()


def _quiet_weasyprint_logs() -> None:
    weasy = logging.getLogger("weasyprint")
    if _WITHHOLD not in weasy.filters:
        weasy.addFilter(_WITHHOLD)


def html_to_pdf(html: str, *, fetcher: URLFetcher | None = None) -> bytes:
    """Render ``html`` to a tagged PDF/UA-1 with only the title and language as metadata.

    Whatever the HTML says (``<meta name=author>``, keywords, ``rel=attachment`` links), the
    document keeps no author, description, keywords, custom fields, dates or attachments: the
    only metadata is the title (which names the meeting) and the language.
    """
    _quiet_weasyprint_logs()
    document = HTML(
        string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher or RestrictedURLFetcher()
    ).render(pdf_variant=PDF_VARIANT, pdf_tags=True)
    meta = document.metadata
    meta.authors = []
    meta.description = None
    meta.keywords = []
    meta.created = None
    meta.modified = None
    meta.custom = {}
    meta.attachments = []
    meta.lang = "en-GB"
    return document.write_pdf(pdf_variant=PDF_VARIANT, custom_metadata=False)
