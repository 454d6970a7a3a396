"""Audit review: searching the trail, "who has viewed case X", CSV export, chain verification.

Every query is built with ``select()`` and bound parameters: filter values never become SQL.
Services flush, never commit, and never read ``request``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from marac_app.audit import (
    GENESIS_HASH,
    AuditEvent,
    AuditEventCase,
    Outcome,
    compute_hash,
    events_exposing_case,
)
from marac_app.audit_actions import READS, AuditAction
from marac_app.auth.models import User
from marac_app.common.spreadsheet import csv_bytes
from marac_app.common.transaction import Read
from marac_app.extensions import db
from marac_app.referrals.models import Case, ErasedCase

PAGE_SIZE = 50
EXPORT_MAX_ROWS = 100_000
VERIFY_BATCH = 5_000


@dataclass(frozen=True)
class AuditFilters:
    """A validated search. ``None`` means "any"; datetimes are aware UTC bounds [start, end)."""

    actor_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    case_id: int | None = None
    action: str | None = None
    outcome: Outcome | None = None
    start: datetime | None = None
    end: datetime | None = None
    # The names of the filters the user set (for the audit detail: names, never values).
    names: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor: User | None


def _conditions(filters: AuditFilters) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if filters.actor_id is not None:
        where.append(AuditEvent.actor_id == filters.actor_id)
    if filters.case_id is not None:
        where.append(events_exposing_case(filters.case_id))
    if filters.object_type is not None:
        where.append(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        where.append(AuditEvent.object_id == filters.object_id)
    if filters.action is not None:
        where.append(AuditEvent.action == filters.action)
    if filters.outcome is not None:
        where.append(AuditEvent.outcome == filters.outcome)
    if filters.start is not None:
        where.append(AuditEvent.occurred_at >= filters.start)
    if filters.end is not None:
        where.append(AuditEvent.occurred_at < filters.end)
    return where


def _query(filters: AuditFilters) -> sa.Select[AuditEvent, User]:
    return (
        sa.select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*_conditions(filters))
        .order_by(AuditEvent.id.desc())
    )


def search(
    filters: AuditFilters, *, before_id: int | None = None, page_size: int = PAGE_SIZE
) -> tuple[list[AuditRow], int | None]:
    """One page of matching events, newest first (keyset on id), and the id to continue
    from (``before_id`` of the next page) or None on the last page."""
    query = _query(filters)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    found = db.session.execute(query.limit(page_size + 1)).all()
    rows = [AuditRow(event, actor) for event, actor in found[:page_size]]
    next_before = rows[-1].event.id if len(found) > page_size else None
    return rows, next_before


def _filter_detail(filters: AuditFilters) -> str:
    return "filters: " + (", ".join(filters.names) if filters.names else "none")


def search_read(filters: AuditFilters, *, rows: int, page: bool) -> Read:
    """The audit event of a search of the trail: the filters by name and the row count."""
    detail = f"{_filter_detail(filters)}; rows={rows}" + ("; next page" if page else "")
    return Read(AuditAction.AUDIT_SEARCHED, object_type="audit_event", detail=detail)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))


def find_case_id(reference: str) -> int | None:
    """The id of the case with ``reference`` (case-insensitive) — also of an erased case,
    whose events keep its old id (its tombstone says which) — or None."""

    live = db.session.scalar(
        sa.select(Case.id).where(sa.func.upper(Case.reference) == reference.upper())
    )
    if live is not None:
        return live
    erased = find_erased_case(reference)
    return erased.case_id if erased is not None else None


def find_erased_case(reference: str) -> ErasedCase | None:
    """The tombstone of the erased case with ``reference`` (case-insensitive), or None."""
    return db.session.scalar(
        sa.select(ErasedCase).where(sa.func.upper(ErasedCase.reference) == reference.upper())
    )


# --- Who has viewed a case ----------------------------------------------------------------


@dataclass(frozen=True)
class CaseViewer:
    actor_id: int | None
    actor: User | None
    role: str | None
    first_view: datetime
    last_view: datetime
    views: int


def _is_read() -> sa.ColumnElement[bool]:
    """The event's action is a read (``marac_app.audit_actions.READS``)."""
    return AuditEvent.action.in_([action.value for action in READS])


