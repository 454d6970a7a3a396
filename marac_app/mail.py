"""Outgoing email: SMTP when ``MARAC_SMTP_HOST`` is set, otherwise the outbox folder.

Messages never carry case data or attachments of minutes; callers pass plain text and,
for meeting invitations, an optional iCalendar part.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from flask import current_app

from marac_app.db import utcnow

logger = logging.getLogger(__name__)


def build_message(
    to: str,
    subject: str,
    body: str,
    *,
    calendar: bytes | None = None,
    calendar_method: str = "REQUEST",
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    # RFC 5322 requires a Date; clients and spam filters distrust mail without one.
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=_domain(message["From"]))
    message.set_content(body)
    if calendar is not None:
        message.add_alternative(
            calendar,
            maintype="text",
            subtype="calendar",
            params={"method": calendar_method, "charset": "utf-8"},
        )
    return message


def _domain(sender: str) -> str:
    """The sender's domain for Message-IDs (unique and ours), else a fixed local one."""
    address = parseaddr(sender)[1]
    _, _, domain = address.rpartition("@")
    return domain or "marac-manager.local"


def send(message: EmailMessage) -> None:
    """Deliver ``message`` by SMTP, or write it to the outbox in development and tests."""
    config = current_app.config
    if config.get("SMTP_HOST"):
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
            smtp.send_message(message)
    else:
        outbox = Path(config["OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{uuid.uuid4().hex}.eml"
        path.write_bytes(bytes(message))
        path.chmod(0o600)
    logger.info("mail sent id=%s", message["Message-ID"])
