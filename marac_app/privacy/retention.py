"""Retention: which closed cases are past their retention period, and the purge that deletes
them, one case per transaction.

The purge finds every row that belongs to a case by walking the foreign keys in the
SQLAlchemy metadata (``marac_case`` → referral → referral_person → …), so a table added by
another feature later is covered without changing this module. Rows are deleted children
first. Foreign keys declared ``ondelete="SET NULL"`` and the few listed in ``REFERENCE_ONLY``
point *at* a case without belonging to it: they are set to NULL instead.

Before a case is deleted, ``snapshot_case_statistics(case)`` writes its anonymous
``case_statistic`` rows, so the SafeLives return still counts it, and the case leaves a
tombstone (``ErasedCase``: reference, area, dates, why — no personal data), so its reference
is never given again and the audit trail and copies of minutes still point at it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypedDict, cast

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import selectinload

from marac_app.audit import record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import User
from marac_app.common.time import LONDON
from marac_app.db import utcnow
from marac_app.distribution.models import RenderedMaster
from marac_app.extensions import db
from marac_app.meetings.models import Meeting
from marac_app.privacy.models import CaseLegalHold, CaseStatistic, RetentionPolicy
from marac_app.referrals.models import (
    AgendaItem,
    Case,
    CaseStatus,
    ErasedCase,
    ErasureBasis,
    Referral,
)

logger = logging.getLogger(__name__)

CASE_RECORD_TYPE = "case"
DEFAULT_CASE_YEARS = 7
DEFAULT_CASE_BASIS = (
    "After the case closed (the privacy notice: 7 years after we ceased to work with the person)"
)
ROOT_TABLE = "marac_case"
# Foreign keys that refer to a case without belonging to it: (table, column).
REFERENCE_ONLY: frozenset[tuple[str, str]] = frozenset({("referral", "linked_case_id")})


# --- Policy ------------------------------------------------------------------------------


def case_policy() -> RetentionPolicy:
    """The retention policy for case records (created with the default when missing)."""
    policy = db.session.scalar(
        sa.select(RetentionPolicy).where(RetentionPolicy.record_type == CASE_RECORD_TYPE)
    )
    if policy is None:  # the migration inserts it; never written from here (dry runs read)
        policy = RetentionPolicy(
            record_type=CASE_RECORD_TYPE, years=DEFAULT_CASE_YEARS, basis=DEFAULT_CASE_BASIS
        )
    return policy


def set_case_years(years: int, *, actor: User | None) -> RetentionPolicy:
    """Change how many years case records are kept after closure. Audited."""
    policy = case_policy()
    if policy.id is None:
        db.session.add(policy)
    policy.years = years
    db.session.flush()
    record(
        AuditAction.RETENTION_POLICY_CHANGED,
        actor=actor,
        object_type="retention_policy",
        object_id=policy.id,
        detail=f"record_type=case years={years}",
    )
    return policy


def all_policies() -> list[RetentionPolicy]:
    found = list(db.session.scalars(sa.select(RetentionPolicy).order_by(RetentionPolicy.id)))
    return found or [case_policy()]


def retention_cutoff(today: date, years: int) -> date:
    """Cases closed *before* this day are past retention (closed on it: kept one more day)."""
    return today - relativedelta(years=years)


def past_retention(today: date) -> list[sa.ColumnElement[bool]]:
    """The conditions on ``Case`` of a case whose retention period has ended (hold or not)."""
    cutoff = retention_cutoff(today, case_policy().years)
    return [Case.status == CaseStatus.CLOSED, Case.closed_on.is_not(None), Case.closed_on < cutoff]


def due_for_purge_query(today: date, only: Collection[int] | None = None) -> sa.Select[Case]:
    """Closed cases whose retention period has ended and that carry no legal hold (among
    ``only`` when given: the cases the DPO saw in the preview)."""
    held = sa.select(CaseLegalHold.case_id)
    query = (
        sa.select(Case)
        .where(*past_retention(today), Case.id.not_in(held))
        .order_by(Case.closed_on, Case.id)
    )
    if only is not None:
        query = query.where(Case.id.in_(sorted(only)))
    return query


def due_case_ids(today: date, among: Collection[int]) -> list[int]:
    """Which of ``among`` are due for deletion today (past retention, no legal hold)."""
    query = due_for_purge_query(today, among).with_only_columns(Case.id)
    return list(db.session.scalars(query))


def due_for_purge(today: date) -> list[Case]:
    return list(db.session.scalars(due_for_purge_query(today)))


# --- Case closure and legal hold ----------------------------------------------------------


def close_case(case: Case, closed_on: date, *, actor: User | None = None) -> Case:
    """Close ``case`` on ``closed_on`` (retention runs from that day). Audited."""
    case.status = CaseStatus.CLOSED
    case.closed_on = closed_on
    db.session.flush()
    record(AuditAction.CASE_CLOSED, actor=actor, object_type="case", object_id=case.id)
    return case


def legal_hold_for(case_id: int) -> CaseLegalHold | None:
    return db.session.scalar(sa.select(CaseLegalHold).where(CaseLegalHold.case_id == case_id))


def set_legal_hold(case: Case, reason: str, *, actor: User | None) -> CaseLegalHold:
    hold = legal_hold_for(case.id)
    if hold is None:
        hold = CaseLegalHold(case_id=case.id, reason=reason, set_by_id=getattr(actor, "id", None))
        db.session.add(hold)
    else:
        hold.reason = reason
        hold.set_by_id = getattr(actor, "id", None)
        hold.set_at = utcnow()
    db.session.flush()
    record(AuditAction.LEGAL_HOLD_SET, actor=actor, object_type="case", object_id=case.id)
    return hold


def list_holds() -> list[tuple[CaseLegalHold, Case]]:
    rows = db.session.execute(
        sa.select(CaseLegalHold, Case)
        .join(Case, Case.id == CaseLegalHold.case_id)
        .order_by(CaseLegalHold.set_at)
    )
    return [(hold, case) for hold, case in rows]


def lift_legal_hold(case: Case, *, actor: User | None) -> None:
    hold = legal_hold_for(case.id)
    if hold is not None:
        db.session.delete(hold)
        db.session.flush()
    record(AuditAction.LEGAL_HOLD_LIFTED, actor=actor, object_type="case", object_id=case.id)


# --- Statistics that survive the purge ------------------------------------------------------


def _meeting_date(meeting: Meeting) -> date:
    return meeting.starts_at.astimezone(LONDON).date()


def _age_flag(age: int | None, low: int, high: int | None) -> bool | None:
    if age is None:
        return None
    return age >= low and (high is None or age <= high)


def snapshot_case_statistics(case: Case) -> list[CaseStatistic]:
    """Write (or refresh) one anonymous ``case_statistic`` row per meeting ``case`` was heard
    at. Idempotent: an existing row for (case, meeting) is updated, not duplicated."""
    items = list(
        db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.case_id == case.id)
            .options(
                selectinload(AgendaItem.meeting),
                selectinload(AgendaItem.referral).selectinload(Referral.people),
            )
        )
    )
    rows: list[CaseStatistic] = []
    for item in items:
        referral = item.referral
        if referral is None:
            heard = [r for r in case.referrals if r.referred_on <= _meeting_date(item.meeting)]
            referral = heard[-1] if heard else case.last_referral
        on = _meeting_date(item.meeting)
        row = db.session.scalar(
            sa.select(CaseStatistic).where(
                CaseStatistic.case_id == case.id, CaseStatistic.meeting_id == item.meeting_id
            )
        )
        if row is None:
            row = CaseStatistic(case_id=case.id, meeting_id=item.meeting_id)
            db.session.add(row)
        row.area_id = item.meeting.area_id
        row.meeting_date = on
        victim = referral.victim if referral is not None else None
        row.is_repeat = bool(referral is not None and referral.is_repeat)
        row.children_count = len(referral.children) if referral is not None else None
        row.referring_agency_id = referral.referring_agency_id if referral else None
        row.referring_agency_kind = (
            str(referral.referring_agency.kind.value) if referral is not None else None
        )
        row.victim_racially_minoritised = victim.is_racially_minoritised if victim else None
        row.victim_lgbt = victim.is_lgbt if victim else None
        row.victim_disabled = victim.is_disabled if victim else None
        row.victim_male = victim.is_male if victim else None
        age = victim.age_on(on) if victim else None
        row.victim_aged_16_17 = _age_flag(age, 16, 17)
        row.victim_aged_65_plus = _age_flag(age, 65, None)
        perpetrator_ages = [p.age_on(on) for p in (referral.perpetrators if referral else [])]
        known = [a for a in perpetrator_ages if a is not None]
        row.perpetrator_under_18 = any(a < 18 for a in known) if known else None
        rows.append(row)
    db.session.flush()
    return rows


# --- The purge ------------------------------------------------------------------------------


@dataclass
class PurgeResult:
    case_id: int
    deleted: dict[str, int] = field(default_factory=dict)
    nullified: dict[str, int] = field(default_factory=dict)
    tombstone: ErasedCase | None = None

    @property
    def rows(self) -> int:
        return sum(self.deleted.values())


def _affected(statement: sa.Delete | sa.Update) -> int:
    """Run an UPDATE or DELETE; how many rows it changed (a DML statement's result is a
    ``CursorResult``, which the session's ``execute`` does not say)."""
    result = cast("CursorResult[Any]", db.session.execute(statement))
    return result.rowcount or 0


def _single_pk(table: sa.Table) -> sa.Column | None:
    columns = list(table.primary_key.columns)
    return columns[0] if len(columns) == 1 else None


def _is_reference(fk: sa.ForeignKey) -> bool:
    return (fk.ondelete or "").upper() == "SET NULL" or (
        (fk.parent.table.name, fk.parent.name) in REFERENCE_ONLY
    )


def owned_rows(case_id: int) -> tuple[dict[str, set], list[tuple[sa.Column, set]]]:
    """Every row belonging to the case: {table name: primary keys}, plus the reference
    columns to set to NULL (column, parent keys)."""
    metadata = db.metadata
    owned: dict[str, set] = {ROOT_TABLE: {case_id}}
    changed = True
    while changed:
        changed = False
        for table in metadata.sorted_tables:
            pk = _single_pk(table)
            for fk in table.foreign_keys:
                parent_name = fk.column.table.name
                if parent_name not in owned or _is_reference(fk) or pk is None:
                    continue
                parent_ids = owned[parent_name]
                if not parent_ids:
                    continue
                found = set(
                    db.session.scalars(sa.select(pk).where(fk.parent.in_(sorted(parent_ids))))
                )
                new = found - owned.get(table.name, set())
                if new:
                    owned.setdefault(table.name, set()).update(new)
                    changed = True
    references = []
    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            parent_name = fk.column.table.name
            if parent_name in owned and (_is_reference(fk) or _single_pk(table) is None):
                references.append((fk.parent, owned[parent_name]))
    return owned, references


def dependency_report() -> list[str]:
    """Tables reached from ``marac_case`` by foreign keys (for the DPO page and tests)."""
    reached = {ROOT_TABLE}
    changed = True
    while changed:
        changed = False
        for table in db.metadata.sorted_tables:
            for fk in table.foreign_keys:
                if (
                    fk.column.table.name in reached
                    and not _is_reference(fk)
                    and table.name not in reached
                ):
                    reached.add(table.name)
                    changed = True
    return sorted(reached)


def _forget(owned: dict[str, set]) -> None:
    """Drop the doomed rows from the session so the ORM never flushes stale copies."""
    for obj in list(db.session.identity_map.values()):
        state = sa.inspect(obj)
        table = state.mapper.local_table.name
        key = state.identity[0] if state.identity and len(state.identity) == 1 else None
        # Expunging a parent cascades to its children: one may have gone already.
        if key is not None and key in owned.get(table, ()) and obj in db.session:
            db.session.expunge(obj)


def leave_tombstone(
    case: Case,
    *,
    basis: ErasureBasis,
    request_id: int | None = None,
    was_on_upcoming_list: bool = False,
) -> ErasedCase | None:
    """Record what is left of ``case`` once it is gone (no personal data). None when its
    reference already has a tombstone (a reference reused before counters existed)."""
    existing = db.session.scalar(
        sa.select(ErasedCase).where(ErasedCase.reference == case.reference)
    )
    if existing is not None:
        logger.warning(
            "case=%s: its reference already has a tombstone (id=%s)", case.id, existing.id
        )
        return None
    tombstone = ErasedCase(
        case_id=case.id,
        reference=case.reference,
        area_id=case.area_id,
        case_created_at=case.created_at,
        case_closed_on=case.closed_on,
        erased_at=utcnow(),
        basis=basis,
        request_id=request_id,
        was_on_upcoming_list=was_on_upcoming_list,
    )
    db.session.add(tombstone)
    db.session.flush()
    return tombstone


def purge_case(
    case_id: int,
    *,
    before_delete: Callable[[str], None] | None = None,
    basis: ErasureBasis = ErasureBasis.RETENTION,
    request_id: int | None = None,
    was_on_upcoming_list: bool = False,
) -> PurgeResult:
    """Delete the case and every row that belongs to it (flushes; the caller commits).

    Statistics are snapshotted and the tombstone written first (``basis``, ``request_id``
    and ``was_on_upcoming_list`` go on it). References from rows that do not belong to the
    case are set to NULL; tables without a single-column key are deleted by their link. Rows
    are deleted children first so no row ever points at a missing parent.
    """
    result = PurgeResult(case_id=case_id)
    case = db.session.get(Case, case_id)
    if case is None:
        return result
    snapshot_case_statistics(case)
    result.tombstone = leave_tombstone(
        case, basis=basis, request_id=request_id, was_on_upcoming_list=was_on_upcoming_list
    )
    db.session.execute(
        sa.update(CaseStatistic).where(CaseStatistic.case_id == case_id).values(purged_at=utcnow())
    )
    owned, references = owned_rows(case_id)
    meeting_ids = set(
        db.session.scalars(sa.select(AgendaItem.meeting_id).where(AgendaItem.case_id == case_id))
    )
    for column, parent_ids in references:
        table = column.table
        if not parent_ids:
            continue
        if _single_pk(table) is None and not column.nullable:
            deleted = _affected(sa.delete(table).where(column.in_(sorted(parent_ids))))
            result.deleted[table.name] = result.deleted.get(table.name, 0) + deleted
            continue
        nullified = _affected(
            sa.update(table).where(column.in_(sorted(parent_ids))).values({column.name: None})
        )
        if nullified:
            key = f"{table.name}.{column.name}"
            result.nullified[key] = result.nullified.get(key, 0) + nullified
    _forget(owned)
    for table in reversed(db.metadata.sorted_tables):
        ids = owned.get(table.name)
        if not ids:
            continue
        if before_delete is not None:
            before_delete(table.name)
        pk = _single_pk(table)
        assert pk is not None
        deleted = _affected(sa.delete(table).where(pk.in_(sorted(ids))))
        result.deleted[table.name] = result.deleted.get(table.name, 0) + deleted
    retired = retire_cached_pdfs(meeting_ids)
    if retired:
        result.nullified["rendered_master.pdf"] = retired
    db.session.flush()
    return result


def retire_cached_pdfs(meeting_ids: set[int]) -> int:
    """Empty the cached master PDFs of these meetings (they print the purged case) and move
    them off their cache key, so the next copy is rendered afresh without the case. The
    distribution log keeps its rows (who was issued which copy, and the copy's hash)."""

    if not meeting_ids:
        return 0
    masters = db.session.execute(
        sa.select(RenderedMaster.id, RenderedMaster.key).where(
            RenderedMaster.meeting_id.in_(sorted(meeting_ids)),
            RenderedMaster.key.not_like("%:retired:%"),
        )
    ).all()
    for master_id, key in masters:
        db.session.execute(
            sa.update(RenderedMaster)
            .where(RenderedMaster.id == master_id)
            .values(key=f"{key}:retired:{master_id}"[:120], pdf=b"")
        )
    return len(masters)


@dataclass
class RetentionRun:
    cases: list[PurgeResult] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.cases)


