"""Users, their server-side sessions and one-time set-password tokens."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.agencies.models import Agency, MaracArea
from marac_app.db import (
    EncryptedString,
    Model,
    UTCDateTime,
    created_at,
    intpk,
    str_enum,
    str_long,
    str_short,
)


class Role(enum.StrEnum):
    """What a user does in the MARAC process; decides what they may see."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    CHAIR = "chair"
    AGENCY_REP = "agency_rep"
    DPO = "dpo"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def needs_area(self) -> bool:
        return self in (Role.COORDINATOR, Role.CHAIR)

    @property
    def needs_agency(self) -> bool:
        return self in (Role.AGENCY_REP, Role.COORDINATOR, Role.CHAIR)


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Administrator",
    Role.COORDINATOR: "MARAC coordinator",
    Role.CHAIR: "MARAC chair",
    Role.AGENCY_REP: "Agency representative",
    Role.DPO: "Data Protection Officer",
}


class User(Model):
    """A person who signs in. Email is unique case-insensitively (stored lower-cased)."""

    __tablename__ = "user_account"

    id: Mapped[intpk]
    email: Mapped[str_long] = mapped_column(unique=True)
    name: Mapped[str_short]
    job_title: Mapped[str_short] = mapped_column(default="", server_default="")
    role: Mapped[Role] = mapped_column(str_enum(Role))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("marac_area.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[created_at]
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optimistic locking: a second admin saving a stale form is told, not silently overwritten.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    agency: Mapped[Agency | None] = relationship(lazy="joined")
    area: Mapped[MaracArea | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    # Flask-Login protocol. The user object is loaded afresh on every request from the
    # server-side session, so these reflect the database now, never a cached value.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserArea(Model):
    """A MARAC area a person may work in (issue 15): a police officer covering two areas.

    ``User.area_id`` is the area they are working in now and decides every permission;
    these rows only say which areas they may switch to (``marac_app.auth.areas``). Set by
    admins on the user form, audited.
    """

    __tablename__ = "user_area"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("marac_area.id"), index=True)

    __table_args__ = (sa.UniqueConstraint("user_id", "area_id"),)


class UserSession(Model):
    """A signed-in session, decided on the server.

    The browser's cookie holds only a random token; this row holds its SHA-256. Ending the
    row (sign-out, deactivation, password change) refuses the cookie on the next request, even
    if someone copied it.
    """

    __tablename__ = "user_session"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[created_at]
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(sa.String(40))

    user: Mapped[User] = relationship()


class TokenPurpose(enum.StrEnum):
    SET_PASSWORD = "set_password"  # noqa: S105 - a token purpose, not a secret
    RESET_PASSWORD = "reset_password"  # noqa: S105 - self-service "forgot your password"


class PasswordToken(Model):
    """A one-time, expiring link to set a password. Only the token's hash is stored."""

    __tablename__ = "password_token"

    id: Mapped[intpk]
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose))
    created_at: Mapped[created_at]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class UserMfa(Model):
    """A user's TOTP (authenticator app) set-up. At most one row per user.

    ``secret`` is the confirmed key; ``pending_secret`` a key being set up and not yet
    confirmed with a code (the confirmed one keeps working until then). ``last_timestep``
    is the 30-second step of the last accepted code: a code for that step or an earlier
    one is refused, so each code works once. Both keys are encrypted at rest
    (``EncryptedString``) and never logged or written to the audit trail.
    """

    __tablename__ = "user_mfa"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    secret: Mapped[str | None] = mapped_column(EncryptedString())
    pending_secret: Mapped[str | None] = mapped_column(EncryptedString())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_timestep: Mapped[int | None] = mapped_column(sa.BigInteger())
    created_at: Mapped[created_at]

    user: Mapped[User] = relationship()

    @property
    def enrolled(self) -> bool:
        return self.secret is not None and self.confirmed_at is not None


class RecoveryCode(Model):
    """A one-time recovery code, stored as a salted SHA-256 (the codes are random, 50 bits)."""

    __tablename__ = "mfa_recovery_code"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    salt: Mapped[str] = mapped_column(sa.String(32))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[created_at]
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
