"""No context processor or template global writes to the database.

A page's reads are audited and committed *before* it is rendered (``render_read``); while a
template renders, nothing may be written. This test renders every page a role can open
(every GET route without an id, and those whose ids are the world's meeting, case, action,
agency, area and user) for each role, with a watch that records each INSERT, UPDATE or DELETE
sent to the database, and each session commit, from the moment the template context is built
(``update_template_context``, where the context processors run) until Flask's
``template_rendered`` signal. The planted-processor test shows the watch catches a writing
context processor (and a template global that writes when it is called).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, before_render_template, render_template_string, template_rendered
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from marac_app.action_items.models import ActionItem, ActionPriority
from marac_app.agencies.models import Agency, MaracArea
from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import Role, User
from marac_app.common.time import london_today
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from tests.conftest import Auth
from tests.fixtures import listed_case

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|TRUNCATE)\b", re.IGNORECASE)


@dataclass
class RenderWatch:
    """What was written while a template was being prepared or rendered."""

    rendering: list[str] = field(default_factory=list)  # templates being rendered, innermost last
    writes: list[tuple[str, str]] = field(default_factory=list)  # (template, statement start)

    def saw(self, what: str) -> None:
        if self.rendering:
            self.writes.append((self.rendering[-1], " ".join(what.split()[:4])))


@contextmanager
def watching_renders(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[RenderWatch]:
    """Record every database write and commit made while any template renders."""
    watch = RenderWatch()
    build_context = app.update_template_context

    def update_template_context(context: dict[str, Any]) -> None:
        # Flask builds the context (running the context processors) just before it sends
        # before_render_template: a processor's own work counts as rendering too.
        watch.rendering.append("(template context)")
        build_context(context)

    def before(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        watch.rendering[-1] = template.name or "(string template)"

    def rendered(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        if watch.rendering:
            watch.rendering.pop()

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if WRITE.match(statement):
            watch.saw(statement)

    def on_commit(session: Session) -> None:
        watch.saw("COMMIT (session)")

    monkeypatch.setattr(app, "update_template_context", update_template_context)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", on_execute)
    sa.event.listen(Session, "before_commit", on_commit)
    try:
        with (
            before_render_template.connected_to(before, app),
            template_rendered.connected_to(rendered, app),
        ):
            yield watch
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", on_execute)
        sa.event.remove(Session, "before_commit", on_commit)


@dataclass
class World:
    area: MaracArea
    agency: Agency
    meeting: Meeting
    case_id: int
    action_id: int
    users: dict[Role, User]


@pytest.fixture()
def world(app: Flask, make_area, make_agency, make_user, make_meeting, sign_up) -> World:
    """One area with a signed-up agency, a user of each role, a meeting tomorrow with a case
    on its list and an open action for the agency (so the home page's panels have rows)."""
    area = make_area()
    agency = make_agency(areas=[area])
    sign_up(agency)
    users = {
        role: make_user(role, area=area if role.needs_area else None, agency=agency)
        if role.needs_agency
        else make_user(role)
        for role in Role
    }
    meeting = make_meeting(area, days=1, chair=users[Role.CHAIR], invite=[users[Role.AGENCY_REP]])
    with app.app_context():
        case, _item = listed_case(area.id, agency.id, meeting.id, 1, "Vera Victim")
        action = ActionItem(
            case_id=case.id,
            owner_agency_id=agency.id,
            description="Check the tenancy and fit a door lock",
            due_date=london_today() + timedelta(days=14),
            priority=ActionPriority.HIGH,
            meeting_id=meeting.id,
        )
        db.session.add(action)
        db.session.commit()
        case_id, action_id = case.id, action.id
    return World(area, agency, meeting, case_id, action_id, users)


def _pages(app: Flask, world: World) -> list[str]:
    """Every GET route without an id, and those whose ids the world has."""
    ids = {
        "meeting_id": world.meeting.id,
        "case_id": world.case_id,
        "action_id": world.action_id,
        "agency_id": world.agency.id,
        "area_id": world.area.id,
        "user_id": world.users[Role.AGENCY_REP].id,
    }
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        if not set(rule.arguments) <= set(ids):
            continue
        built = rule.build({name: ids[name] for name in rule.arguments})
        assert built is not None
        paths.append(built[1])
    return sorted(set(paths))


def _visit(client: FlaskClient, paths: list[str]) -> None:
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)


def test_no_page_writes_while_it_renders_for_any_role(
    app: Flask, client: FlaskClient, auth: Auth, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _pages(app, world)
    assert "/" in paths and f"/meetings/{world.meeting.id}" in paths
    with watching_renders(app, monkeypatch) as watch:
        _visit(client, ["/sign-in", "/reset-password", "/privacy/accessibility"])
        for role, user in world.users.items():
            auth.sign_in_as(user)
            _visit(client, paths)
            auth.sign_out()
            assert not watch.writes, (role, watch.writes)
    assert not watch.rendering  # every render was seen to its end


def test_the_watch_catches_a_context_processor_or_template_global_that_writes(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shown on a planted processor (a commit of an audit event in the middle of rendering,
    as the home page once did) and a planted global called from the template."""

    def writing_processor() -> dict[str, Any]:
        record(AuditAction.CASE_VIEWED, object_type="case", object_id=1)
        db.session.commit()
        return {}

    def writing_global() -> str:
        record(AuditAction.CASE_VIEWED, object_type="case", object_id=2)
        db.session.flush()
        return ""

    processors: list[Callable[[], dict[str, Any]]] = app.template_context_processors[None]
    with app.test_request_context("/"), watching_renders(app, monkeypatch) as watch:
        render_template_string("{{ 1 }}")
        assert not watch.writes  # without a plant, rendering writes nothing
        with monkeypatch.context() as plant:
            plant.setitem(app.template_context_processors, None, [*processors, writing_processor])
            render_template_string("{{ 1 }}")
        by_processor, watch.writes = watch.writes, []
        with monkeypatch.context() as plant:
            plant.setitem(app.jinja_env.globals, "planted_write", writing_global)
            render_template_string("{{ planted_write() }}")
        by_global = watch.writes
        db.session.rollback()
    assert ("(template context)", "COMMIT (session)") in by_processor, by_processor
    assert any(s.startswith("INSERT INTO audit_event") for _, s in by_processor), by_processor
    assert any(s.startswith("INSERT INTO audit_event") for _, s in by_global), by_global
