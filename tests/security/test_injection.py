"""XSS and SQL injection through the real forms and pages of the two-area world.

- An XSS corpus goes through every free-text field of every form; every page the role can
  open then contains it only as escaped text (no script, event handler, javascript: URL or
  iframe from data), and a meeting venue stays plain text in the .ics.
- SQL-injection strings go into every search and filter parameter of every list page: never a
  500, never more rows than the plain request shows.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.security.conftest import (
    Answer,
    Prober,
    SecurityWorld,
    crawl_forms,
    post_forms,
)
from tests.security.test_gate_and_matrix import ALLOWED, Probers, probers  # noqa: F401

# --- XSS -------------------------------------------------------------------------------------

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "'\"><iframe src=javascript:alert(1)>",
)


class _Dangerous(HTMLParser):
    """Collects markup that could run script: event handlers, javascript: URLs, script with
    an alert, iframes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe":
            self.found.append("<iframe>")
        if tag == "script":
            self._script = True
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if (
                name in ("href", "src", "action", "formaction")
                and value
                and value.strip().lower().startswith("javascript:")
            ):
                self.found.append(f"<{tag} {name}={value}>")
            if name == "style" and value and "javascript" in value.lower():
                self.found.append(f"<{tag} style=...>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and "alert(1)" in data:
            self.found.append("<script>alert(1)</script>")


def dangerous(html: str) -> list[str]:
    parser = _Dangerous()
    parser.feed(html)
    return parser.found


def test_xss_corpus_through_every_text_field(
    app: Flask,
    sw: SecurityWorld,
    probers: Probers,
    db_transaction: sa.Connection,
) -> None:
    """Each form's text fields get the whole corpus at once (or, if that is refused, one
    payload at a time); once stored, every page the role can open is checked."""
    pages: dict[str, list[str]] = {}
    forms = crawl_forms(app, sw, probers, ALLOWED, pages)
    problems: list[str] = []
    stored: list[str] = []
    refused: list[str] = []
    for action, (role, spec) in sorted(forms.items()):
        prober = probers[role]
        fields = spec.text_fields()
        if not fields:
            continue
        # The corpus in every text field; then one payload at a time; then one field at a time
        # (a form may refuse a payload in a field with a format, e.g. a code or a reference).
        # Blank dates are tried in the past, then in the future (a due date).
        attempts = (
            [(fields, " ".join(PAYLOADS))]
            + [(fields, p) for p in PAYLOADS]
            + [([name], p) for name in fields for p in (PAYLOADS[0], PAYLOADS[1])]
        )
        for year, (targets, payload) in [(y, a) for y in ("2025", "2027") for a in attempts]:
            data = spec.baseline(year)
            for name in targets:
                data[name] = payload

            def inspect(
                answer: Answer, action: str = action, role: str = role, prober: Prober = prober
            ) -> None:
                # A file answer (the transfer pack's PDF) is not a page a browser would run.
                shown = [("response", answer.body)] if answer.mimetype == "text/html" else []
                if answer.status < 400:
                    stored.append(action)
                    for path in pages[role]:
                        page = prober.client.get(path)
                        if page.status_code == 200 and page.mimetype == "text/html":
                            shown.append((path, page.get_data(as_text=True)))
                for path, html in shown:
                    bad = dangerous(html)
                    if bad:
                        problems.append(f"{action} as {role}, shown on {path}: {bad[:3]}")

            answer = prober.request("POST", action, data, inspect=inspect)
            if answer.status >= 500:
                problems.append(f"{action} as {role}: {answer.status} {answer.body[:200]}")
            if answer.status < 400:
                break  # stored: its pages were checked
        else:
            refused.append(f"{action} {answer.status}")
    assert len(set(stored)) >= 15, f"stored by {sorted(set(stored))}; refused by {refused}"
    assert not problems, "\n".join(sorted(set(problems)))


def test_xss_in_meeting_venue_stays_text_in_pages_and_ics(
    sw: SecurityWorld, probers: Probers
) -> None:
    prober = probers["coordinator"]
    meeting = sw.x.meeting.id
    page = prober.client.get(f"/meetings/{meeting}/edit").get_data(as_text=True)
    spec = next(
        s
        for s in post_forms(f"/meetings/{meeting}/edit", page)
        if s.action.startswith(f"/meetings/{meeting}/edit")
    )
    data = spec.baseline()
    data["venue"] = PAYLOADS[1] + PAYLOADS[0]
    response = prober.client.post(
        f"/meetings/{meeting}/edit", data={"csrf_token": prober.token, **data}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    view = prober.client.get(f"/meetings/{meeting}").get_data(as_text=True)
    assert dangerous(view) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in view
    ics = prober.client.get(f"/meetings/{meeting}/calendar.ics").get_data(as_text=True)
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    location = next(line for line in unfolded.splitlines() if line.startswith("LOCATION"))
    # Plain text in a text/calendar body: a calendar shows it literally, never as markup.
    assert "<script>alert(1)</script>" in location.replace("\\", "")
    assert "BEGIN:VEVENT" in ics and ics.count("BEGIN:VEVENT") == 1


# --- SQL injection in searches and filters -----------------------------------------------------

INJECTIONS = (
    "' OR 1=1 --",
    "'; DROP TABLE user_account; --",
    "1 UNION SELECT id, email FROM user_account --",
    '" OR ""="',
    "1) OR (1=1",
    "%' OR '%'='",
)


class _Gets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.params: set[str] = set()
        self._in_get = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_get = a.get("method", "get").lower() == "get"
        elif self._in_get and tag in ("input", "select") and a.get("name"):
            self.params.add(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_get = False


LIST_PAGES = {
    "coordinator": ("/cases/", "/actions/", "/meetings/", "/protocol/", "/reports/"),
    "chair": ("/cases/", "/actions/"),
    "rep": ("/actions/", "/cases/"),
    "admin": ("/audit/", "/admin/users", "/audit/case-views", "/protocol/"),
    "dpo": ("/audit/", "/privacy/requests", "/audit/case-views"),
}


def _rows(html: str) -> int:
    return len(re.findall(r"<tr[\s>]", html))


def test_sql_injection_in_every_search_and_filter(sw: SecurityWorld, probers: Probers) -> None:
    problems: list[str] = []
    tried = 0
    for role, pages in LIST_PAGES.items():
        prober = probers[role]
        for page in pages:
            plain = prober.request("GET", page)
            if plain.status != 200:
                problems.append(f"{page} as {role}: {plain.status} without parameters")
                continue
            parser = _Gets()
            parser.feed(plain.body)
            baseline = _rows(plain.body)
            for param in sorted(parser.params):
                for injection in INJECTIONS:
                    tried += 1
                    answer = _get(prober, page, {param: injection})
                    if answer.status >= 500:
                        problems.append(f"{page}?{param}= as {role}: {answer.status}")
                    elif answer.status == 200 and _rows(answer.body) > baseline:
                        problems.append(
                            f"{page}?{param}={injection!r} as {role}: "
                            f"{_rows(answer.body)} rows > {baseline}"
                        )
    assert tried >= 50, tried
    assert not problems, "\n".join(problems)


def _get(prober: Prober, page: str, params: dict[str, str]) -> Answer:
    from urllib.parse import urlencode

    return prober.request("GET", f"{page}?{urlencode(params)}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_dangerous_finds_each_payload_unescaped(payload: str) -> None:
    """The detector itself: every payload, unescaped, is caught; escaped, it is not."""
    from markupsafe import escape

    assert dangerous(f"<p>{payload}</p>") or "javascript:" in payload
    assert dangerous(f"<p>{escape(payload)}</p>") == []