def case_viewers(case_id: int) -> list[CaseViewer]:
    """Everyone who read case ``case_id`` (allowed reads only), most recent viewer first."""
    grouped = (
        sa.select(
            AuditEvent.actor_id,
            sa.func.max(AuditEvent.actor_role),
            sa.func.min(AuditEvent.occurred_at),
            sa.func.max(AuditEvent.occurred_at),
            sa.func.count(AuditEvent.id),
        )
        .where(
            events_exposing_case(case_id),
            AuditEvent.outcome == Outcome.ALLOWED,
            _is_read(),
        )
        .group_by(AuditEvent.actor_id)
        .order_by(sa.func.max(AuditEvent.occurred_at).desc())
    )
    result = db.session.execute(grouped).all()
    ids = [row[0] for row in result if row[0] is not None]
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    return [
        CaseViewer(
            actor_id,
            users.get(actor_id) if actor_id is not None else None,
            role,
            first,
            last,
            count,
        )
        for actor_id, role, first, last, count in result
    ]


# --- CSV export ---------------------------------------------------------------------------

CSV_HEADER = (
    "Event id",
    "Time (UTC)",
    "Actor id",
    "Actor name",
    "Actor email",
    "Role",
    "Agency id",
    "Action",
    "Object type",
    "Object id",
    "Outcome",
    "IP address",
    "Request id",
    "Detail",
)


def _export_query(filters: AuditFilters) -> sa.Select[*tuple[Any, ...]]:
    return (
        sa.select(
            AuditEvent.id,
            AuditEvent.occurred_at,
            AuditEvent.actor_id,
            User.name,
            User.email,
            AuditEvent.actor_role,
            AuditEvent.actor_agency_id,
            AuditEvent.action,
            AuditEvent.object_type,
            AuditEvent.object_id,
            AuditEvent.outcome,
            AuditEvent.ip_address,
            AuditEvent.request_id,
            AuditEvent.detail,
        )
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*_conditions(filters))
        .order_by(AuditEvent.id.desc())
        .limit(EXPORT_MAX_ROWS)
    )


def export_csv(filters: AuditFilters) -> tuple[bytes, Read]:
    """The CSV file of the search (newest first, at most EXPORT_MAX_ROWS rows, read in
    batches as plain rows; UTF-8 with BOM so names survive Excel) and the audit event of
    the export, for the view to write (``audit_read``)."""
    count = 0

    def rows() -> Iterator[list[object]]:
        nonlocal count
        result = db.session.execute(_export_query(filters).execution_options(yield_per=2000))
        for row in result:
            count += 1
            values: list[object] = list(row)
            values[1] = row.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            values[10] = row.outcome.value
            yield values

    data = csv_bytes(CSV_HEADER, rows())
    limited = "; limit reached" if count >= EXPORT_MAX_ROWS else ""
    return data, Read(
        AuditAction.AUDIT_EXPORTED,
        object_type="audit_event",
        detail=f"{_filter_detail(filters)}; rows={count}{limited}",
    )


# --- Verifying the hash chain -------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    events: int
    bad_id: int | None = None
    reason: str | None = None


def _walk(batch: int) -> Iterator[dict[str, object]]:
    """Every event in id order with its case ids (``case_ids``), ``batch`` at a time."""
    table = AuditEvent.__table__
    last_id = 0
    while True:
        rows = db.session.execute(
            sa.select(table).where(table.c.id > last_id).order_by(table.c.id).limit(batch)
        ).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        cases: dict[int, list[int]] = {}
        for event_id, case_id in db.session.execute(
            sa.select(AuditEventCase.event_id, AuditEventCase.case_id).where(
                AuditEventCase.event_id.in_(ids)
            )
        ):
            cases.setdefault(event_id, []).append(case_id)
        for row in rows:
            yield {**row._mapping, "case_ids": cases.get(row.id, [])}
        last_id = ids[-1]


def verify_chain(batch: int = VERIFY_BATCH) -> ChainReport:
    """Walk every event in id order (``batch`` rows in memory at a time) and check each link.

    Reports the first event whose stored hash does not match its contents (changed), whose
    ``prev_hash`` is not the previous event's hash (an event before it was removed or
    inserted), or that has no hash.
    """
    expected_prev = GENESIS_HASH
    count = 0
    for row in _walk(batch):
        count += 1
        event_id = int(str(row["id"]))
        prev_hash, row_hash = row["prev_hash"], row["row_hash"]
        if row_hash is None or prev_hash is None:
            return ChainReport(False, count, event_id, "no hash: written outside the audit trail")
        if prev_hash != expected_prev:
            return ChainReport(
                False,
                count,
                event_id,
                "does not follow the previous event: an event was removed or inserted before it",
            )
        if compute_hash(row, str(prev_hash)) != row_hash:
            return ChainReport(
                False, count, event_id, "contents changed since it was written (or its cases)"
            )
        expected_prev = row_hash
    return ChainReport(True, count)
