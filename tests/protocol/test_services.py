"""The signed-up rule every other feature relies on, and the confidentiality statement."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from marac_app.auth.models import Role
from marac_app.common.errors import ServiceError
from marac_app.protocol import services, statements
from marac_app.protocol.services import SignupState, signup_problem, signup_status

ON = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _context(app_ctx):  # noqa: PT004 - every test here needs the app context
    yield


def test_no_protocol_means_nobody_is_signed_up(make_agency) -> None:
    status = signup_status(make_agency(), on=date(1990, 1, 1))
    assert status.state == SignupState.NO_PROTOCOL
    assert not status.signed_up


def test_signature_to_the_current_version_is_signed_up(
    make_agency, make_version, make_signature
) -> None:
    agency = make_agency()
    version = make_version(effective_date=date(2026, 1, 1))
    make_signature(agency, version, signed_on=date(2026, 1, 10))
    status = signup_status(agency, on=ON)
    assert status.state == SignupState.SIGNED_UP and status.signed_up
    assert status.current_version.id == version.id
    assert signup_problem(agency, on=ON) is None


def test_agency_without_a_signature_is_refused_by_name(make_agency, make_version) -> None:
    agency = make_agency(name="Fenland Housing Trust")
    make_version(label="3", effective_date=date(2026, 1, 1))
    status = signup_status(agency, on=ON)
    assert status.state == SignupState.NOT_SIGNED and not status.signed_up
    expected = "Fenland Housing Trust has not signed version 3 of the information-sharing protocol"
    assert signup_problem(agency, on=ON) == expected
    with pytest.raises(ServiceError) as refused:
        services.require_signed_up(agency, field="attendee", on=ON)
    assert refused.value.message == expected
    assert refused.value.field == "attendee"


def test_withdrawn_signature_is_not_signed_up(make_agency, make_version, make_signature) -> None:
    agency = make_agency(name="Agency W")
    version = make_version(label="w1")
    make_signature(agency, version, withdrawn_on=date(2026, 5, 1))
    status = signup_status(agency, on=ON)
    assert status.state == SignupState.WITHDRAWN and not status.signed_up
    assert status.reason == (
        "Agency W has withdrawn from version w1 of the information-sharing protocol"
    )
    # Before the withdrawal date it still counted.
    assert signup_status(agency, on=date(2026, 4, 30)).signed_up


def test_signature_past_its_review_date_is_not_signed_up(
    make_agency, make_version, make_signature
) -> None:
    agency = make_agency()
    version = make_version()
    make_signature(agency, version, signed_on=date(2026, 1, 10), review_due_on=date(2026, 5, 31))
    assert signup_status(agency, on=date(2026, 5, 31)).signed_up  # the review day itself
    status = signup_status(agency, on=ON)
    assert status.state == SignupState.REVIEW_OVERDUE and not status.signed_up
    assert "past its review date" in status.reason


def test_resigning_after_withdrawal_counts(make_agency, make_version, make_signature) -> None:
    agency = make_agency()
    version = make_version()
    make_signature(agency, version, signed_on=date(2026, 1, 10), withdrawn_on=date(2026, 2, 1))
    make_signature(agency, version, signed_on=date(2026, 3, 1))
    assert signup_status(agency, on=ON).state == SignupState.SIGNED_UP


def test_a_later_dated_signature_does_not_hide_a_valid_one(
    make_agency, make_version, make_signature
) -> None:
    agency = make_agency()
    version = make_version()
    make_signature(agency, version, signed_on=date(2026, 1, 10))
    make_signature(agency, version, signed_on=date(2026, 7, 1))
    assert signup_status(agency, on=ON).signed_up


def test_superseded_version_needs_resigning_within_grace_then_is_not_signed_up(
    make_agency, make_version, make_signature
) -> None:
    agency = make_agency(name="Agency X")
    old = make_version(label="2", effective_date=date(2025, 1, 1))
    make_version(label="3", effective_date=date(2026, 5, 1), grace_days=30)
    make_signature(agency, old, signed_on=date(2025, 2, 1), review_due_on=date(2027, 2, 1))

    assert signup_status(agency, on=date(2026, 4, 30)).state == SignupState.SIGNED_UP
    within = signup_status(agency, on=date(2026, 5, 30))  # the 30th day of grace
    assert within.state == SignupState.NEEDS_RESIGN
    assert within.signed_up
    assert within.label == "Needs to re-sign"
    assert within.reason == (
        "Agency X must sign version 3 of the information-sharing protocol by 30 May 2026"
    )
    after = signup_status(agency, on=date(2026, 5, 31))
    assert after.state == SignupState.SUPERSEDED and not after.signed_up
    assert signup_problem(agency, on=date(2026, 5, 31)) == (
        "Agency X has not signed version 3 of the information-sharing protocol"
    )


def test_no_grace_period_means_superseded_at_once(
    make_agency, make_version, make_signature
) -> None:
    agency = make_agency()
    old = make_version(effective_date=date(2025, 1, 1))
    make_version(effective_date=date(2026, 5, 1), grace_days=0)
    make_signature(agency, old, signed_on=date(2025, 2, 1), review_due_on=date(2027, 2, 1))
    assert not signup_status(agency, on=date(2026, 5, 1)).signed_up


def test_signing_the_new_version_clears_needs_resign(
    make_agency, make_version, make_signature
) -> None:
    agency = make_agency()
    old = make_version(effective_date=date(2025, 1, 1))
    new = make_version(effective_date=date(2026, 5, 1))
    make_signature(agency, old, signed_on=date(2025, 2, 1), review_due_on=date(2027, 2, 1))
    make_signature(agency, new, signed_on=date(2026, 5, 10))
    assert signup_status(agency, on=date(2026, 5, 20)).state == SignupState.SIGNED_UP


def test_a_person_without_an_agency_is_refused() -> None:
    assert "information-sharing protocol" in signup_problem(None)


def test_default_review_date_is_a_year_later() -> None:
    assert services.default_review_date(date(2026, 3, 5)) == date(2027, 3, 5)
    assert services.default_review_date(date(2028, 2, 29)) == date(2029, 2, 28)


# --- The confidentiality statement -----------------------------------------------------

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_7f28b0a3e9bebc03.txt"

KEY_SENTENCES = [
    "INFORMATION DISCUSSED BY THE AGENCY REPRESENTATIVE, WITHIN THE AMBIT OF THIS MEETING IS "
    "STRICTLY CONFIDENTIAL AND MUST NOT BE DISCLOSED TO THIRD PARTIES WHO HAVE NOT SIGNED UP TO "
    "THE 'DOMESTIC ABUSE INFORMATION SHARING PROTOCOL', WITHOUT THE AGREEMENT OF THE PARTNERS OF "
    "THE MEETING.",
    "A CLEAR DISTINCTION SHOULD BE MADE BETWEEN FACT AND OPINION.",
    "ALL AGENCIES SHOULD ENSURE THAT THE MINUTES ARE RETAINED IN A CONFIDENTIAL AND "
    "APPROPRIATELY RESTRICTED MANNER.",
    "THE PURPOSE OF THE MEETING IS AS FOLLOWS:",
    "1. To share information to increase the safety, health and wellbeing of victims \u2013 "
    "adults and their children.",
    "2. To determine whether the perpetrator poses a significant risk to any particular "
    "individual or to the general community.",
    "3. To construct jointly and implement a risk management plan that provides professional "
    "support to all those at risk and that reduces the risk of harm.",
    "4. To reduce repeat victimisation.",
    "5. To improve agency accountability; and improve support for staff involved in high risk "
    "DV cases.",
    "The responsibility to take appropriate actions rests with individual agencies; it is not "
    "transferred to the MARAC. The role of the MARAC is to facilitate, monitor and evaluate "
    "effective information sharing to enable appropriate actions to be taken to increase public "
    "safety.",
]


def test_default_statement_is_seeded_word_for_word() -> None:
    statement = services.current_statement()
    assert statement is not None
    first = min(statements.list_statements(), key=lambda s: s.version_number)
    assert first.version_number == 1
    for sentence in KEY_SENTENCES:
        assert sentence in first.text
    if SEED.exists():  # the user's own document: the whole section, paragraphs and list
        lines = SEED.read_text(encoding="utf-8").splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("INFORMATION DISCUSSED"))
        end = next(i for i, line in enumerate(lines) if line.startswith("The responsibility"))
        section = "\n".join(lines[start : end + 1]).replace("**", "")
        assert first.text == section


def test_statement_blocks_keep_paragraphs_and_the_numbered_list() -> None:
    blocks = statements.split_statement(services.current_statement().text)
    kinds = [kind for kind, _ in blocks]
    assert kinds == ["p", "p", "p", "ol", "p"]
    assert blocks[3][1][3] == "To reduce repeat victimisation."


def test_publishing_makes_the_next_version_and_keeps_the_old(make_user) -> None:
    coordinator = make_user(Role.COORDINATOR)
    before = services.current_statement()
    published = statements.publish_statement("New wording.\n\nSecond paragraph.", actor=coordinator)
    assert published.version_number == before.version_number + 1
    assert services.current_statement().id == published.id
    assert before.text.startswith("INFORMATION DISCUSSED")
    with pytest.raises(ServiceError) as same:
        statements.publish_statement("New wording.\n\nSecond paragraph.", actor=coordinator)
    assert same.value.field == "text"
