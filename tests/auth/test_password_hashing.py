"""The argon2id parameters: production keeps the full RFC 9106 profile; only the suite is cheap."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters

from config import ConfigError
from marac_app import create_app
from marac_app.auth import passwords


def test_production_hashes_with_the_rfc_9106_low_memory_profile(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MARAC_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("MARAC_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    production = create_app("production")
    with production.app_context():
        assert passwords.current_parameters() == {
            "time_cost": 3,
            "memory_cost": 65536,
            "parallelism": 4,
        }
        made = extract_parameters(passwords.hash_password("a long enough passphrase"))
    assert made.type.name == "ID"
    assert (made.time_cost, made.memory_cost, made.parallelism) == (3, 65536, 4)


def test_the_suite_uses_the_cheap_profile_and_still_verifies_production_hashes(app) -> None:
    with app.app_context():
        assert passwords.current_parameters()["memory_cost"] < 65536
        production_hash = passwords._hasher_for("production")[0].hash("horse battery staple")
        assert passwords.verify_password(production_hash, "horse battery staple")
        assert not passwords.verify_password(production_hash, "wrong")
        assert not passwords.verify_password(None, "anything")


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(ConfigError):
        create_app("testing", ARGON2_PROFILE="fast")
