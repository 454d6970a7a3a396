"""Reflow at 320 CSS pixels and unique ids, over every page a crawl reaches (issue 16, WCAG 2.2
1.4.10 Reflow and 4.1.1): each demo role signs in on a 320 px wide viewport and follows the
app's own links breadth-first. On no page may the document scroll sideways (a wide table
scrolls inside its own container, long strings wrap) and no id may appear twice; axe-core
checks the first pages of each role's crawl in the narrow layout.
"""

from __future__ import annotations

import os
from collections import deque
from urllib.parse import urldefrag, urlparse

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import CHAIR, COORDINATOR, POLICE_REP, demo_user
from tests.browser.test_sign_in_accessibility import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    # The layout does not depend on the database: crawled once, in the SQLite pass of .ci/run.
    pytest.mark.skipif(
        bool(os.environ.get("MARAC_TEST_DATABASE_URL")),
        reason="layout is database-independent; the SQLite pass crawls it",
    ),
]

WIDTH = 320
PAGES_PER_ROLE = 45
AXE_PAGES = 8
# Not pages: files, feeds and the JSON/poll endpoints.
SKIP_SUFFIXES = (".pdf", ".csv", ".xlsx", ".ics", ".json", ".eml", ".txt")
SKIP_PARTS = ("/feeds/", "/calendar", "/poll", "/download", "/export", "/sign-out", "/static/")

CHECK = """() => {
  const width = document.documentElement.clientWidth;
  const inScroller = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === 'auto' || o === 'scroll') && p.clientWidth <= width) return true;
    }
    return false;
  };
  const wide = [];
  if (document.documentElement.scrollWidth > width + 1) {
    for (const el of document.querySelectorAll('body *')) {
      const box = el.getBoundingClientRect();
      if (box.right > width + 1 && !inScroller(el)) {
        const name = typeof el.className === 'string' ? el.className.split(' ')[0] : '';
        wide.push(`${el.tagName.toLowerCase()}.${name} ${Math.round(box.right)}px`);
      }
    }
  }
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const twice = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 4), twice};
}"""


def _links(page: Page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        url, _ = urldefrag(href)
        parsed = urlparse(url)
        if f"{parsed.scheme}://{parsed.netloc}" != origin:
            continue
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        if path.endswith(SKIP_SUFFIXES) or any(part in path for part in SKIP_PARTS):
            continue
        found.append(path)
    return found


@pytest.mark.parametrize(
    "person",
    [
        COORDINATOR,
        CHAIR,
        POLICE_REP,
        demo_user("dpo@demo.example"),
        demo_user("admin@demo.example"),
    ],
    ids=lambda p: p.email.split("@")[0],
)
def test_every_page_reflows_at_320_px_and_has_unique_ids(
    browser: Browser, live_server: str, person
) -> None:
    context = browser.new_context(
        base_url=live_server, locale="en-GB", viewport={"width": WIDTH, "height": 720}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, person)
        origin = live_server.rstrip("/")
        queue, seen, problems = deque(["/"]), {"/"}, []
        visited = 0
        while queue and visited < PAGES_PER_ROLE:
            path = queue.popleft()
            try:
                response = page.goto(path)
            except PlaywrightError as error:  # a link that answers with a file download
                if "Download is starting" in str(error):
                    continue
                raise
            if response is None or response.status != 200:
                continue
            if "text/html" not in (response.headers.get("content-type") or ""):
                continue
            visited += 1
            if visited <= AXE_PAGES:  # the narrow layout (scrolling table regions) is checked too
                assert_accessible(page, f"{path} at {WIDTH} px")
            result = page.evaluate(CHECK)
            if result["scrollWidth"] > result["width"] + 1:
                problems.append(
                    f"{path}: {result['scrollWidth']} px wide at {WIDTH}: {result['wide']}"
                )
            if result["twice"]:
                problems.append(f"{path}: ids used twice: {result['twice']}")
            for link in _links(page, origin):
                if link not in seen:
                    seen.add(link)
                    queue.append(link)
        assert visited >= 10, f"the crawl reached only {visited} pages"
        assert not problems, f"{len(problems)} of {visited} pages:\n" + "\n".join(problems)
    finally:
        context.close()
