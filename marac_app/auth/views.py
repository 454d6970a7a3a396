"""Sign-in, sign-out and set-password pages."""

from __future__ import annotations

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

from marac_app.audit import Outcome, record
from marac_app.auth import services
from marac_app.auth.forms import SetPasswordForm, SignInForm
from marac_app.auth.sessions import SESSION_KEY, EndReason, end_current_session, start_session
from marac_app.common.errors import ServiceError
from marac_app.extensions import db, limiter
from marac_app.permissions import public, safe_next, signed_in

bp = Blueprint("auth", __name__)

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
        "sign_in_throttled",
        actor=user,
        object_type="user" if user else None,
        object_id=user.id if user else None,
        outcome=Outcome.DENIED,
    )
    db.session.commit()


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
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            destination = safe_next(request.args.get("next")) or url_for("main.home")
            # A fresh session at sign-in: nothing from before it survives (session fixation).
            session.clear()
            token = start_session(user)
            session[SESSION_KEY] = token
            login_user(user)
            generate_csrf()
            db.session.commit()
            return redirect(destination)
        db.session.commit()
        form.email.errors = ["Enter a correct email address and password"]
        form.password.errors = []
        form.password.data = ""
        return render_template("auth/sign_in.html", form=form, notice=None), 401
    status = 400 if form.is_submitted() else 200
    return render_template("auth/sign_in.html", form=form, notice=notice), status


@bp.route("/sign-out", methods=["POST"])
@signed_in
def sign_out() -> ResponseReturnValue:
    record("sign_out", object_type="user", object_id=current_user.id)
    end_current_session(EndReason.SIGNED_OUT)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def set_password(token: str) -> ResponseReturnValue:
    row = services.find_valid_token(token)
    if row is None:
        return render_template("auth/link_expired.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.use_set_password_token(token, form.password.data, form.confirm.data)
        except ServiceError as error:
            db.session.rollback()
            getattr(form, error.field or "password").errors = [error.message]
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash("Your password has been set. Sign in with it now.")
            return redirect(url_for("auth.sign_in"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/set_password.html", form=form, user=row.user), status
