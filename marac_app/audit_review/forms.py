"""Search forms for the audit trail (GET forms: no CSRF token, nothing changes)."""

from __future__ import annotations

import re

from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, Regexp

from marac_app.audit import Outcome
from marac_app.audit_review import services
from marac_app.audit_review.services import AuditFilters
from marac_app.common.dates import GovukDateField
from marac_app.common.forms import MaracForm
from marac_app.common.ids import parse_id
from marac_app.common.time import london_day_bounds

REFERENCE_RE = re.compile(r"^[A-Za-z]{2,8}-\d{4}-\d{1,6}$")


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class _GetForm(MaracForm):
    class Meta:
        csrf = False


OUTCOME_CHOICES = [SelectChoice("", "Any outcome")] + [
    SelectChoice(o.value, o.value.capitalize()) for o in Outcome
]


class AuditSearchForm(_GetForm):
    actor = StringField(
        "Person (email address or user id)",
        filters=[_strip],
        validators=[Optional(), Length(max=255, message="Person must be 255 characters or fewer")],
    )
    case_reference = StringField(
        "Case reference",
        filters=[_strip],
        validators=[
            Optional(),
            Regexp(REFERENCE_RE.pattern, message="Enter a case reference like CAM-2026-0042"),
        ],
    )
    object_type = StringField(
        "Object type",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=40, message="Object type must be 40 characters or fewer"),
            Regexp(
                r"^[a-z_]+$",
                message="Object type must only include lower-case "
                "letters and underscores, like marac_case",
            ),
        ],
    )
    object_id = StringField(
        "Object id",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=64, message="Object id must be 64 characters or fewer"),
            Regexp(
                r"^[A-Za-z0-9_.:-]+$",
                message="Object id must only include letters, "
                "numbers, dots, colons, hyphens and underscores",
            ),
        ],
    )
    action = StringField(
        "Action",
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=64, message="Action must be 64 characters or fewer"),
            Regexp(
                r"^[a-z0-9_]+$",
                message="Action must only include lower-case "
                "letters, numbers and underscores, like case_viewed",
            ),
        ],
    )
    outcome = SelectField(
        "Outcome",
        choices=OUTCOME_CHOICES,
        validate_choice=False,
    )
    from_date = GovukDateField("Date from", required=False)
    to_date = GovukDateField("Date to", required=False)

    filters: AuditFilters | None = None

    def validate(self, extra_validators: object = None) -> bool:
        valid = super().validate(extra_validators)
        self.outcome.data = self.outcome.data or ""
        if self.outcome.data not in {choice.value for choice in OUTCOME_CHOICES}:
            self.outcome.errors = [*self.outcome.errors, "Select an outcome from the list"]
        start, end = self.from_date.data, self.to_date.data
        if start and end and end < start:
            self.to_date.errors = [
                *self.to_date.errors,
                "Date to must be the same as or after date from",
            ]
        actor_id = None
        actor = (self.actor.data or "").strip()
        if actor and not self.actor.errors:
            if actor.isdigit():
                actor_id = parse_id(actor)
                if actor_id is None:  # beyond any id: never sent to the database
                    self.actor.errors = [*self.actor.errors, "There is no user with that id"]
            elif "@" in actor:
                user = services.find_user_by_email(actor)
                if user is None:
                    self.actor.errors = [
                        *self.actor.errors,
                        "There is no user with that email address",
                    ]
                else:
                    actor_id = user.id
            else:
                self.actor.errors = [
                    *self.actor.errors,
                    "Enter the person's email address or user id",
                ]
        case_id = None
        reference = (self.case_reference.data or "").strip()
        if reference and not self.case_reference.errors:
            case_id = services.find_case_id(reference)
            if case_id is None:
                self.case_reference.errors = [
                    *self.case_reference.errors,
                    "There is no case with that reference",
                ]
        if any(f.errors for f in self) or not valid:
            return False
        names = [
            name
            for name, used in (
                ("person", actor),
                ("case", reference),
                ("object type", self.object_type.data),
                ("object id", self.object_id.data),
                ("action", self.action.data),
                ("outcome", self.outcome.data),
                ("date from", start),
                ("date to", end),
            )
            if used
        ]
        self.filters = AuditFilters(
            actor_id=actor_id,
            case_id=case_id,
            object_type=self.object_type.data or None,
            object_id=self.object_id.data or None,
            action=self.action.data or None,
            outcome=Outcome(self.outcome.data) if self.outcome.data else None,
            start=london_day_bounds(start)[0] if start else None,
            end=london_day_bounds(end)[1] if end else None,
            names=tuple(names),
        )
        return True


class CaseViewsForm(_GetForm):
    reference = StringField(
        "Case reference",
        filters=[_strip],
        validators=[
            Regexp(REFERENCE_RE.pattern, message="Enter a case reference like CAM-2026-0042")
        ],
    )
    case_id: int | None = None

    def validate(self, extra_validators: object = None) -> bool:
        reference = (self.reference.data or "").strip()
        self.reference.data = reference
        if not reference:
            self.reference.errors = ["Enter a case reference"]
            return False
        if not super().validate(extra_validators):
            return False
        self.case_id = services.find_case_id(reference)
        if self.case_id is None:
            self.reference.errors = ["There is no case with that reference"]
            return False
        return True
