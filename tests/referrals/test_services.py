"""Risk checklist scoring, criteria, repeat detection, case references and the research list,
through the real services on the real database."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marac_app.common.errors import ServiceError
from marac_app.extensions import db
from marac_app.referrals import services
from marac_app.referrals.checklist import RiskChecklistQuestion, RiskChecklistVersion
from marac_app.referrals.models import Case, Criterion, Referral, RepeatStatus
from marac_app.referrals.people import normalise_name

LAST = date(2026, 1, 10)


# --- Checklist versions -------------------------------------------------------------------


def test_seeded_dash_2009_has_24_questions_and_threshold_14(app_ctx) -> None:
    version = services.active_checklist()
    assert version.label == "DASH 2009"
    assert version.threshold == 14
    assert [q.number for q in version.questions] == list(range(1, 25))


@pytest.mark.parametrize(("yes", "high"), [(13, False), (14, True), (24, True), (0, False)])
def test_score_counts_yes_answers_against_the_threshold(app_ctx, yes: int, high: bool) -> None:
    version = services.active_checklist()
    answers = {str(n): "yes" if n <= yes else "not_known" for n in range(1, 25)}
    answers["99"] = "yes"  # not a question of this version: ignored
    assert version.score(answers) == yes
    assert version.is_visible_high_risk(version.score(answers)) is high


def test_a_second_version_with_another_threshold_scores_by_its_own_rule(
    app_ctx, ref_world, make_referral
) -> None:
    old = services.active_checklist()
    old.active = False
    new = RiskChecklistVersion(label="Test checklist v2", threshold=10, active=True)
    new.questions = [RiskChecklistQuestion(number=n, text=f"Question {n}?") for n in range(1, 21)]
    db.session.add(new)
    db.session.commit()
    assert services.active_checklist().id == new.id
    answers = {str(n): "yes" for n in range(1, 11)}
    assert new.score(answers) == 10 and new.is_visible_high_risk(10)
    assert not old.is_visible_high_risk(old.score(answers))
    # A referral with 10 yes answers is visible high risk under v2 and records the version.
    referral = make_referral(ref_world, yes=10)
    assert referral.checklist_version_id == new.id
    assert referral.dash_score == 10
    assert referral.criterion == Criterion.VISIBLE_HIGH_RISK


# --- Criteria -----------------------------------------------------------------------------


def test_professional_judgement_needs_reasons(app_ctx) -> None:
    version = services.active_checklist()
    with pytest.raises(ServiceError) as refused:
        services.decide_criterion(
            version, 5, Criterion.PROFESSIONAL_JUDGEMENT, reasons="  ", escalation_incidents=None
        )
    assert refused.value.field == "reasons"
    assert (
        services.decide_criterion(
            version,
            5,
            Criterion.PROFESSIONAL_JUDGEMENT,
            reasons="Threats to kill",
            escalation_incidents=None,
        )
        == Criterion.PROFESSIONAL_JUDGEMENT
    )


def test_a_score_at_the_threshold_cannot_be_downgraded(app_ctx) -> None:
    version = services.active_checklist()
    for requested in (Criterion.PROFESSIONAL_JUDGEMENT, Criterion.POTENTIAL_ESCALATION):
        assert (
            services.decide_criterion(version, 14, requested, reasons="x", escalation_incidents=5)
            == Criterion.VISIBLE_HIGH_RISK
        )


def test_visible_high_risk_below_the_threshold_is_refused(app_ctx) -> None:
    with pytest.raises(ServiceError, match="below the threshold of 14"):
        services.decide_criterion(
            services.active_checklist(),
            13,
            Criterion.VISIBLE_HIGH_RISK,
            reasons=None,
            escalation_incidents=None,
        )


def test_potential_escalation_uses_the_configured_count(app, app_ctx) -> None:
    version = services.active_checklist()
    with pytest.raises(ServiceError, match="at least 3 incidents in 12 months"):
        services.decide_criterion(
            version, 2, Criterion.POTENTIAL_ESCALATION, reasons=None, escalation_incidents=2
        )
    app.config["ESCALATION_INCIDENTS"] = 2
    try:
        assert (
            services.decide_criterion(
                version, 2, Criterion.POTENTIAL_ESCALATION, reasons=None, escalation_incidents=2
            )
            == Criterion.POTENTIAL_ESCALATION
        )
    finally:
        app.config["ESCALATION_INCIDENTS"] = 3


# --- Repeat detection ---------------------------------------------------------------------


@pytest.mark.parametrize(("days", "repeat"), [(364, True), (365, True), (366, False)])
def test_repeat_window_counts_days_since_the_last_referral(
    ref_world, make_referral, days: int, repeat: bool
) -> None:
    first = make_referral(ref_world, referred_on=LAST)
    later = make_referral(ref_world, referred_on=LAST + timedelta(days=days))
    if repeat:
        assert later.is_repeat and later.repeat_status == RepeatStatus.PENDING
        assert later.case_id is None and later.linked_case_id == first.case_id
    else:
        assert not later.is_repeat and later.case_id not in (None, first.case_id)


def test_the_window_runs_from_the_last_referral_not_the_first(
    app, ref_world, make_referral
) -> None:
    first = make_referral(ref_world, referred_on=LAST)
    second = make_referral(ref_world, referred_on=LAST + timedelta(days=300))
    with app.app_context():
        services.decide_repeat(db.session.get(Referral, second.id), confirm=True, actor=None)
        db.session.commit()
    # 500 days after the first referral, 200 after the second: still a repeat.
    third = make_referral(ref_world, referred_on=LAST + timedelta(days=500))
    assert third.is_repeat and third.linked_case_id == first.case_id
    with app.app_context():
        case = db.session.get(Case, first.case_id)
        assert case.repeat_flag_expires_on(365) == LAST + timedelta(days=300 + 365)


def test_normalised_name_and_date_of_birth_match(ref_world, make_referral) -> None:
    assert normalise_name("  Zoë  O'Brien-Smith ") == normalise_name("ZOE obrien smith")
    first = make_referral(ref_world, victim="Zoë O'Brien-Smith", referred_on=LAST)
    later = make_referral(
        ref_world, victim="  zoe  OBRIEN smith.", referred_on=LAST + timedelta(days=30)
    )
    assert later.is_repeat and later.linked_case_id == first.case_id
    other_dob = make_referral(
        ref_world,
        victim="Zoe OBrien Smith",
        dob=date(1991, 3, 27),
        referred_on=LAST + timedelta(days=31),
    )
    assert not other_dob.is_repeat


def test_explicit_link_by_the_coordinator(ref_world, make_referral) -> None:
    first = make_referral(ref_world, victim="Test Victim-Beta", referred_on=LAST)
    # A different spelling and no date of birth: only the explicit link finds the case.
    linked = make_referral(
        ref_world,
        victim="T. Beta",
        dob=None,
        referred_on=LAST + timedelta(days=40),
        linked_case_reference=first.case.reference.lower(),
    )
    assert linked.is_repeat and linked.linked_case_id == first.case_id


def test_repeats_only_match_within_the_same_area(
    ref_world, make_referral, make_area, make_agency, make_user
) -> None:
    from tests.referrals.conftest import RefWorld

    make_referral(ref_world, referred_on=LAST)
    area = make_area()
    agency = make_agency(areas=[area])
    other = RefWorld(
        area=area,
        agency=agency,
        coordinator=ref_world.coordinator,
        chair=ref_world.chair,
        rep=ref_world.rep,
    )
    later = make_referral(other, referred_on=LAST + timedelta(days=10))
    assert not later.is_repeat


def test_confirm_joins_the_earlier_case_and_reject_opens_a_new_one(
    app, ref_world, make_referral
) -> None:
    first = make_referral(ref_world, referred_on=LAST)
    a = make_referral(ref_world, referred_on=LAST + timedelta(days=5))
    b = make_referral(ref_world, referred_on=LAST + timedelta(days=6))
    with app.app_context():
        joined = services.decide_repeat(db.session.get(Referral, a.id), confirm=True, actor=None)
        assert joined.id == first.case_id
        assert db.session.get(Referral, a.id).repeat_confirmed_by_coordinator
        other = services.decide_repeat(db.session.get(Referral, b.id), confirm=False, actor=None)
        assert other.id != first.case_id
        assert not db.session.get(Referral, b.id).is_repeat
        with pytest.raises(ServiceError):
            services.decide_repeat(db.session.get(Referral, b.id), confirm=True, actor=None)


# --- Case references ----------------------------------------------------------------------


def test_case_references_are_per_area_per_year_and_unique(app, ref_world, make_referral) -> None:
    first = make_referral(ref_world, victim="Test Victim-One", referred_on=date(2026, 2, 1))
    second = make_referral(ref_world, victim="Test Victim-Two", referred_on=date(2026, 2, 2))
    next_year = make_referral(ref_world, victim="Test Victim-Three", referred_on=date(2027, 1, 5))
    code = ref_world.area.code.upper()
    assert re.fullmatch(rf"{code}-2026-\d{{4}}", first.case.reference)
    assert first.case.reference == f"{code}-2026-0001"
    assert second.case.reference == f"{code}-2026-0002"
    assert next_year.case.reference == f"{code}-2027-0001"
    with app.app_context():
        refs = list(db.session.scalars(sa.select(Case.reference)))
        assert len(refs) == len(set(refs))


def test_a_reference_taken_concurrently_is_retried(app, ref_world, monkeypatch) -> None:
    """Two requests computing the same number: the unique constraint refuses one, the service
    takes the next number instead of failing."""
    with app.app_context():
        from marac_app.agencies.models import MaracArea

        area = db.session.get(MaracArea, ref_world.area.id)
        taken = services.new_case(area, year=2026)
        db.session.commit()
        calls = {"n": 0}
        real = services.next_case_reference

        def stale(area_arg, year=None):
            calls["n"] += 1
            return taken.reference if calls["n"] == 1 else real(area_arg, year)

        monkeypatch.setattr(services, "next_case_reference", stale)
        fresh = services.new_case(area, year=2026)
        assert fresh.reference != taken.reference and calls["n"] == 2


# --- Research list ------------------------------------------------------------------------


def test_research_list_holds_only_references_names_aliases_and_dates_of_birth(
    app, ref_world, make_referral, make_meeting
) -> None:
    referral = make_referral(ref_world)
    meeting = make_meeting(ref_world.area)
    with app.app_context():
        services.allocate_to_meeting(
            db.session.get(Referral, referral.id), db.session.get(type(meeting), meeting.id), None
        )
        rows = services.research_list(db.session.get(type(meeting), meeting.id))
    assert len(rows) == 1
    row = rows[0]
    # case_id is the internal key the audit trail records; it is never shown or exported.
    # Issue 14: the case reference and other names (aliases) join names and dates of birth.
    assert set(vars(row)) == {
        "case_id",
        "reference",
        "victim_name",
        "victim_aliases",
        "victim_date_of_birth",
        "perpetrators",
        "children",
    }
    assert row.victim_name == "Test Victim-Alpha"
    assert row.reference.startswith(ref_world.area.code)
    assert row.perpetrators == (("Test Perp-Alpha", date(1985, 1, 2), ""),)
    assert row.children == (("Test Child-Alpha", date(2018, 5, 6), ""),)


def test_allocation_refuses_another_areas_meeting_and_duplicates(
    app, ref_world, make_referral, make_meeting, make_area
) -> None:
    referral = make_referral(ref_world)
    own = make_meeting(ref_world.area)
    foreign = make_meeting(make_area())
    with app.app_context():
        r = db.session.get(Referral, referral.id)
        with pytest.raises(ServiceError, match="own MARAC area"):
            services.allocate_to_meeting(r, db.session.get(type(foreign), foreign.id), None)
        services.allocate_to_meeting(r, db.session.get(type(own), own.id), None)
        with pytest.raises(ServiceError, match="already on this case list"):
            services.allocate_to_meeting(r, db.session.get(type(own), own.id), None)


def test_victim_demographics_flags_distinguish_not_recorded(app_ctx) -> None:
    from marac_app.referrals.people import Disability, Ethnicity, Gender, Person, Sexuality

    blank = Person(full_name="x")
    assert (blank.is_racially_minoritised, blank.is_lgbt, blank.is_disabled, blank.is_male) == (
        None,
        None,
        None,
        None,
    )
    declined = Person(
        full_name="x",
        ethnicity=Ethnicity.PREFER_NOT_TO_SAY,
        disability=Disability.PREFER_NOT_TO_SAY,
    )
    assert declined.is_racially_minoritised is None and declined.is_disabled is None
    person = Person(
        full_name="x",
        ethnicity=Ethnicity.BLACK,
        sexuality=Sexuality.BISEXUAL,
        disability=Disability.NO,
        gender=Gender.MALE,
        date_of_birth=date(2009, 6, 2),
    )
    assert person.is_racially_minoritised and person.is_lgbt and person.is_male
    assert person.is_disabled is False
    assert person.age_on(date(2026, 6, 1)) == 16
    assert person.age_on(date(2026, 6, 2)) == 17


def test_awaiting_allocation_lists_the_latest_referral_of_each_case(
    app, ref_world, make_referral, make_meeting
) -> None:
    first = make_referral(ref_world, referred_on=LAST)
    repeat = make_referral(ref_world, referred_on=LAST + timedelta(days=20))
    other = make_referral(ref_world, victim="Test Victim-Gamma", referred_on=LAST)
    meeting = make_meeting(ref_world.area)
    with app.app_context():
        services.decide_repeat(db.session.get(Referral, repeat.id), confirm=True, actor=None)
        waiting = {r.id for r in services.awaiting_allocation(ref_world.area.id)}
        assert waiting == {repeat.id, other.id} and first.id not in waiting
        services.allocate_to_meeting(
            db.session.get(Referral, other.id), db.session.get(type(meeting), meeting.id), None
        )
        assert {r.id for r in services.awaiting_allocation(ref_world.area.id)} == {repeat.id}
