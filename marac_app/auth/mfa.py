"""Two-factor authentication with TOTP (authenticator apps) and one-time recovery codes.

Services flush, never commit, never read ``request``. The TOTP key is stored as is (no
encryption library is installed); it is never logged, audited or shown after set-up.

- ``start_enrolment(user)`` makes a new pending key (the current one keeps working);
- ``confirm_enrolment(user, code)`` checks a code against the pending key, makes it the key
  and returns 10 new recovery codes (plain text, shown once; only salted hashes are kept);
- ``verify(user, code)`` accepts a TOTP code (each 30-second step once, never an earlier
  step than the last accepted one) or an unused recovery code;
- ``reset(user, actor=...)`` removes the set-up and ends every session of the user.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
import sqlalchemy as sa

from marac_app.audit import Outcome, record
from marac_app.audit_actions import AuditAction
from marac_app.auth.models import RecoveryCode, User, UserMfa
from marac_app.auth.sessions import EndReason, end_all_sessions
from marac_app.common.errors import ServiceError
from marac_app.db import utcnow
from marac_app.extensions import db

STEP_SECONDS = 30
# A code from the step before or after "now" is accepted too (clock drift, slow typing).
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10


@dataclass(frozen=True)
class Verification:
    ok: bool
    method: str | None = None  # "totp" or "recovery"
    recovery_codes_left: int | None = None


def get_mfa(user: User) -> UserMfa | None:
    return db.session.scalar(sa.select(UserMfa).where(UserMfa.user_id == user.id))


def is_enrolled(user: User) -> bool:
    row = get_mfa(user)
    return row is not None and row.enrolled


def mfa_needed(user: User, required: bool) -> bool:
    """A code is asked when the service requires MFA or the user has set it up anyway."""
    return required or is_enrolled(user)


def format_key(secret: str) -> str:
    """The key grouped in fours, as people type it into an authenticator app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user: User, secret: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg_data_uri(uri: str) -> str:
    """The QR code as an SVG ``data:`` URI, drawn on the server (no external service)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def start_enrolment(user: User) -> str:
    """Make (or replace) the pending key for ``user`` and return it."""
    row = get_mfa(user)
    if row is None:
        row = UserMfa(user_id=user.id, created_at=utcnow())
        db.session.add(row)
    row.pending_secret = pyotp.random_base32()  # 32 characters: 160 bits
    db.session.flush()
    return row.pending_secret


def pending_secret(user: User) -> str | None:
    row = get_mfa(user)
    return row.pending_secret if row is not None else None


def _clean_code(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-").lower()


def _matching_step(
    secret: str, code: str, after: int | None, now: float | None = None
) -> int | None:
    """The time step ``code`` belongs to (within the drift), if later than ``after``."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            if after is not None and step <= after:
                return None  # this code (or a later one) has been used already
            return step
    return None


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Confirm the pending key with a code from the app; return new recovery codes.

    Raises ServiceError (field ``code``) when there is no pending key or the code is wrong.
    """
    row = get_mfa(user)
    if row is None or row.pending_secret is None:
        raise ServiceError("Start setting up two-factor authentication again", field="code")
    step = _matching_step(row.pending_secret, _clean_code(code), None)
    if step is None:
        record(
            AuditAction.MFA_ENROLMENT_FAILED,
            actor=user,
            object_type="user",
            object_id=user.id,
            outcome=Outcome.DENIED,
        )
        raise ServiceError(
            "Enter the 6-digit code shown in your authenticator app now", field="code"
        )
    was_enrolled = row.enrolled
    row.secret, row.pending_secret = row.pending_secret, None
    row.confirmed_at = utcnow()
    row.last_timestep = step
    codes = _new_recovery_codes(user)
    db.session.flush()
    record(
        AuditAction.MFA_REENROLLED if was_enrolled else AuditAction.MFA_ENROLLED,
        actor=user,
        object_type="user",
        object_id=user.id,
    )
    return codes


def _hash_recovery(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; return the new ones in plain text (shown once)."""
    db.session.execute(
        sa.delete(RecoveryCode)
        .where(RecoveryCode.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    codes = []
    now = utcnow()
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        salt = secrets.token_hex(16)
        db.session.add(
            RecoveryCode(
                user_id=user.id, salt=salt, code_hash=_hash_recovery(salt, raw), created_at=now
            )
        )
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def _use_recovery_code(user: User, cleaned: str) -> bool:
    if len(cleaned) != _RECOVERY_LENGTH:
        return False
    rows = db.session.scalars(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    for row in rows:
        if hmac.compare_digest(row.code_hash, _hash_recovery(row.salt, cleaned)):
            row.used_at = utcnow()
            db.session.flush()
            return True
    return False


def verify(user: User, code: str, *, now: float | None = None) -> Verification:
    """Check a sign-in code: TOTP (single use per step) or an unused recovery code. Audited."""
    row = get_mfa(user)
    cleaned = _clean_code(code)
    if row is not None and row.enrolled and row.secret is not None:
        step = _matching_step(row.secret, cleaned, row.last_timestep, now)
        if step is not None:
            row.last_timestep = step
            db.session.flush()
            record(
                AuditAction.MFA_VERIFIED,
                actor=user,
                object_type="user",
                object_id=user.id,
                detail="method=totp",
            )
            return Verification(True, "totp")
        if _use_recovery_code(user, cleaned):
            left = recovery_codes_left(user)
            record(
                AuditAction.MFA_VERIFIED,
                actor=user,
                object_type="user",
                object_id=user.id,
                detail=f"method=recovery_code; left={left}",
            )
            return Verification(True, "recovery", left)
    record(
        AuditAction.MFA_FAILED,
        actor=user,
        object_type="user",
        object_id=user.id,
        outcome=Outcome.DENIED,
    )
    return Verification(False)


def reset(user: User, *, actor: User) -> int:
    """Remove ``user``'s MFA set-up and recovery codes and end all their sessions.

    They must set MFA up again at their next sign-in. Returns the number of sessions ended.
    """
    db.session.execute(
        sa.delete(RecoveryCode)
        .where(RecoveryCode.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.delete(UserMfa)
        .where(UserMfa.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    ended = end_all_sessions(user, EndReason.MFA_RESET)
    db.session.flush()
    record(
        AuditAction.MFA_RESET,
        actor=actor,
        object_type="user",
        object_id=user.id,
        detail=f"sessions_ended={ended}",
    )
    return ended
