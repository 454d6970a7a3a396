"""The distributed PDFs: through the gate, refused to other agencies, and XSS payloads in the
minutes and actions come out as inert text (no script, no javascript: link, no HTML).

Uses the distribution feature's real approved meeting (tests/distribution/world.py), with the
texts typed at the meeting replaced by payloads before it is built.
"""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask, g, request_finished
from pypdf import PdfReader

from tests.conftest import Auth
from tests.distribution import world
from tests.distribution.world import DW, dw  # noqa: F401 - the approved meeting (fixture)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
FACT = f'FACTMARK {SCRIPT} {IMG} <a href="javascript:alert(1)">jslink</a> <svg onload=alert(1)>'
ACTION = f"POLICEACTION {SCRIPT} {IMG} javascript:alert(1) <iframe src=x>"


@pytest.fixture()
def xdw(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> DW:
    monkeypatch.setattr(world, "FACT", FACT)
    monkeypatch.setattr(world, "POLICE_ACTION", ACTION)
    return request.getfixturevalue("dw")


def _text(pdf: bytes) -> str:
    return re.sub(
        r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    )


def _inert(pdf: bytes) -> None:
    """No script or link actions anywhere in the file."""
    for marker in (b"/JavaScript", b"/JS ", b"/JS(", b"/Launch", b"javascript:"):
        assert marker not in pdf, marker
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            assert "javascript" not in str(action.get("/URI", "")).lower()


def _get(app: Flask, auth: Auth, path: str) -> tuple[int, bytes, list]:
    seen: list = []

    def _record(sender: Flask, response, **_: object) -> None:
        seen.append(list(g.get("_authorised", [])))

    with request_finished.connected_to(_record, app):
        response = auth.client.get(path)
    return response.status_code, response.data, seen[-1] if seen else []


def test_minutes_pdf_and_action_extract_pass_the_gate_and_keep_payloads_inert(
    app: Flask, auth: Auth, xdw: DW
) -> None:
    auth.sign_in_as(xdw.coordinator)
    saved = auth.post(
        f"{xdw.base}/recipients", {"people": [str(xdw.rep.id), str(xdw.housing_rep.id)]}
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:1500]
    auth.sign_out()

    auth.sign_in_as(xdw.rep)
    status, pdf, authorised = _get(app, auth, f"{xdw.base}/minutes.pdf")
    assert status == 200
    assert ("meeting", str(xdw.meeting.id)) in authorised  # through the gate
    _inert(pdf)
    text = _text(pdf)
    assert "FACTMARK" in text
    assert "onerror" not in text or "onerror=alert(1)" in text  # shown as text if at all
    assert "jslink" in text or "FACTMARK" in text

    status, pdf, authorised = _get(app, auth, f"{xdw.base}/actions/{xdw.police.id}.pdf")
    assert status == 200
    assert {("meeting", str(xdw.meeting.id)), ("agency", str(xdw.police.id))} <= set(authorised)
    _inert(pdf)
    text = _text(pdf)
    assert "POLICEACTION" in text
    assert "<script>alert(1)</script>" in text  # plain text: printed literally, never run
    assert "HOUSINGACTION" not in text

    # Another agency's extract: 404, never data.
    status, body, _ = _get(app, auth, f"{xdw.base}/actions/{xdw.housing.id}.pdf")
    assert status == 404 and b"%PDF" not in body


def test_other_area_and_uninvited_people_get_404_for_the_documents(auth: Auth, xdw: DW) -> None:
    auth.sign_in_as(xdw.coordinator)
    auth.post(f"{xdw.base}/recipients", {"people": [str(xdw.rep.id)]})
    auth.sign_out()
    for person in (xdw.other_coordinator, xdw.other_chair, xdw.police_rep2, xdw.health_rep):
        auth.sign_in_as(person)
        for path in (f"{xdw.base}/minutes.pdf", f"{xdw.base}/actions/{xdw.police.id}.pdf"):
            response = auth.client.get(path)
            assert response.status_code == 404, (person.email, path, response.status_code)
            assert b"%PDF" not in response.data
        auth.sign_out()
