"""The "minutes ready" email delivered by SMTP to a loopback aiosmtpd server: one plain-text
part, no attachment, no case data — only the area, the date and the sign-in link."""

from __future__ import annotations

from tests.distribution.world import DW, FACT, HOUSING_ACTION, POLICE_ACTION, VICTIM
from tests.fixtures import SmtpCollector


def test_minutes_email_over_smtp_has_no_attachment_and_no_case_data(
    auth, dw: DW, smtp_server: SmtpCollector
) -> None:
    auth.sign_in_as(dw.coordinator)
    response = auth.post(
        f"{dw.base}/recipients", {"people": [str(dw.rep.id), str(dw.housing_rep.id)]}
    )
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    assert sorted(str(m["To"]) for m in smtp_server.messages) == sorted(
        [dw.rep.email, dw.housing_rep.email]
    )
    for message in smtp_server.messages:
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
