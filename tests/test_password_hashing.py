"""Tests hash passwords at argon2id's lowest cost; production keeps argon2-cffi's defaults."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters

from audit import create_app
from audit.security.passwords import hash_password, needs_rehash, verify_password

DEFAULT = PasswordHasher()


def _cost(password_hash: str) -> tuple[int, int, int]:
    parameters = extract_parameters(password_hash)
    return parameters.time_cost, parameters.memory_cost, parameters.parallelism


def test_the_test_app_hashes_cheaply(app):
    with app.app_context():
        password_hash = hash_password("granite willow compass")
        assert verify_password(password_hash, "granite willow compass")
        assert not verify_password(password_hash, "granite willow compasses")
        assert not verify_password(None, "granite willow compass")
    assert _cost(password_hash) == (1, 8, 1)


@pytest.mark.parametrize("asked", ["standard", "test"])
def test_production_keeps_the_default_cost_even_when_asked_for_the_test_cost(monkeypatch, tmp_path, asked):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.db'}")
    app = create_app({"PASSWORD_HASH_COST": asked} if asked == "test" else None)
    assert app.config["APP_ENV"] == "production"
    with app.app_context():
        password_hash = hash_password("granite willow compass")
        assert verify_password(password_hash, "granite willow compass")
        assert not needs_rehash(password_hash)
    assert _cost(password_hash) == (DEFAULT.time_cost, DEFAULT.memory_cost, DEFAULT.parallelism)
    assert DEFAULT.time_cost >= 2 and DEFAULT.memory_cost >= 19 * 1024  # OWASP's argon2id minimum


def test_outside_an_app_the_default_cost_is_used():
    assert _cost(hash_password("granite willow compass")) == (
        DEFAULT.time_cost,
        DEFAULT.memory_cost,
        DEFAULT.parallelism,
    )
