"""People recorded on a referral: the victim, alleged perpetrator(s), and children and other
vulnerable adults in the household.

Demographic answers are nullable choices: NULL means "not recorded", which is different from
an answer such as "prefer not to say" or "not known" (the SafeLives data return counts a blank
apart from a zero). The derived flags below return None when the answer was not recorded or
not given, so counting "recorded and true" versus "not recorded" is one comparison each.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marac_app.db import Model, created_at, intpk, str_enum


class PersonRole(enum.StrEnum):
    VICTIM = "victim"
    PERPETRATOR = "perpetrator"
    CHILD = "child"
    VULNERABLE_ADULT = "vulnerable_adult"


PERSON_ROLE_LABELS = {
    PersonRole.VICTIM: "Victim",
    PersonRole.PERPETRATOR: "Alleged perpetrator",
    PersonRole.CHILD: "Child",
    PersonRole.VULNERABLE_ADULT: "Other vulnerable adult",
}


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"
    SELF_DESCRIBED = "self_described"
    NOT_KNOWN = "not_known"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


class Sexuality(enum.StrEnum):
    HETEROSEXUAL = "heterosexual"
    GAY_OR_LESBIAN = "gay_or_lesbian"
    BISEXUAL = "bisexual"
    OTHER = "other"
    NOT_KNOWN = "not_known"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


class Ethnicity(enum.StrEnum):
    WHITE_BRITISH = "white_british"
    WHITE_IRISH = "white_irish"
    GYPSY_ROMA_TRAVELLER = "gypsy_roma_traveller"
    WHITE_OTHER = "white_other"
    MIXED = "mixed"
    ASIAN = "asian"
    BLACK = "black"
    ARAB = "arab"
    OTHER = "other"
    NOT_KNOWN = "not_known"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


class Disability(enum.StrEnum):
    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


CHOICE_LABELS: dict[str, str] = {
    "female": "Female",
    "male": "Male",
    "non_binary": "Non-binary",
    "self_described": "Describes their gender another way",
    "heterosexual": "Heterosexual or straight",
    "gay_or_lesbian": "Gay or lesbian",
    "bisexual": "Bisexual",
    "other": "Other",
    "white_british": "White British",
    "white_irish": "White Irish",
    "gypsy_roma_traveller": "Gypsy, Roma or Irish Traveller",
    "white_other": "Any other White",
    "mixed": "Mixed or multiple ethnic groups",
    "asian": "Asian or Asian British",
    "black": "Black, Black British, Caribbean or African",
    "arab": "Arab",
    "yes": "Yes",
    "no": "No",
    "not_known": "Not known",
    "prefer_not_to_say": "Prefers not to say",
}

# No answer given: neither counted as yes nor as no in the data return.
_UNANSWERED = {"not_known", "prefer_not_to_say"}
# Racially minoritised, as counted for the SafeLives return (decision: White British, White
# Irish and any other White are not counted; Gypsy, Roma and Irish Traveller are).
_MINORITISED = {
    Ethnicity.GYPSY_ROMA_TRAVELLER,
    Ethnicity.MIXED,
    Ethnicity.ASIAN,
    Ethnicity.BLACK,
    Ethnicity.ARAB,
    Ethnicity.OTHER,
}


def normalise_name(name: str) -> str:
    """A name for matching: case-folded, accents and punctuation removed, spaces collapsed.

    "  Zoë  O'Brien-Smith " and "zoe obrien smith" normalise alike.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    no_apostrophes = re.sub(r"['’`]", "", without_accents)
    words = re.sub(r"[^\w]+|_", " ", no_apostrophes)
    return " ".join(words.split())


def age_on(date_of_birth: date | None, on: date) -> int | None:
    if date_of_birth is None:
        return None
    before_birthday = (on.month, on.day) < (date_of_birth.month, date_of_birth.day)
    return on.year - date_of_birth.year - int(before_birthday)


class Person(Model):
    """One person named on a referral, in one role."""

    __tablename__ = "referral_person"

    id: Mapped[intpk]
    referral_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referral.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[PersonRole] = mapped_column(str_enum(PersonRole))
    position: Mapped[int] = mapped_column(default=0)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    # Used for repeat matching; kept in step with full_name by the services.
    normalised_name: Mapped[str] = mapped_column(sa.String(120), index=True)
    aliases: Mapped[str | None] = mapped_column(sa.String(255))
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date())
    gender: Mapped[Gender | None] = mapped_column(str_enum(Gender))
    # Victim only.
    address: Mapped[str | None] = mapped_column(sa.String(500))
    safe_phone: Mapped[str | None] = mapped_column(sa.String(40))
    safe_email: Mapped[str | None] = mapped_column(sa.String(255))
    safe_to_call: Mapped[bool | None] = mapped_column()
    safe_to_text: Mapped[bool | None] = mapped_column()
    safe_to_email: Mapped[bool | None] = mapped_column()
    sexuality: Mapped[Sexuality | None] = mapped_column(str_enum(Sexuality))
    ethnicity: Mapped[Ethnicity | None] = mapped_column(str_enum(Ethnicity))
    disability: Mapped[Disability | None] = mapped_column(str_enum(Disability))
    language: Mapped[str | None] = mapped_column(sa.String(60))
    interpreter_needed: Mapped[bool | None] = mapped_column()
    # Perpetrators, children and vulnerable adults.
    relationship_to_victim: Mapped[str | None] = mapped_column(sa.String(60))
    lives_in_household: Mapped[bool | None] = mapped_column()
    created_at: Mapped[created_at]

    @property
    def role_label(self) -> str:
        return PERSON_ROLE_LABELS[self.role]

    # --- Flags for the SafeLives-style return (None = not recorded / no answer) ----------

    @property
    def is_racially_minoritised(self) -> bool | None:
        if self.ethnicity is None or self.ethnicity in _UNANSWERED:
            return None
        return self.ethnicity in _MINORITISED

    @property
    def is_lgbt(self) -> bool | None:
        if self.sexuality in (Sexuality.GAY_OR_LESBIAN, Sexuality.BISEXUAL, Sexuality.OTHER):
            return True
        if self.gender in (Gender.NON_BINARY, Gender.SELF_DESCRIBED):
            return True
        if self.sexuality == Sexuality.HETEROSEXUAL:
            return False
        return None

    @property
    def is_disabled(self) -> bool | None:
        if self.disability is None or self.disability in _UNANSWERED:
            return None
        return self.disability == Disability.YES

    @property
    def is_male(self) -> bool | None:
        if self.gender is None or self.gender in _UNANSWERED:
            return None
        return self.gender == Gender.MALE

    def age_on(self, on: date) -> int | None:
        return age_on(self.date_of_birth, on)
