"""Password hashing (argon2id) and the password policy from SECURITY.md.

Policy: at least 8 characters (15 recommended), up to 256; no composition rules; refused if
on the shipped common-password list (20,000 entries, the list Django ships, created by Royce
Williams) or built from context words — "marac", agency and area names, the user's own
name and email — padded with digits or symbols.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

MIN_LENGTH = 8
RECOMMENDED_LENGTH = 15
MAX_LENGTH = 256
BASE_CONTEXT_WORDS = ("marac", "manager", "password", "domestic", "abuse", "safelives", "idva")

# The argon2id cost profiles. "production" is the library's RFC 9106 low-memory profile
# (64 MiB, 3 passes, 4 lanes) and is what every deployment uses. "testing" exists only so the
# suite does not spend a third of its time hashing: the testing configuration selects it,
# and a test checks that production still gets the full profile.
PROFILES: dict[str, dict[str, int]] = {
    "production": {"time_cost": 3, "memory_cost": 65536, "parallelism": 4},
    "testing": {"time_cost": 1, "memory_cost": 64, "parallelism": 1},
}
DUMMY_PASSWORD = "not-a-real-password-for-timing-only"  # noqa: S105 - never a real password


@cache
def _hasher_for(profile: str) -> tuple[PasswordHasher, str]:
    """The hasher of ``profile`` and a fixed hash of its own, verified when no user matches,
    so "no such user" takes as long as a wrong password and timing does not reveal which
    emails have accounts."""
    settings = PROFILES[profile]
    hasher = PasswordHasher(
        time_cost=settings["time_cost"],
        memory_cost=settings["memory_cost"],
        parallelism=settings["parallelism"],
        type=Type.ID,
    )
    return hasher, hasher.hash(DUMMY_PASSWORD)


def _current() -> tuple[PasswordHasher, str]:
    """The hasher of the running app's ``ARGON2_PROFILE`` (production outside an app)."""
    profile = current_app.config["ARGON2_PROFILE"] if has_app_context() else "production"
    return _hasher_for(str(profile))


def current_parameters() -> dict[str, int]:
    """The cost parameters new hashes get (for the test that pins production's)."""
    hasher, _ = _current()
    return {
        "time_cost": hasher.time_cost,
        "memory_cost": hasher.memory_cost,
        "parallelism": hasher.parallelism,
    }


def hash_password(password: str) -> str:
    return _current()[0].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; False for a mismatch or a missing/corrupt hash.
    A hash made with other parameters still verifies (they are written in the hash)."""
    hasher, dummy = _current()
    try:
        return hasher.verify(password_hash or dummy, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _current()[0].check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common-passwords.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def _letters(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).casefold()
    return re.sub(r"[^a-z]", "", folded)


def context_words(extra: Iterable[str] = ()) -> set[str]:
    """Words a password must not be built from: the service's words plus ``extra``."""
    words: set[str] = set(BASE_CONTEXT_WORDS)
    for phrase in extra:
        for word in re.split(r"[\s@._\-'&/()]+", phrase or ""):
            letters = _letters(word)
            if len(letters) >= 3:
                words.add(letters)
    return words


def password_problem(password: str, context: Iterable[str] = ()) -> str | None:
    """Return a message saying what is wrong with ``password``, or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if password.strip() != password and not password.strip():
        return "Password must not be only spaces"
    lowered = password.casefold()
    letters_only = _letters(lowered)
    # "dragon12!" is "dragon" with a little padding: as guessable as the listed word.
    padded_common = letters_only in common_passwords() and len(lowered) - len(letters_only) <= 4
    if lowered in common_passwords() or padded_common:
        return "This password is too common. Choose a password that is harder to guess"
    letters = _letters(password)
    remainder = letters
    removed = False
    for word in sorted(context_words(context), key=len, reverse=True):
        if word in remainder:
            remainder = remainder.replace(word, "")
            removed = True
    if removed and len(remainder) < 4:
        return (
            "Password must not be built from the service, agency or your own name. "
            "Try three or more random words"
        )
    if len(set(password)) < 3:
        return "Password must not repeat the same one or two characters"
    return None
