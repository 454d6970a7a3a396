"""The 12-month flag register: which cases, the lapse date (last referral + 12 months, in
Europe/London dates, across a BST evening), restriction respected, the monthly notice by
email (counts only, over SMTP) and the flag shown to the coordinator on a repeat referral."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from marac_app.agencies.models import Agency
from marac_app.extensions import db
from marac_app.referrals.models import CaseRestriction, Referral
from marac_app.safeguards import flags
from tests.security.conftest import SecurityWorld

LAST_REFERRAL = date(2025, 6, 15)


def _freeze(monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
    monkeypatch.setattr("marac_app.common.time.utcnow", lambda: at)


def _last_referral(app: Flask, case_id: int, on: date) -> None:
    with app.app_context():
        for referral in db.session.scalars(sa.select(Referral).where(Referral.case_id == case_id)):
            referral.referred_on = on
        db.session.commit()


def test_lapse_date_is_twelve_calendar_months_on() -> None:
    assert flags.lapses_on(date(2025, 6, 15)) == date(2026, 6, 15)
    assert flags.lapses_on(date(2024, 2, 29)) == date(2025, 2, 28)
    assert flags.lapses_on(date(2025, 12, 31)) == date(2026, 12, 31)


def test_register_at_the_boundary_on_a_summer_evening(
    app: Flask, aw: SecurityWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    _last_referral(app, aw.x.case_id, LAST_REFERRAL)
    with app.app_context():
        agency = db.session.get(Agency, aw.x.agency.id)
        # 22:30 UTC on 14 June 2026 is 23:30 BST: still the 14th in London, flag live.
        _freeze(monkeypatch, datetime(2026, 6, 14, 22, 30, tzinfo=UTC))
        register = flags.flag_register(agency, area_ids=[aw.x.area.id])
        assert [(f.reference, f.lapses_on) for f in register] == [
            (aw.x.case_reference, date(2026, 6, 15))
        ]
        # (Its case in area B, last referred 1 March 2026, lapses next year.)
        assert [f.reference for f in flags.flags_lapsing(agency, 1)] == [aw.x.case_reference]
        assert flags.flags_lapsing(agency, 0) == []
        # 23:30 UTC is 00:30 BST on the 15th: the flag has lapsed (a UTC clock would say not).
        _freeze(monkeypatch, datetime(2026, 6, 14, 23, 30, tzinfo=UTC))
        assert flags.flag_register(agency, area_ids=[aw.x.area.id]) == []


def test_the_page_shows_the_lapse_date_and_respects_restriction(
    app: Flask, aw: SecurityWorld, probe, monkeypatch: pytest.MonkeyPatch
) -> None:
    _last_referral(app, aw.x.case_id, LAST_REFERRAL)
    _freeze(monkeypatch, datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    rep = probe(aw.x.rep)
    body = rep.request("GET", "/safeguards/flags").body
    assert aw.x.case_reference in body and 'data-lapses-on="2026-06-15"' in body
    assert "15 June 2026" in body
    assert aw.s.case_reference not in body  # the same agency's case in the other area
    other = probe(aw.s.rep).request("GET", "/safeguards/flags").body
    assert aw.x.case_reference not in other
    assert aw.x.case_reference not in probe(aw.b.rep).request("GET", "/safeguards/flags").body
    coordinator = probe(aw.x.coordinator)
    path = f"/safeguards/flags?agency={aw.x.agency.id}"
    assert aw.x.case_reference in coordinator.request("GET", path).body
    with app.app_context():
        db.session.add(CaseRestriction(case_id=aw.x.case_id, reason="Art. 18 request"))
        db.session.commit()
    assert aw.x.case_reference not in rep.request("GET", "/safeguards/flags").body
    assert aw.x.case_reference not in probe(aw.x.chair).request("GET", path).body
    assert aw.x.case_reference in coordinator.request("GET", path).body
    # The other area's coordinator cannot ask for this area's register.
    body = probe(aw.b.coordinator).request("GET", path).body
    assert aw.x.case_reference not in body
    for bad in ("abc", "0", "99999999999999999999", "%00"):
        answer = coordinator.request("GET", f"/safeguards/flags?agency={bad}")
        assert answer.status < 500, (bad, answer.status)
    for role in ("admin", "dpo"):
        assert probe(aw.user(role)).request("GET", "/safeguards/flags").status in (403, 404)


def test_the_monthly_notice_sends_counts_only(
    app: Flask, aw: SecurityWorld, smtp_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    _last_referral(app, aw.x.case_id, LAST_REFERRAL)
    _freeze(monkeypatch, datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    result = app.test_cli_runner().invoke(args=["flags-lapsing", "--within-days", "31"])
    assert result.exit_code == 0, result.output
    to = sorted(str(m["To"]) for m in smtp_server.messages)
    assert aw.x.rep.email in to and aw.s.rep.email in to  # agency X's representatives
    assert aw.y.rep.email in to  # Y owns an action on the case too
    assert aw.b.rep.email not in to
    for message in smtp_server.messages:
        text = message.get_body().get_content()
        assert "1 flag" in text and "/safeguards/flags" in text
        for secret in (aw.x.case_reference, "Valerie", "Victimson", "ADDRMARK", "ACTIONMARK"):
            assert secret not in text and secret not in str(message["Subject"])


def test_the_daily_jobs_send_the_lapsing_notices_once_a_month_and_catch_up(
    app: Flask, aw: SecurityWorld, smtp_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The monthly notice rides on the daily jobs (marac_app/daily_jobs.py): the first run in a
    London month sends, later runs that month send nothing, and a month whose first days
    nothing ran is still covered by its first run."""
    from marac_app.safeguards.cli import run_monthly_notices

    _last_referral(app, aw.x.case_id, LAST_REFERRAL)
    _freeze(monkeypatch, datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    with app.app_context():
        first = run_monthly_notices(today=date(2026, 6, 9))  # nothing ran on 1-8 June
        db.session.commit()
        assert first is not None and first == len(smtp_server.messages) > 0
        assert run_monthly_notices(today=date(2026, 6, 10)) is None
        assert run_monthly_notices(today=date(2026, 6, 30)) is None
        db.session.commit()
    assert len(smtp_server.messages) == first
    with app.app_context():
        assert run_monthly_notices(today=date(2026, 7, 1)) is not None
        db.session.commit()


def test_a_repeat_referral_shows_the_coordinator_the_flags(
    app: Flask, aw: SecurityWorld, probe
) -> None:
    from marac_app.referrals import services as referral_services
    from tests.privacy.conftest import referral_details

    with app.app_context():
        from marac_app.agencies.models import MaracArea

        referral = referral_services.create_referral(
            area=db.session.get(MaracArea, aw.x.area.id),
            details=referral_details(aw.x.agency.id, "Valerie Victimson"),
            actor=None,
        )
        db.session.commit()
        assert referral.case_id is None  # waits for the repeat decision
        referral_id = referral.id
    body = probe(aw.x.coordinator).request("GET", f"/cases/referrals/{referral_id}/repeat").body
    assert 'id="matching-flags"' in body
    assert "flag lapses on" in body
