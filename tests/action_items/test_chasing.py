"""The daily "chase actions" job, the pre-meeting digest and "Chase this agency now", over
the real SMTP fixture with a frozen clock (``today`` passed in; no sleeping)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from marac_app.action_items import chasing
from marac_app.action_items.chasing_models import ActionChase
from marac_app.agencies.models import AgencyKind, MaracArea
from marac_app.audit import AuditEvent
from marac_app.auth.models import Role
from marac_app.common.errors import ServiceError
from marac_app.common.time import LONDON
from marac_app.common.time import london_today as today
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.jobs.models import ScheduledJobRun
from marac_app.referrals.people import Person
from tests.conftest import csrf_token
from tests.fixtures import listed_case

VICTIM = "Vera Victimson"
ADDRESS = "12 Safe Street, Cambridge"
DESCRIPTIONS = ("Fit additional locks at the property", "Check police records secretly")


@pytest.fixture()
def world(app, make_area, signed_agency, make_user, make_meeting, make_action, name_contact):
    area = make_area(name="Chase Area")
    housing = signed_agency(area, kind=AgencyKind.HOUSING, name="Chase Housing")
    police = signed_agency(area, name="Chase Police")
    quiet = signed_agency(area, kind=AgencyKind.EDUCATION, name="Chase Education")
    coordinator = make_user(Role.COORDINATOR, area=area, email="coord@chase.example")
    chair = make_user(Role.CHAIR, area=area, email="chair@chase.example")
    housing_contact = make_user(Role.AGENCY_REP, agency=housing, email="poc@housing.example")
    make_user(Role.AGENCY_REP, agency=housing, email="other@housing.example")
    police_rep = make_user(Role.AGENCY_REP, agency=police, area=area, email="rep@police.example")
    make_user(Role.AGENCY_REP, agency=quiet, email="rep@education.example")
    name_contact(housing_contact, area)
    earlier = make_meeting(area, days=-14)
    with app.app_context():
        case, _ = listed_case(area.id, police.id, earlier.id, 1, VICTIM)
        victim = db.session.scalars(sa.select(Person).where(Person.full_name == VICTIM)).one()
        victim.address = ADDRESS
        db.session.commit()
        db.session.refresh(case)
    t = today()
    make_action(case, housing, due=t + timedelta(days=3), description=DESCRIPTIONS[0])
    make_action(case, housing, due=t + timedelta(days=30), description="Far future review")
    make_action(case, police, due=t - timedelta(days=2), description=DESCRIPTIONS[1])
    return {
        "area": area,
        "housing": housing,
        "police": police,
        "quiet": quiet,
        "coordinator": coordinator,
        "chair": chair,
        "case": case,
        "police_rep": police_rep,
        "make_meeting": make_meeting,
    }


def _run(app, day, now=None):
    with app.app_context():
        run = chasing.run_chase_job(today=day, now=now)
        db.session.commit()
        return run


def _text(message) -> str:
    return f"{message['Subject']}\n{message.get_content()}"


def assert_no_case_data(messages, world) -> None:
    """Every email: no case reference, victim/perpetrator/child name, address or action text."""
    forbidden = (
        world["case"].reference,
        VICTIM,
        "Peter Perp",
        "Cara Child",
        "Rita Referrer",
        ADDRESS,
        "Safe Street",
        "Far future review",
        *DESCRIPTIONS,
    )
    assert messages
    for message in messages:
        text = _text(message)
        for word in forbidden:
            assert word.lower() not in text.lower(), (word, message["Subject"])
        assert not message.is_multipart() or message.get_content_type() == "text/plain"


def _by_recipient(messages) -> dict[str, list]:
    out: dict[str, list] = {}
    for message in messages:
        out.setdefault(str(message["To"]), []).append(message)
    return out


def test_daily_job_emails_due_soon_and_overdue_counts_to_points_of_contact(app, world, smtp_server):
    run = _run(app, today())
    assert not run.skipped and run.agencies_chased == 2
    mails = _by_recipient(smtp_server.messages)
    # Housing: its point of contact only (not its other representative).
    assert "poc@housing.example" in mails and "other@housing.example" not in mails
    housing = _text(mails["poc@housing.example"][0])
    assert "0 actions are overdue" in housing
    assert "1 action is due in the next 7 days" in housing
    assert "http://" in housing and "/actions/" in housing
    # Police has no point of contact: its representative in the area.
    police = _text(mails["rep@police.example"][0])
    assert "1 action is overdue" in police and "0 actions are due" in police
    # Nothing due or overdue: no email.
    assert "rep@education.example" not in mails
    assert_no_case_data(smtp_server.messages, world)
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "actions_chase_run")
        ).one()
        assert "agencies=2" in event.detail and "emails=2" in event.detail


def test_same_day_is_idempotent(app, world, smtp_server):
    _run(app, today())
    sent = len(smtp_server.messages)
    again = _run(app, today())
    assert again.skipped and len(smtp_server.messages) == sent
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ScheduledJobRun)) == 1


def test_missed_days_are_caught_up_once(app, world, smtp_server):
    t = today()
    _run(app, t - timedelta(days=3))
    first = len(smtp_server.messages)
    # Nothing ran for two days; the next run covers them once.
    run = _run(app, t)
    assert run.missed_days == 2 and not run.skipped
    assert len(smtp_server.messages) == first + 2  # one per agency, not one per missed day
    assert _run(app, t).skipped
    assert len(smtp_server.messages) == first + 2
    with app.app_context():
        days = db.session.scalars(
            sa.select(ScheduledJobRun.run_on).order_by(ScheduledJobRun.run_on)
        )
        assert list(days) == [t - timedelta(days=3), t]


def test_digest_before_the_meeting_goes_to_chair_and_coordinator_once(app, world, smtp_server):
    t = today()
    starts = datetime.combine(t + timedelta(days=2), time(10, 0), tzinfo=LONDON)
    meeting = world["make_meeting"](world["area"], starts_at=starts, chair=world["chair"])
    # Three days before: not yet.
    _run(app, t - timedelta(days=1))
    assert not [m for m in smtp_server.messages if "Outstanding" in str(m["Subject"])]
    run = _run(app, t)
    assert run.digests == 1
    digests = [m for m in smtp_server.messages if "Outstanding" in str(m["Subject"])]
    assert sorted(str(m["To"]) for m in digests) == ["chair@chase.example", "coord@chase.example"]
    body = _text(digests[0])
    assert "Chase Housing: 2 open actions, 0 overdue" in body
    assert "Chase Police: 1 open action, 1 overdue" in body
    assert "Total: 3 open actions." in body
    assert_no_case_data(smtp_server.messages, world)
    # The next day's run does not send the digest again.
    _run(app, t + timedelta(days=1))
    digests = [m for m in smtp_server.messages if "Outstanding" in str(m["Subject"])]
    assert len(digests) == 2
    with app.app_context():
        chases = db.session.scalars(
            sa.select(ActionChase).where(ActionChase.meeting_id == meeting.id)
        ).all()
        assert len(chases) == 1


def test_digest_missed_on_its_day_is_sent_by_the_next_run(app, world, smtp_server):
    t = today()
    starts = datetime.combine(t + timedelta(days=1), time(10, 0), tzinfo=LONDON)
    world["make_meeting"](world["area"], starts_at=starts, chair=world["chair"])
    # The job did not run two days before (t - 1); it runs the day before.
    run = _run(app, t)
    assert run.digests == 1


def test_digest_for_past_or_cancelled_meeting_is_not_sent(app, world, smtp_server):
    from marac_app.meetings.models import Meeting, MeetingStatus

    t = today()
    starts = datetime.combine(t + timedelta(days=1), time(10, 0), tzinfo=LONDON)
    meeting = world["make_meeting"](world["area"], starts_at=starts, chair=world["chair"])
    with app.app_context():
        db.session.get(Meeting, meeting.id).status = MeetingStatus.CANCELLED
        db.session.commit()
    assert _run(app, t).digests == 0


def test_coordinator_chases_one_agency_now_rate_limited(app, world, auth, client, smtp_server):
    auth.sign_in_as(world["coordinator"])
    listing = client.get("/actions/")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert "Chase agencies" in page and "Chase now" in page
    police = world["police"].id
    token = csrf_token(client, "/actions/")
    response = client.post(f"/actions/agencies/{police}/chase", data={"csrf_token": token})
    assert response.status_code == 302
    assert [str(m["To"]) for m in smtp_server.messages] == ["rep@police.example"]
    # Again at once: refused (not twice within 10 minutes), nothing sent.
    response = client.post(
        f"/actions/agencies/{police}/chase", data={"csrf_token": token}, follow_redirects=True
    )
    assert "less than 10 minutes ago" in response.get_data(as_text=True)
    assert len(smtp_server.messages) == 1
    assert_no_case_data(smtp_server.messages, world)
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "agency_chased")
        ).all()
        assert len(events) == 1 and events[0].actor_id == world["coordinator"].id
        # Eleven minutes later it is allowed again.
        from marac_app.agencies.models import Agency
        from marac_app.auth.models import User

        agency = db.session.get(Agency, police)
        area = db.session.get(MaracArea, world["area"].id)
        coordinator = db.session.get(User, world["coordinator"].id)
        chase = chasing.chase_agency_now(
            agency, area, actor=coordinator, now=utcnow() + timedelta(minutes=11)
        )
        assert chase.recipients == 1
        with pytest.raises(ServiceError, match="nothing was sent"):
            chasing.chase_agency_now(
                db.session.get(Agency, world["quiet"].id),
                area,
                actor=coordinator,
                now=utcnow() + timedelta(hours=1),
            )
        db.session.rollback()


def test_chase_now_is_the_coordinators_and_their_areas_only(
    app, world, auth, client, make_user, make_area, signed_agency
):
    other_area = make_area()
    stranger = signed_agency(other_area, name="Far Agency")
    auth.sign_in_as(world["coordinator"])
    token = csrf_token(client, "/actions/")
    response = client.post(f"/actions/agencies/{stranger.id}/chase", data={"csrf_token": token})
    assert response.status_code == 404
    assert (
        client.post("/actions/agencies/99999999/chase", data={"csrf_token": token}).status_code
        == 404
    )
    auth.sign_out()
    auth.sign_in_as(world["chair"])
    token = csrf_token(client, "/actions/")
    response = client.post(
        f"/actions/agencies/{world['police'].id}/chase", data={"csrf_token": token}
    )
    assert response.status_code == 403


def test_cli_command_runs_once_a_day(app, world, smtp_server):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["chase-actions"])
    assert result.exit_code == 0, result.output
    assert "2 agencies chased" in result.output
    result = runner.invoke(args=["chase-actions"])
    assert "already ran" in result.output
    result = runner.invoke(args=["chase-actions", "--date", "not-a-date"])
    assert result.exit_code == 2


def test_rq_cron_scheduler_loads_the_daily_chase_from_the_make_scheduler_config() -> None:
    """``make scheduler`` runs ``rq cron marac_app.cron_config``: RQ's own loader reads it and
    finds the chase, hourly through the working day (a missed hour is caught up by the next)."""
    from redis import Redis
    from rq.cron import CronScheduler

    from marac_app.daily_jobs import run_daily_jobs_in_worker
    from marac_app.jobs.services import QUEUE_NAME

    scheduler = CronScheduler(connection=Redis.from_url("redis://127.0.0.1:6379/15"))
    scheduler.load_config_from_file("marac_app.cron_config")
    [job] = scheduler.get_jobs()
    assert job.func is run_daily_jobs_in_worker
    assert job.cron == "5 7-18 * * *" and job.queue_name == QUEUE_NAME


def test_the_serving_process_runs_the_daily_jobs_in_a_thread_from_its_first_request() -> None:
    """``make run`` (jobs backend ``thread``): the first request starts one daily thread, which
    runs each job at once and again after the interval; a failing job is rolled back and the
    next still runs. A CLI command builds the app without serving, so it never starts."""
    import threading

    from marac_app import create_app
    from marac_app.jobs import daily

    runs: list[str] = []
    twice = threading.Event()

    def probe() -> None:
        runs.append("probe")
        if runs.count("probe") >= 2:
            twice.set()

    def failing() -> None:
        raise RuntimeError("boom")

    app = create_app("testing", JOBS_BACKEND="thread", DAILY_JOBS_IN_PROCESS=False)
    app.config["DAILY_JOBS_IN_PROCESS"] = True  # only the probes, not the real chase
    daily.install(app, {"failing": failing, "probe": probe}, interval=0.05)
    assert runs == []  # nothing runs until the process serves a request
    assert app.test_client().get("/healthz").status_code == 200
    assert twice.wait(5), runs
    assert app.test_client().get("/healthz").status_code == 200  # still one thread
    assert sum(t.name == "daily-jobs" for t in threading.enumerate()) == 1
    app.extensions["marac_daily_jobs_stop"].set()


def test_the_in_process_daily_jobs_are_off_unless_jobs_run_in_threads() -> None:
    from marac_app import create_app

    for overrides in ({"JOBS_BACKEND": "rq"}, {"JOBS_BACKEND": "inline"}):
        app = create_app("testing", **overrides)
        assert "marac_daily_jobs_stop" not in app.extensions
    off = create_app("testing", JOBS_BACKEND="thread", DAILY_JOBS_IN_PROCESS=False)
    assert "marac_daily_jobs_stop" not in off.extensions
    on = create_app("testing", JOBS_BACKEND="thread", DAILY_JOBS_IN_PROCESS=True)
    assert "marac_daily_jobs_stop" in on.extensions
