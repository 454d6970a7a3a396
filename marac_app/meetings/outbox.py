"""Reading the development outbox (messages written by marac_app.mail when no SMTP host).

Only meeting emails (those with the X-MARAC-Meeting header) are listed, filtered by the
caller to the meetings a coordinator manages: other mail in the folder (set-password links)
must never be shown to coordinators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from marac_app.meetings.services import MEETING_HEADER

NAME_RE = re.compile(r"^[0-9a-f]{32}\.eml$")


@dataclass(frozen=True)
class OutboxMessage:
    name: str
    subject: str
    to: str
    written_at: datetime
    meeting_id: int
    message: EmailMessage

    def part(self, content_type: str) -> str | None:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return str(part.get_content())
        return None


def _read(path: Path) -> OutboxMessage | None:
    try:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    except OSError:
        return None
    raw_id = str(message.get(MEETING_HEADER, ""))
    if not raw_id.isdigit():
        return None
    return OutboxMessage(
        name=path.name,
        subject=str(message.get("Subject", "")),
        to=str(message.get("To", "")),
        written_at=datetime.fromtimestamp(path.stat().st_mtime, tz=UTC),
        meeting_id=int(raw_id),
        message=message,
    )


def list_messages(folder: Path, meeting_ids: set[int]) -> list[OutboxMessage]:
    """Meeting emails in ``folder`` about ``meeting_ids``, newest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if not NAME_RE.match(path.name):
            continue
        item = _read(path)
        if item is not None and item.meeting_id in meeting_ids:
            found.append(item)
    return sorted(found, key=lambda m: (m.written_at, m.name), reverse=True)


def get_message(folder: Path, name: str, meeting_ids: set[int]) -> OutboxMessage | None:
    """One message by file name (None if missing, malformed or about another area)."""
    if not NAME_RE.match(name):
        return None
    path = folder / name
    if not path.is_file():
        return None
    item = _read(path)
    return item if item is not None and item.meeting_id in meeting_ids else None
