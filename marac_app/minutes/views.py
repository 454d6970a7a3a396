"""The minutes blueprint: the live minutes' pages are mounted on it from the modules that
hold them, and anything blueprint-wide is set up here.

- meeting_views.py: the meeting's start page (outstanding actions first, then the case list
  and approval), the approval check and the read-only minutes;
- case_views.py: the live case page (entries, risk summary, actions, the live.mjs poll),
  built by case_page.py;
- entry_views.py: entry edits (409 on a stale save, both texts shown), revision history,
  amendments and late entries after approval;
- draft_views.py and circulation_views.py: drafts of the live forms, and the draft
  circulated for accuracy comments.

What the view modules share is in pages.py. Chairs and coordinators of the meeting's area
only; everyone else gets 404 on every URL.
"""

from __future__ import annotations

from flask import Blueprint

from marac_app.minutes import (
    case_views,
    circulation_views,
    deferral_hooks,
    draft_views,
    entry_views,
    meeting_views,
)

bp = Blueprint("minutes", __name__)
# The meeting's pages, the live case page and the entry pages (endpoints keep their names).
meeting_views.register(bp)
case_views.register(bp)
entry_views.register(bp)
# Drafts of the live forms, and keeping text past a timeout (minutes/draft_views.py).
draft_views.register(bp)
# The draft circulated for accuracy comments (minutes/circulation_views.py).
circulation_views.register(bp)
# Deferring a case on the run page: refused once approved; drafts follow the case.
deferral_hooks.install()
