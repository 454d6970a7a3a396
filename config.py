"""Configuration for MARAC Manager.

Three configurations — Development, Testing and Production — each read from ``MARAC_*``
environment variables when ``create_app`` builds the app (never at import time). Production
refuses to start without a secret key and a database URL: there are no fallback secrets.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """Raised when the environment cannot make a safe configuration."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class BaseConfig:
    """Settings shared by every environment. Subclasses override in ``load``."""

    ENV_NAME = "base"

    def load(self) -> dict[str, object]:
        idle_minutes = _env_int("MARAC_IDLE_TIMEOUT_MINUTES", 30)
        absolute_hours = _env_int("MARAC_ABSOLUTE_TIMEOUT_HOURS", 12)
        return {
            "ENV_NAME": self.ENV_NAME,
            "SERVICE_NAME": "MARAC Manager",
            "SECRET_KEY": _env("MARAC_SECRET_KEY"),
            # Key for secrets encrypted at rest (TOTP keys); defaults to one derived from
            # MARAC_SECRET_KEY. Set it separately to rotate the session key independently.
            "DATA_ENCRYPTION_KEY": _env("MARAC_DATA_ENCRYPTION_KEY"),
            "SQLALCHEMY_DATABASE_URI": _env("MARAC_DATABASE_URL"),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "SQLITE_BUSY_TIMEOUT_MS": _env_int("MARAC_SQLITE_BUSY_TIMEOUT_MS", 5000),
            # Sessions: the cookie carries only a random session token; the server decides.
            "SESSION_COOKIE_NAME": "marac_session",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": _env_bool("MARAC_SECURE_COOKIES", False),
            "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
            # The *_SECONDS knobs are for tests of the timeout warning only (minutes/hours
            # are the settings to use); either, when set, wins.
            "SESSION_IDLE_TIMEOUT": timedelta(
                seconds=_env_int("MARAC_IDLE_TIMEOUT_SECONDS", idle_minutes * 60)
            ),
            "SESSION_ABSOLUTE_TIMEOUT": timedelta(
                seconds=_env_int("MARAC_ABSOLUTE_TIMEOUT_SECONDS", absolute_hours * 3600)
            ),
            # The timeout warning opens this long before either timeout (WCAG 2.2.1); the
            # MARAC_SESSION_WARNING_SECONDS knob is for tests of the warning only.
            "SESSION_WARNING_SECONDS": _env_int("MARAC_SESSION_WARNING_SECONDS", 120),
            "PERMANENT_SESSION_LIFETIME": timedelta(hours=absolute_hours),
            "WTF_CSRF_ENABLED": True,
            "WTF_CSRF_TIME_LIMIT": None,  # the session itself expires; a stale form still fails
            # Sign-in throttling (Flask-Limiter). Per account and per client IP.
            "RATELIMIT_STORAGE_URI": _env("MARAC_RATELIMIT_STORAGE_URI", "memory://"),
            "RATELIMIT_HEADERS_ENABLED": False,
            "SIGN_IN_LIMIT_PER_ACCOUNT": _env(
                "MARAC_SIGN_IN_LIMIT_PER_ACCOUNT", "10 per 15 minutes"
            ),
            "SIGN_IN_LIMIT_PER_IP": _env("MARAC_SIGN_IN_LIMIT_PER_IP", "30 per 15 minutes"),
            # argon2id cost (marac_app/auth/passwords.py PROFILES); only the tests lower it.
            "ARGON2_PROFILE": "production",
            "SET_PASSWORD_TOKEN_HOURS": _env_int("MARAC_SET_PASSWORD_TOKEN_HOURS", 24),
            # Two-factor authentication (TOTP). Production forces it on; development may switch
            # it off (every signed-in page then shows a warning banner).
            "MFA_REQUIRED": _env_bool("MARAC_MFA_REQUIRED", False),
            "MFA_ISSUER": _env("MARAC_MFA_ISSUER", "MARAC Manager"),
            "MFA_VERIFY_LIMIT": _env("MARAC_MFA_VERIFY_LIMIT", "5 per 5 minutes"),
            "MFA_PENDING_MINUTES": _env_int("MARAC_MFA_PENDING_MINUTES", 10),
            # Self-service password reset ("Forgot your password?").
            "PASSWORD_RESET_TOKEN_HOURS": 1,
            "PASSWORD_RESET_LIMIT_PER_EMAIL": _env(
                "MARAC_PASSWORD_RESET_LIMIT_PER_EMAIL", "3 per hour"
            ),
            "PASSWORD_RESET_LIMIT_PER_IP": _env("MARAC_PASSWORD_RESET_LIMIT_PER_IP", "20 per hour"),
            "CHANGE_PASSWORD_LIMIT": _env("MARAC_CHANGE_PASSWORD_LIMIT", "5 per 15 minutes"),
            "ISP_GRACE_DAYS": _env_int("MARAC_ISP_GRACE_DAYS", 30),
            # Strict-Transport-Security: always on in production; MARAC_HSTS=1 for any other
            # deployment served over HTTPS.
            "HSTS": _env_bool("MARAC_HSTS", False),
            # Mail: SMTP when MARAC_SMTP_HOST is set, otherwise messages go to the outbox folder.
            "SMTP_HOST": _env("MARAC_SMTP_HOST"),
            "SMTP_PORT": _env_int("MARAC_SMTP_PORT", 25),
            "SMTP_USERNAME": _env("MARAC_SMTP_USERNAME"),
            "SMTP_PASSWORD": _env("MARAC_SMTP_PASSWORD"),
            "SMTP_STARTTLS": _env_bool("MARAC_SMTP_STARTTLS", False),
            "MAIL_FROM": _env("MARAC_MAIL_FROM", "marac-manager@localhost"),
            "OUTBOX_DIR": _env("MARAC_OUTBOX_DIR", str(INSTANCE / "outbox")),
            "PUBLIC_BASE_URL": _env("MARAC_PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
            # Meetings: referral cut-off and case-list circulation, in working days before.
            "REFERRAL_CUTOFF_WORKING_DAYS": _env_int("MARAC_REFERRAL_CUTOFF_WORKING_DAYS", 8),
            "CASE_LIST_WORKING_DAYS": _env_int("MARAC_CASE_LIST_WORKING_DAYS", 5),
            "LOG_LEVEL": _env("MARAC_LOG_LEVEL", "INFO"),
            # Referrals: potential escalation and the repeat-referral window.
            "ESCALATION_INCIDENTS": _env_int("MARAC_ESCALATION_INCIDENTS", 3),
            "ESCALATION_WINDOW_MONTHS": _env_int("MARAC_ESCALATION_WINDOW_MONTHS", 12),
            "REPEAT_WINDOW_DAYS": _env_int("MARAC_REPEAT_WINDOW_DAYS", 365),
            # Chasing actions (marac_app/action_items/chasing.py): "due soon" means within this
            # many days; the chair's digest goes this many days before each meeting; an agency
            # is not chased by hand twice within this many minutes.
            "CHASE_DUE_SOON_DAYS": _env_int("MARAC_CHASE_DUE_SOON_DAYS", 7),
            "CHASE_DIGEST_DAYS_BEFORE": _env_int("MARAC_CHASE_DIGEST_DAYS_BEFORE", 2),
            "CHASE_AGAIN_AFTER_MINUTES": _env_int("MARAC_CHASE_AGAIN_AFTER_MINUTES", 10),
            # Background jobs: "thread" (in-process, the embedded default), "rq" (Redis Queue,
            # production: run `make worker`) or "inline" (tests and the CLI).
            "JOBS_BACKEND": _env("MARAC_JOBS_BACKEND", "thread"),
            "REDIS_URL": _env("MARAC_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "JOBS_TIMEOUT_SECONDS": _env_int("MARAC_JOBS_TIMEOUT_SECONDS", 600),
            # With the "thread" backend the daily jobs (chasing actions) run in the serving
            # process (marac_app/jobs/daily.py); 0 leaves them to a scheduler or timer.
            "DAILY_JOBS_IN_PROCESS": _env("MARAC_DAILY_JOBS_IN_PROCESS", "1") != "0",
            # Number of trusted reverse proxies in front (X-Forwarded-For/Proto); 0 = none.
            "PROXY_FIX_HOPS": _env_int("MARAC_PROXY_FIX_HOPS", 0),
        }


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"

    def load(self) -> dict[str, object]:
        values = super().load()
        INSTANCE.mkdir(exist_ok=True)
        values["SQLALCHEMY_DATABASE_URI"] = values["SQLALCHEMY_DATABASE_URI"] or _sqlite_url(
            INSTANCE / "marac.sqlite3"
        )
        values["SECRET_KEY"] = values["SECRET_KEY"] or _development_secret()
        return values


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"

    def load(self) -> dict[str, object]:
        values = super().load()
        values.update(
            TESTING=True,
            SECRET_KEY=secrets.token_hex(32),
            SQLALCHEMY_DATABASE_URI=_env("MARAC_TEST_DATABASE_URL", "sqlite://"),
            RATELIMIT_STORAGE_URI="memory://",
            SMTP_HOST=None,
            PROPAGATE_UNEXPECTED=True,
            MFA_REQUIRED=False,  # MFA's own tests switch it on; others sign in with a password
            JOBS_BACKEND="inline",
            ARGON2_PROFILE="testing",  # cheap hashes: the suite is not a password cracker
        )
        return values


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"

    def load(self) -> dict[str, object]:
        values = super().load()
        for key, variable in (
            ("SECRET_KEY", "MARAC_SECRET_KEY"),
            ("SQLALCHEMY_DATABASE_URI", "MARAC_DATABASE_URL"),
        ):
            if not values[key]:
                raise ConfigError(f"{variable} must be set in production.")
        if len(str(values["SECRET_KEY"])) < 32:
            raise ConfigError("MARAC_SECRET_KEY must be at least 32 characters in production.")
        values.update(SESSION_COOKIE_SECURE=True, HSTS=True, MFA_REQUIRED=True)
        # "__Host-": the browser keeps the cookie only when it is Secure, for Path=/ and with
        # no Domain, so neither a sibling subdomain nor plain HTTP can set or shadow it. The
        # session (which also holds the CSRF token) is the only cookie the app sets.
        values.update(
            SESSION_COOKIE_NAME="__Host-marac_session",
            SESSION_COOKIE_PATH="/",
            SESSION_COOKIE_DOMAIN=None,
        )
        if not _env("MARAC_JOBS_BACKEND"):
            values["JOBS_BACKEND"] = "rq"  # several workers: slow work goes through Redis
        return values


def _development_secret() -> str:
    """A per-checkout secret kept in instance/ so development sessions survive restarts."""
    path = INSTANCE / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> dict[str, object]:
    """Return the settings for ``name`` (default ``MARAC_ENV`` or development)."""
    name = name or _env("MARAC_ENV", "development") or "development"
    try:
        config_class = CONFIGS[name]
    except KeyError as exc:
        raise ConfigError(f"MARAC_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from exc
    return config_class().load()
