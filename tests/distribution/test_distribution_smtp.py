"""The "minutes ready" email delivered by SMTP to a loopback aiosmtpd server: one plain-text
part, no attachment, no case data — only the area, the date and the sign-in link."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller

from tests.distribution.world import DW, FACT, HOUSING_ACTION, POLICE_ACTION, VICTIM


class Collector:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def test_minutes_email_over_smtp_has_no_attachment_and_no_case_data(
    app, auth, dw: DW, monkeypatch
) -> None:
    handler = Collector()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", port)
        auth.sign_in_as(dw.coordinator)
        response = auth.post(
            f"{dw.base}/recipients", {"people": [str(dw.rep.id), str(dw.housing_rep.id)]}
        )
        assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    finally:
        controller.stop()
    assert sorted(str(m["To"]) for m in handler.messages) == sorted(
        [dw.rep.email, dw.housing_rep.email]
    )
    for message in handler.messages:
        parts = list(message.walk())
        assert [p.get_content_type() for p in parts] == ["text/plain"]
        assert not list(message.iter_attachments())
        body = message.get_content()
        assert f"/distribution/meetings/{dw.meeting.id}/minutes.pdf" in body
        assert "Sign in" in body and dw.area.name in body
        raw = message.as_string()
        for secret in (
            VICTIM,
            "Wendy Victim",
            dw.case.reference,
            dw.case2.reference,
            FACT,
            POLICE_ACTION,
            HOUSING_ACTION,
            "Priya",
            "Hana",
            "%PDF",
        ):
            assert secret not in raw
