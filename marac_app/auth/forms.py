"""Sign-in and password forms (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional

from marac_app.common.forms import ConfirmForm as ConfirmActionForm  # noqa: F401 - re-export
from marac_app.common.forms import MaracForm


def strip(value: str | None) -> str | None:
    """Spaces around a pasted email address are a slip, not an error."""
    return value.strip() if isinstance(value, str) else value


class SignInForm(MaracForm):
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[
            InputRequired("Enter your email address"),
            Length(max=255, message="Email address must be 255 characters or fewer"),
            Email(
                "Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[
            InputRequired("Enter your password"),
            Length(max=256, message="Password must be 256 characters or fewer"),
        ],
    )


class SetPasswordForm(MaracForm):
    password = PasswordField(
        "New password",
        validators=[
            InputRequired("Enter a new password"),
            Length(max=256, message="Password must be 256 characters or fewer"),
        ],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[InputRequired("Confirm your new password")],
    )


class CodeForm(MaracForm):
    """A two-factor code: 6 digits from the app, or a recovery code."""

    code = StringField(
        "Security code",
        filters=[strip],
        validators=[
            InputRequired("Enter the 6-digit code from your authenticator app"),
            Length(max=32, message="Enter the 6-digit code from your authenticator app"),
        ],
    )


class AccountMfaForm(CodeForm):
    """Setting up a new authenticator app while one is set up asks for the password too."""

    password = PasswordField(
        "Your password",
        validators=[
            Optional(),
            Length(max=256, message="Password must be 256 characters or fewer"),
        ],
    )


class ResetRequestForm(MaracForm):
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[
            InputRequired("Enter your email address"),
            Length(max=255, message="Email address must be 255 characters or fewer"),
            Email(
                "Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )


class ChangePasswordForm(MaracForm):
    current = PasswordField(
        "Current password",
        validators=[
            InputRequired("Enter your current password"),
            Length(max=256, message="Password must be 256 characters or fewer"),
        ],
    )
    password = PasswordField(
        "New password",
        validators=[
            InputRequired("Enter a new password"),
            Length(max=256, message="Password must be 256 characters or fewer"),
        ],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[InputRequired("Confirm your new password")],
    )
