"""Sign-in (with the two-factor step), sign-out, password links and the account page."""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Callable

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from limits import RateLimitItem, parse

from marac_app import mail
from marac_app.audit import Outcome, record
from marac_app.audit_actions import AuditAction
from marac_app.auth import area_views, mfa, passwords, services, session_views
from marac_app.auth.forms import (
    AccountMfaForm,
    ChangePasswordForm,
    CodeForm,
    ConfirmActionForm,
    ResetRequestForm,
    SetPasswordForm,
    SignInForm,
)
from marac_app.auth.models import TokenPurpose, User
from marac_app.auth.sessions import (
    SESSION_KEY,
    EndReason,
    count_other_sessions,
    end_current_session,
    start_session,
)
from marac_app.common.errors import ServiceError
from marac_app.common.transaction import Read, attempt, commit_only, render_read
from marac_app.extensions import db, limiter
from marac_app.permissions import public, safe_next, signed_in

logger = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)
# The session clock behind the timeout warning (auth/session_views.py).
session_views.register(bp)
# Changing the MARAC area a person in several is working in (auth/area_views.py).
area_views.register(bp)

SIGNED_OUT_MESSAGES = {
    EndReason.IDLE: "You were signed out because you had not done anything for a while.",
    EndReason.ABSOLUTE: "You were signed out because your session reached its time limit.",
    EndReason.DEACTIVATED: "Your account has been deactivated.",
}


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))


def _failed(response: object) -> bool:
    """Count an attempt against the limits only when it did not sign in."""
    return getattr(response, "status_code", 200) != 302


def _throttled(limit: object) -> None:
    """Audit a refused (throttled) sign-in attempt; the 429 page is the error handler's."""
    user = services.find_user_by_email(request.form.get("email", ""))
    record(
        AuditAction.SIGN_IN_THROTTLED,
        actor=user,
        object_type="user" if user else None,
        object_id=user.id if user else None,
        outcome=Outcome.DENIED,
    )
    commit_only()


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    on_breach=_throttled,
    scope="sign-in-account",
)
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_IP"],
    methods=["POST"],
    deduct_when=_failed,
    on_breach=_throttled,
    scope="sign-in-ip",
)
@public
def sign_in() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    reason = session.pop("signed_out_reason", None)
    notice = SIGNED_OUT_MESSAGES.get(reason) if reason else None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data, final=False)
        if user is not None:
            destination = safe_next(request.args.get("next")) or url_for("main.home")
            if mfa.mfa_needed(user, current_app.config["MFA_REQUIRED"]):
                # Not signed in yet: only a short-lived "password accepted" note in the
                # session until the second factor is given.
                attempt(lambda: services.password_accepted(user))
                _start_pending(user, destination)
                step = "auth.mfa_verify" if mfa.is_enrolled(user) else "auth.mfa_setup"
                return redirect(url_for(step))
            attempt(lambda: _complete_sign_in(user))
            return redirect(destination)
        commit_only()  # keep the audit of the failed attempt
        form.email.errors = ["Enter a correct email address and password"]
        form.password.errors = []
        form.password.data = ""
        return render_template("auth/sign_in.html", form=form, notice=None), 401
    status = 400 if form.is_submitted() else 200
    return render_template("auth/sign_in.html", form=form, notice=notice), status


def _complete_sign_in(user: User, method: str | None = None) -> None:
    """Record the sign-in (``method``: the second factor used) and start its session."""
    services.complete_sign_in(user, method)
    _finish_sign_in(user)


def _finish_sign_in(user: User) -> None:
    """Start the server session. A fresh one: nothing from before it survives (fixation)."""
    session.clear()
    token = start_session(user)
    session[SESSION_KEY] = token
    login_user(user)
    generate_csrf()


# --- Second step of sign-in: the two-factor code ------------------------------------------

PENDING_KEY = "mfa_pending"


def _start_pending(user: User, destination: str) -> None:
    session.clear()
    session[PENDING_KEY] = {"uid": user.id, "at": int(time.time()), "next": destination}


