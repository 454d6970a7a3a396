"""Business operations for users and sign-in. Services flush, never commit, never read request."""

from __future__ import annotations

import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from marac_app import mail
from marac_app.agencies.models import Agency, MaracArea
from marac_app.audit import Outcome, record
from marac_app.audit_actions import AuditAction
from marac_app.auth import passwords
from marac_app.auth.models import PasswordToken, Role, TokenPurpose, User
from marac_app.auth.sessions import EndReason, end_all_sessions, hash_token
from marac_app.common.errors import ConflictError, ServiceError
from marac_app.db import utcnow
from marac_app.extensions import db

logger = logging.getLogger(__name__)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str, *, final: bool = True) -> User | None:
    """Return the active user whose password matches, or None. Audits either way.

    The password is always verified against some hash, so a missing account takes as long
    as a wrong password. With ``final=False`` the caller records what happens next
    (``password_accepted`` then ``complete_sign_in`` after the two-factor code).
    """
    user = find_user_by_email(email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        record(
            AuditAction.SIGN_IN_FAILED,
            actor=user,
            object_type="user" if user else None,
            object_id=user.id if user else None,
            outcome=Outcome.DENIED,
            detail="inactive" if user is not None and ok else None,
        )
        return None
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    if final:
        complete_sign_in(user)
    return user


def password_accepted(user: User) -> None:
    """Record that the password was right and a two-factor code is asked next."""
    record(AuditAction.SIGN_IN_PASSWORD_ACCEPTED, actor=user, object_type="user", object_id=user.id)


def complete_sign_in(user: User, method: str | None = None) -> None:
    """Record a finished sign-in (after the password, and the second factor if asked)."""
    user.last_sign_in_at = utcnow()
    record(
        AuditAction.SIGN_IN,
        actor=user,
        object_type="user",
        object_id=user.id,
        detail=f"mfa={method}" if method else None,
    )


def context_for(user: User) -> list[str]:
    """Words this user's password must not be built from."""
    words = [user.name, user.email]
    if user.agency is not None:
        words.append(user.agency.name)
    words.extend(db.session.scalars(sa.select(Agency.name)).all())
    words.extend(db.session.scalars(sa.select(MaracArea.name)).all())
    return words


def check_password(user: User, password: str, confirm: str | None = None) -> None:
    """Raise ServiceError (field ``password``) if the password breaks the policy."""
    problem = passwords.password_problem(password, context_for(user))
    if problem:
        raise ServiceError(problem, field="password")
    if confirm is not None and confirm != password:
        raise ServiceError("Passwords do not match", field="confirm")


def set_password(
    user: User,
    password: str,
    *,
    reason: str = EndReason.PASSWORD_CHANGED,
    keep_current: bool = False,
) -> int:
    """Set a new password (policy-checked) and end every session the user has.

    With ``keep_current`` the session of the request making the change survives (the user
    changing their own password stays signed in; everywhere else is signed out). Returns
    the number of sessions ended.
    """
    check_password(user, password)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    ended = end_all_sessions(user, reason, except_current=keep_current)
    db.session.flush()
    return ended


def change_password(user: User, current: str, new: str, confirm: str) -> int:
    """The signed-in user changes their password: the current one is needed.

    Ends the user's other sessions (this one stays). Raises ServiceError with the field
    (``current``, ``password`` or ``confirm``). Returns the number of sessions ended.
    """
    if not passwords.verify_password(user.password_hash, current):
        record(
            AuditAction.PASSWORD_CHANGE_FAILED,
            actor=user,
            object_type="user",
            object_id=user.id,
            outcome=Outcome.DENIED,
            detail="current password wrong",
        )
        raise ServiceError("Your current password is not correct", field="current")
    if new == current:
        raise ServiceError(
            "Your new password must be different from your current one", field="password"
        )
    check_password(user, new, confirm)
    ended = set_password(user, new, keep_current=True)
    record(
        AuditAction.PASSWORD_CHANGED,
        actor=user,
        object_type="user",
        object_id=user.id,
        detail=f"other_sessions_ended={ended}",
    )
    return ended


def end_other_sessions(user: User) -> int:
    """Sign ``user`` out everywhere except this session. Audited; returns how many ended."""
    ended = end_all_sessions(user, EndReason.SIGNED_OUT_ELSEWHERE, except_current=True)
    db.session.flush()
    record(
        AuditAction.OTHER_SESSIONS_ENDED,
        actor=user,
        object_type="user",
        object_id=user.id,
        detail=f"sessions_ended={ended}",
    )
    return ended


# --- One-time set-password links -------------------------------------------------------


def issue_password_token(
    user: User, *, purpose: TokenPurpose, actor: User | None, hours: int
) -> str:
    """Create a one-time link token for ``user`` (earlier unused tokens are voided)."""
    now = utcnow()
    db.session.execute(
        sa.update(PasswordToken)
        .where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordToken(
            token_hash=hash_token(token),
            user_id=user.id,
            purpose=purpose,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    action = (
        AuditAction.PASSWORD_RESET_LINK_ISSUED
        if purpose == TokenPurpose.RESET_PASSWORD
        else AuditAction.SET_PASSWORD_LINK_ISSUED
    )
    record(action, actor=actor, object_type="user", object_id=user.id)
    return token


def issue_set_password_token(user: User, *, actor: User | None, hours: int) -> str:
    """Create a one-time set-password link token (an admin sends it)."""
    return issue_password_token(user, purpose=TokenPurpose.SET_PASSWORD, actor=actor, hours=hours)


def send_set_password_link(user: User, *, actor: User | None) -> None:
    """Issue a set-password token for ``user`` and email them the one-time link.

    The one set-password email of the app (an admin adding a user, a coordinator inviting
    someone without an account). It carries the person's own name and the link, nothing
    else. Raises ServiceError when the email cannot be sent; the caller rolls back, so the
    token goes with it.
    """
    hours = current_app.config["SET_PASSWORD_TOKEN_HOURS"]
    token = issue_set_password_token(user, actor=actor, hours=hours)
    link = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/set-password/{token}"
    message = mail.build_message(
        user.email,
        "Set your MARAC Manager password",
        f"Hello {user.name},\n\nUse this link to set your password for MARAC Manager. "
        f"It works once and expires in {hours} hours.\n\n{link}\n\n"
        "If you did not expect this email, tell your MARAC coordinator.\n",
    )
    try:
        mail.send(message)
    except (OSError, smtplib.SMTPException) as error:
        raise ServiceError(
            "The email with the set-password link could not be sent. Try again later"
        ) from error


def find_valid_token(token: str, purpose: TokenPurpose | None = None) -> PasswordToken | None:
    row = db.session.scalar(
        sa.select(PasswordToken).where(PasswordToken.token_hash == hash_token(token or ""))
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    if purpose is not None and row.purpose != purpose:
        return None
    if not row.user.active:
        return None
    return row


def use_set_password_token(token: str, password: str, confirm: str) -> User:
    """Set the password through a one-time token. Raises ServiceError if refused."""
    row = find_valid_token(token)
    if row is None:
        raise ServiceError("This link has expired or has already been used")
    check_password(row.user, password, confirm)
    row.used_at = utcnow()
    set_password(row.user, password)
    record(AuditAction.PASSWORD_SET, actor=row.user, object_type="user", object_id=row.user.id)
    return row.user


# --- Self-service password reset ("Forgot your password?") ------------------------------


def request_password_reset(email: str, *, hours: int) -> tuple[User, str] | None:
    """Issue a reset token when ``email`` belongs to an active user; None otherwise.

    The caller shows the same page either way. Audited without the typed email.
    """
    user = find_user_by_email(email)
    if user is None or not user.active or user.password_hash is None:
        record(
            AuditAction.PASSWORD_RESET_REQUESTED,
            outcome=Outcome.DENIED,
            object_type="user" if user else None,
            object_id=user.id if user else None,
            detail="no active account with a password",
        )
        return None
    token = issue_password_token(user, purpose=TokenPurpose.RESET_PASSWORD, actor=None, hours=hours)
    return user, token


def use_reset_token(token: str, password: str, confirm: str) -> User:
    """Set a new password through a reset link; every session of the user ends.

    Two-factor authentication is untouched: the next sign-in still asks for a code.
    """
    row = find_valid_token(token, TokenPurpose.RESET_PASSWORD)
    if row is None:
        raise ServiceError("This link has expired or has already been used")
    check_password(row.user, password, confirm)
    row.used_at = utcnow()
    ended = set_password(row.user, password, reason=EndReason.PASSWORD_RESET)
    record(
        AuditAction.PASSWORD_RESET,
        actor=row.user,
        object_type="user",
        object_id=row.user.id,
        detail=f"sessions_ended={ended}",
    )
    return row.user


# --- User administration ---------------------------------------------------------------


@dataclass
class UserDetails:
    email: str
    name: str
    job_title: str
    role: Role
    agency_id: int | None
    area_id: int | None


def _validate_details(details: UserDetails, *, existing: User | None = None) -> None:
    email = normalise_email(details.email)
    clash = find_user_by_email(email)
    if clash is not None and clash is not existing:
        raise ServiceError("A user with this email address already exists", field="email")
    if details.role.needs_agency and details.agency_id is None:
        raise ServiceError(
            f"Select the agency of this {details.role.label.lower()}", field="agency"
        )
    if details.role.needs_area and details.area_id is None:
        raise ServiceError(
            f"Select the MARAC area of this {details.role.label.lower()}", field="area"
        )
    if details.agency_id is not None and db.session.get(Agency, details.agency_id) is None:
        raise ServiceError("Select an agency from the list", field="agency")
    if details.area_id is not None and db.session.get(MaracArea, details.area_id) is None:
        raise ServiceError("Select a MARAC area from the list", field="area")


def create_user(details: UserDetails, *, actor: User | None) -> User:
    """Create a user without a password; they set one through a one-time link."""
    _validate_details(details)
    user = User(
        email=normalise_email(details.email),
        name=details.name.strip(),
        job_title=details.job_title.strip(),
        role=details.role,
        agency_id=details.agency_id,
        area_id=details.area_id,
    )
    db.session.add(user)
    db.session.flush()
    record(
        AuditAction.USER_CREATED,
        actor=actor,
        object_type="user",
        object_id=user.id,
        detail=f"role={user.role}",
    )
    logger.info("user %s created by %s", user.id, actor.id if actor else "cli")
    return user


def update_user(user: User, details: UserDetails, *, version: int, actor: User) -> User:
    """Change a user's details. Raises ConflictError if someone saved it since ``version``."""
    if user.version != version:
        raise ConflictError(
            "Someone else changed this user while you were editing. Check their details and "
            "make your change again"
        )
    _validate_details(details, existing=user)
    changed = []
    for field, value in (
        ("email", normalise_email(details.email)),
        ("name", details.name.strip()),
        ("job_title", details.job_title.strip()),
        ("role", details.role),
        ("agency_id", details.agency_id),
        ("area_id", details.area_id),
    ):
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        db.session.flush()
        record(
            AuditAction.USER_UPDATED,
            actor=actor,
            object_type="user",
            object_id=user.id,
            detail="changed: " + ", ".join(changed),
        )
        if {"role", "agency_id", "area_id"} & set(changed):
            # Access follows role and agency: start again from a fresh sign-in.
            end_all_sessions(user, "access_changed")
    return user


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Deactivate (ending every session at once) or reactivate a user."""
    if user.id == actor.id and not active:
        raise ServiceError("You cannot deactivate your own account")
    user.active = active
    if not active:
        end_all_sessions(user, EndReason.DEACTIVATED)
    db.session.flush()
    record(
        AuditAction.USER_DEACTIVATED if not active else AuditAction.USER_REACTIVATED,
        actor=actor,
        object_type="user",
        object_id=user.id,
    )
