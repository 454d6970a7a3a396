"""The confidentiality statement: versions, publishing, and its shape on a page.

Versions are never edited in place; publishing makes the next number. Other features read
the version in force with ``marac_app.protocol.services.current_statement()``.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.errors import ServiceError
from marac_app.db import utcnow
from marac_app.extensions import db
from marac_app.protocol.models import ConfidentialityStatement
from marac_app.protocol.services import current_statement


def split_statement(text: str) -> list[tuple[str, list[str]]]:
    """The statement as blocks to show: ("p", [paragraph]) or ("ol", [item, …]).

    Paragraphs are separated by blank lines; a block whose lines all start "1. ", "2. " …
    is a numbered list (the five purposes of the meeting).
    """
    blocks: list[tuple[str, list[str]]] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if all(_NUMBERED.match(line) for line in lines):
            blocks.append(("ol", [_NUMBERED.sub("", line, count=1) for line in lines]))
        else:
            blocks.append(("p", [" ".join(lines)]))
    return blocks


_NUMBERED = re.compile(r"^\d+\.\s+")


def list_statements() -> list[ConfidentialityStatement]:
    """Every confidentiality statement version, newest first."""
    return list(
        db.session.scalars(
            sa.select(ConfidentialityStatement).order_by(
                ConfidentialityStatement.version_number.desc()
            )
        )
    )


def publish_statement(text: str, *, actor: User) -> ConfidentialityStatement:
    """Publish a new confidentiality statement version (the next number; never an edit).

    Raises ServiceError (field ``text``) when the text is the same as the current version.
    """
    text = text.replace("\r\n", "\n").strip()
    current = current_statement()
    if current is not None and current.text.strip() == text:
        raise ServiceError(
            "The new statement is the same as the current one. Change the text or cancel",
            field="text",
        )
    number = (current.version_number if current is not None else 0) + 1
    statement = ConfidentialityStatement(
        version_number=number, text=text, created_by_id=actor.id, effective_at=utcnow()
    )
    db.session.add(statement)
    db.session.flush()
    record(
        AuditAction.CONFIDENTIALITY_STATEMENT_PUBLISHED,
        actor=actor,
        object_type="confidentiality_statement",
        object_id=statement.id,
        detail=f"version={number}",
    )
    return statement