def apply_retention(
    today: date,
    *,
    batch_size: int = 50,
    on_case: Callable[[int], None] | None = None,
    only: Collection[int] | None = None,
    actor: User | None = None,
) -> RetentionRun:
    """Purge every case past retention, ONE CASE PER TRANSACTION (commits after each case).

    Idempotent and safe to kill: a case is either wholly gone with its audit event, or
    untouched; a re-run picks up what is left. Cases are fetched in batches of ``batch_size``.
    ``only`` limits the purge to those case ids (the DPO's preview: a case that became due
    since is left for the next run); ``actor`` is who asked for it (the audit events name
    them). ``on_case(case_id)`` is called before each purge (tests use it to simulate a crash).
    """
    run = RetentionRun()
    while True:
        ids = [c.id for c in db.session.scalars(due_for_purge_query(today, only).limit(batch_size))]
        db.session.commit()
        if not ids:
            return run
        for case_id in ids:
            if on_case is not None:
                on_case(case_id)
            try:
                result = purge_case(case_id)
                record(
                    AuditAction.RETENTION_PURGED,
                    actor=actor,
                    object_type="case",
                    object_id=case_id,
                    detail=f"cases=1 rows={result.rows}",
                )
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            logger.info("retention purged case=%s rows=%s", case_id, result.rows)
            run.cases.append(result)


class DryRun(TypedDict):
    """What a retention run would delete (ids, references and counts: no personal data)."""

    cases: list[tuple[int, str, date]]
    counts: dict[str, int]
    cutoff: date


def dry_run(today: date) -> DryRun:
    """What ``apply_retention(today)`` would delete: case ids/references and row counts per
    table. Changes nothing. (The DPO's page words it: ``retention_preview``.)"""
    cases = due_for_purge(today)
    counts: dict[str, int] = {}
    for case in cases:
        owned, _ = owned_rows(case.id)
        for table, ids in owned.items():
            counts[table] = counts.get(table, 0) + len(ids)
    return {
        # closed_on is set on every case due (``past_retention``); the filter tells mypy.
        "cases": [(c.id, c.reference, c.closed_on) for c in cases if c.closed_on is not None],
        "counts": counts,
        "cutoff": retention_cutoff(today, case_policy().years),
    }
