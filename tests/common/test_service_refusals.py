"""Issue 13: no service refusal ever becomes a 500, and each one shows where the user looks.

A static walk (tests/common/refusal_walk.py) finds every ``attempt(service, form, aliases=...)``
in the app and every field name the service it runs can refuse with (``ServiceError(...,
field=...)`` and its subclasses, through every helper it calls). Each name must be a field of
the form the view gives (after its aliases), or None (the error summary). The HTTP side, one
refused request per form, is in test_service_refusals_http.py.
"""

from __future__ import annotations

import pytest

from marac_app.common.dates import GovukDateField
from marac_app.common.forms import MaracForm
from tests.common.refusal_walk import AttemptSite, Dynamic, FieldName, attempt_sites

# Field names a service can give but the view that runs it never lets it reach, with why. The
# walk does not follow values, so these are listed by hand; keep each reason true.
UNREACHABLE: dict[tuple[str, str], str] = {
    ("add_present", "information_sent"): (
        "add_present_person records the person as present; only apologies ask whether "
        "information was sent"
    ),
    ("new_request", "case_references"): (
        "the view never passes case references (cases are attached from the request page)"
    ),
    ("defer_case", "meeting"): (
        "timing.defer_case allocates to the next scheduled meeting of the case's own area, "
        "after checking the case is not already on its list"
    ),
}
# Field names a service computes (so the walk cannot read them), by view and the module that
# raises, with why each is always a field of the form.
COMPUTED: dict[tuple[str, str], str] = {
    ("approve", "marac_app/minutes/approval.py"): (
        "approval.refusals names ``confirm`` and each incomplete case's ``reason_<item id>``, "
        "the fields _approve_form builds from the same checks"
    ),
    ("triage", "marac_app/coordination/services.py"): (
        "coordination.triage names each case's ``mode_<item id>`` (services.mode_field), a "
        "field triage_form_for builds for every item of the same list"
    ),
}


def _key(site: AttemptSite, field: FieldName) -> tuple[str, str]:
    if isinstance(field, Dynamic):
        return site.view, field.where.rpartition(":")[0]
    return site.view, str(field)


@pytest.fixture(scope="module")
def sites() -> list[AttemptSite]:
    return attempt_sites()


def test_the_walk_finds_the_views_and_their_refusals(sites: list[AttemptSite]) -> None:
    """Guards the walk itself: it must see what is known to be there (else it proves nothing)."""
    by_view = {site.view: site for site in sites}
    assert len(sites) > 50
    add_action = by_view["add_action"]  # the live case page (minutes)
    assert [form.__name__ for form in add_action.forms] == ["ActionForm"]
    # Raised directly, through a helper's ``field=`` parameter, and with no field at all.
    assert {"due_date", "owner_agency", "description", None} <= set(add_action.fields)
    # A formless attempt that shows the error itself on the form.
    assert by_view["change_password"].shown_by == "getattr"
    assert by_view["signature_edit"].shown_by == "show_error"
    # A service handed in as a parameter is followed to what the callers pass.
    assert {"password", "confirm"} <= set(by_view["_password_from_link"].fields)


def test_every_refusal_names_a_field_of_its_form(sites: list[AttemptSite]) -> None:
    problems = [
        text
        for site in sites
        for field, text in site.problems()
        if _key(site, field) not in UNREACHABLE | COMPUTED
    ]
    assert not problems, "Service refusals that no field of the form can show:\n" + "\n".join(
        problems
    )


def test_the_lists_by_hand_are_still_needed(sites: list[AttemptSite]) -> None:
    """An entry whose field the service no longer names (or the form now has) must go."""
    found = {_key(site, field) for site in sites for field, _ in site.problems()}
    stale = [
        f"{view}: {field}" for view, field in UNREACHABLE | COMPUTED if (view, field) not in found
    ]
    assert not stale, "Remove from UNREACHABLE or COMPUTED: " + ", ".join(stale)


def test_a_field_the_form_lacks_is_reported() -> None:
    """The check itself: a service field with no form field (and no alias) is a problem; an
    alias to a real field or a form-level refusal is not."""

    class OneField(MaracForm):
        due_date = GovukDateField("Due date")

        def deadline(self) -> None:  # a method, not a field
            return None

    site = AttemptSite(
        where="views.py:1",
        view="v",
        forms=[OneField],
        aliases={"due": "due_date"},
        fields={"due": "s.py:1", None: "s.py:2", "deadline": "s.py:3"},
        shown_by="attempt",
        result_used=True,
    )
    assert [field for field, _ in site.problems()] == ["deadline"]


def test_an_ignored_attempt_runs_a_service_that_cannot_refuse(sites: list[AttemptSite]) -> None:
    """A view that neither tests the result nor reads its error would drop a refusal silently
    (the user sees success, nothing saved)."""
    silent = [
        f"{site.where} ({site.view}): can refuse with {sorted(map(str, site.fields))}"
        for site in sites
        if not site.result_used and not site.shown_by and site.fields
    ]
    assert not silent, "Refusals no one shows:\n" + "\n".join(silent)


def test_a_formless_attempt_that_can_refuse_with_a_field_shows_it(sites: list[AttemptSite]) -> None:
    """Without a form, a field-named refusal is only seen if the view shows the message."""
    unseen = [
        f"{site.where} ({site.view})"
        for site in sites
        if not site.forms and any(f is not None for f in site.fields) and not site.result_used
    ]
    assert not unseen, "\n".join(unseen)