def _pending() -> tuple[User, str] | None:
    """The user whose password was accepted moments ago, and where they were going."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    try:
        user_id, started = int(data["uid"]), int(data["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if time.time() - started > current_app.config["MFA_PENDING_MINUTES"] * 60:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    return user, safe_next(data.get("next")) or url_for("main.home")


def _pending_expired() -> ResponseReturnValue:
    session.pop(PENDING_KEY, None)
    flash("Your sign-in timed out. Enter your email address and password again.", "error")
    return redirect(url_for("auth.sign_in"))


def _mfa_limit() -> RateLimitItem:
    return parse(current_app.config["MFA_VERIFY_LIMIT"])


def _mfa_throttled(user: User) -> bool:
    return not limiter.limiter.test(_mfa_limit(), "mfa-verify", str(user.id))


def _mfa_count_failure(user: User) -> None:
    limiter.limiter.hit(_mfa_limit(), "mfa-verify", str(user.id))


def _minutes(item: RateLimitItem) -> int:
    return max(1, round(item.get_expiry() / 60))


def _mfa_throttled_page(user: User) -> ResponseReturnValue:
    # Called before anything of the request is pending: the refusal alone is committed.
    record(
        AuditAction.MFA_THROTTLED,
        actor=user,
        object_type="user",
        object_id=user.id,
        outcome=Outcome.DENIED,
    )
    commit_only()
    return render_template(
        "auth/throttled.html",
        title="Too many attempts",
        what="to enter a security code for this account",
        minutes=_minutes(_mfa_limit()),
    ), 429


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
def mfa_verify() -> ResponseReturnValue:
    pending = _pending()
    if pending is None:
        return _pending_expired()
    user, destination = pending
    if not mfa.is_enrolled(user):
        return redirect(url_for("auth.mfa_setup"))
    form = CodeForm()
    if form.validate_on_submit():
        if _mfa_throttled(user):
            return _mfa_throttled_page(user)
        result = mfa.verify(user, form.code.data)
        if result.ok:
            attempt(lambda: _complete_sign_in(user, result.method))
            if result.method == "recovery":
                flash(
                    f"You used a recovery code. You have {result.recovery_codes_left} left. "
                    "Each code works once."
                )
            return redirect(destination)
        _mfa_count_failure(user)
        commit_only()  # keep the audit of the wrong code
        form.code.errors = [
            "The code is not correct or has been used already. Enter the code "
            "your authenticator app shows now, or a recovery code"
        ]
        form.code.data = ""
        return render_template("auth/mfa_verify.html", form=form), 401
    status = 400 if form.is_submitted() else 200
    return render_template("auth/mfa_verify.html", form=form), status


def _enrolment_page(
    user: User, form: CodeForm, secret: str, *, signed_in_user: bool, status: int = 200
) -> ResponseReturnValue:
    uri = mfa.provisioning_uri(user, secret, current_app.config["MFA_ISSUER"])
    return render_template(
        "auth/mfa_setup.html",
        form=form,
        qr=mfa.qr_svg_data_uri(uri),
        key=mfa.format_key(secret),
        signed_in_user=signed_in_user,
        enrolled=mfa.is_enrolled(user),
    ), status


def _confirm_enrolment(user: User, form: CodeForm) -> list[str] | ResponseReturnValue:
    """Check the code against the pending key; the codes, or a response to return."""
    if _mfa_throttled(user):
        return _mfa_throttled_page(user)
    try:
        codes = mfa.confirm_enrolment(user, form.code.data)
    except ServiceError as error:
        commit_only()  # keep the audit of the failed attempt
        _mfa_count_failure(user)
        form.code.errors = [error.message]
        form.code.data = ""
        return []
    return codes


def _enrolment_secret(user: User) -> str:
    """The key being set up (a new one when none is pending), committed."""
    secret = attempt(lambda: mfa.pending_secret(user) or mfa.start_enrolment(user)).value
    if secret is None:
        raise RuntimeError("no authenticator key could be started")
    return secret


@bp.route("/sign-in/set-up-two-factor", methods=["GET", "POST"])
@public
def mfa_setup() -> ResponseReturnValue:
    pending = _pending()
    if pending is None:
        return _pending_expired()
    user, destination = pending
    if mfa.is_enrolled(user):
        return redirect(url_for("auth.mfa_verify"))
    form = CodeForm()
    if form.validate_on_submit():
        outcome = _confirm_enrolment(user, form)
        if not isinstance(outcome, list):
            return outcome
        if outcome:
            attempt(lambda: _complete_sign_in(user, "totp_enrolment"))
            return render_template(
                "auth/recovery_codes.html", codes=outcome, destination=destination
            )
    secret = _enrolment_secret(user)
    status = 400 if form.is_submitted() else 200
    return _enrolment_page(user, form, secret, signed_in_user=False, status=status)


@bp.route("/sign-out", methods=["POST"])
@signed_in
def sign_out() -> ResponseReturnValue:
    def sign_out_now() -> None:
        record(AuditAction.SIGN_OUT, object_type="user", object_id=current_user.id)
        end_current_session(EndReason.SIGNED_OUT)

    attempt(sign_out_now)
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def set_password(token: str) -> ResponseReturnValue:
    return _password_from_link(
        token,
        TokenPurpose.SET_PASSWORD,
        services.use_set_password_token,
        "Your password has been set. Sign in with it now.",
    )


def _password_from_link(
    token: str,
    purpose: TokenPurpose,
    use: Callable[[str, str, str], object],
    done: str,
    **context: object,
) -> ResponseReturnValue:
    """The page behind a one-time password link (set by an admin's invitation, or reset):
    404 for a used, expired or wrong-purpose link; the policy's message on a weak password;
    after success everyone is signed out and sent to sign in."""
    row = services.find_valid_token(token, purpose)
    if row is None:
        return render_template("auth/link_expired.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        used = attempt(lambda: use(token, form.password.data, form.confirm.data))
        if used.error is not None:
            getattr(form, used.error.field or "password").errors = [used.error.message]
        else:
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash(done)
            return redirect(url_for("auth.sign_in"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/set_password.html", form=form, user=row.user, **context), status


# --- Forgotten password: a one-time link by email ------------------------------------------


def _reset_throttled(email: str) -> bool:
    """Count this request against the per-IP and per-email limits; True when over either."""
    config = current_app.config
    checks = (
        (parse(config["PASSWORD_RESET_LIMIT_PER_IP"]), "reset-ip", request.remote_addr or "-"),
        (
            parse(config["PASSWORD_RESET_LIMIT_PER_EMAIL"]),
            "reset-email",
            services.normalise_email(email),
        ),
    )
    if not all(limiter.limiter.test(item, scope, key) for item, scope, key in checks):
        return True
    for item, scope, key in checks:
        limiter.limiter.hit(item, scope, key)
    return False


def _send_reset_link(user: User, token: str) -> None:
    hours = current_app.config["PASSWORD_RESET_TOKEN_HOURS"]
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(
        "auth.reset_password", token=token
    )
    message = mail.build_message(
        user.email,
        "Reset your MARAC Manager password",
        f"Hello {user.name},\n\nSomeone (we hope you) asked to reset the password for your "
        f"MARAC Manager account. Use this link to choose a new password. It works once and "
        f"expires in {hours} hour{'s' if hours != 1 else ''}.\n\n{link}\n\n"
        "You will still need your authenticator app to sign in.\n\n"
        "If you did not ask for this, you can ignore this email, and tell your MARAC "
        "coordinator.\n",
    )
    try:
        mail.send(message)
    except (OSError, smtplib.SMTPException):
        # Say nothing different on the page: that would tell who has an account.
        logger.warning("password reset email for user %s could not be sent", user.id)


@bp.route("/reset-password", methods=["GET", "POST"])
@public
def reset_password_request() -> ResponseReturnValue:
    form = ResetRequestForm()
    if form.validate_on_submit():
        if _reset_throttled(form.email.data):
            record(AuditAction.PASSWORD_RESET_THROTTLED, outcome=Outcome.DENIED)
            commit_only()
            return render_template(
                "auth/throttled.html",
                title="Too many requests",
                what="to reset a password from your network or for this email address",
                minutes=60,
            ), 429
        issued = attempt(
            lambda: services.request_password_reset(
                form.email.data, hours=current_app.config["PASSWORD_RESET_TOKEN_HOURS"]
            )
        ).value
        if issued is not None:
            _send_reset_link(*issued)
        return redirect(url_for("auth.reset_password_sent"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/reset_request.html", form=form), status


@bp.route("/reset-password/sent")
@public
def reset_password_sent() -> ResponseReturnValue:
    return render_template("auth/reset_sent.html")


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> ResponseReturnValue:
    return _password_from_link(
        token,
        TokenPurpose.RESET_PASSWORD,
        services.use_reset_token,
        "Your password has been changed and you have been signed out everywhere. "
        "Sign in with your new password.",
        reset=True,
    )


# --- Your account ---------------------------------------------------------------------------


@bp.route("/account")
@signed_in
def account() -> ResponseReturnValue:
    user = current_user._get_current_object()
    row = mfa.get_mfa(user)
    return render_read(
        "auth/account.html",
        audit=Read(AuditAction.ACCOUNT_VIEWED, object_type="user", object_id=user.id),
        mfa_row=row if row is not None and row.enrolled else None,
        codes_left=mfa.recovery_codes_left(user),
        other_sessions=count_other_sessions(user),
        confirm=ConfirmActionForm(),
    )


def _change_password_limit() -> RateLimitItem:
    return parse(current_app.config["CHANGE_PASSWORD_LIMIT"])


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password() -> ResponseReturnValue:
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        item = _change_password_limit()
        if not limiter.limiter.test(item, "change-password", str(user.id)):
            record(
                AuditAction.PASSWORD_CHANGE_THROTTLED,
                object_type="user",
                object_id=user.id,
                outcome=Outcome.DENIED,
            )
            commit_only()
            return render_template(
                "auth/throttled.html",
                title="Too many attempts",
                what="to change the password of this account",
                minutes=_minutes(item),
            ), 429
        changed = attempt(
            lambda: services.change_password(
                user, form.current.data, form.password.data, form.confirm.data
            )
        )
        if changed.error is not None:
            error = changed.error
            if error.field == "current":
                # Audit the wrong guess (the rollback dropped it) and count it.
                record(
                    AuditAction.PASSWORD_CHANGE_FAILED,
                    object_type="user",
                    object_id=user.id,
                    outcome=Outcome.DENIED,
                    detail="current password wrong",
                )
                commit_only()
                limiter.limiter.hit(item, "change-password", str(user.id))
            getattr(form, error.field or "password").errors = [error.message]
        else:
            ended = changed.value
            elsewhere = (
                f" You have been signed out of {ended} other session"
                + ("s." if ended != 1 else ".")
                if ended
                else ""
            )
            flash("Your password has been changed." + elsewhere)
            return redirect(url_for("auth.account"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/change_password.html", form=form), status


@bp.route("/account/sign-out-other-sessions", methods=["POST"])
@signed_in
def end_other_sessions() -> ResponseReturnValue:
    if not ConfirmActionForm().validate_on_submit():
        return redirect(url_for("auth.account"))
    ended = attempt(lambda: services.end_other_sessions(current_user._get_current_object())).value
    flash(
        "You have been signed out of all other sessions."
        if ended
        else "You were not signed in anywhere else."
    )
    return redirect(url_for("auth.account"))


def _reauthenticated(user: User, form: AccountMfaForm) -> bool:
    """Replacing a working authenticator needs the password (not just a live session)."""
    if not mfa.is_enrolled(user):
        return True
    if not form.password.data:
        form.code.data = ""
        form.password.errors = ["Enter your password"]
        return False
    if passwords.verify_password(user.password_hash, form.password.data):
        return True
    form.code.data = ""
    record(
        AuditAction.MFA_REENROL_PASSWORD_WRONG,
        object_type="user",
        object_id=user.id,
        outcome=Outcome.DENIED,
    )
    commit_only()
    _mfa_count_failure(user)
    form.password.errors = ["Your password is not correct"]
    return False


@bp.route("/account/two-factor", methods=["GET", "POST"])
@signed_in
def account_mfa() -> ResponseReturnValue:
    """Set up (or set up again, e.g. on a new phone) the authenticator app."""
    user = current_user._get_current_object()
    form = AccountMfaForm()
    if form.validate_on_submit() and mfa.is_enrolled(user) and _mfa_throttled(user):
        return _mfa_throttled_page(user)
    if form.validate_on_submit() and _reauthenticated(user, form):
        outcome = _confirm_enrolment(user, form)
        if not isinstance(outcome, list):
            return outcome
        if outcome:
            commit_only()  # the confirmed enrolment
            return render_template(
                "auth/recovery_codes.html", codes=outcome, destination=url_for("auth.account")
            )
    secret = _enrolment_secret(user)
    status = 400 if form.is_submitted() else 200
    return _enrolment_page(user, form, secret, signed_in_user=True, status=status)
