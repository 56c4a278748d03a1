"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

# argon2-cffi's defaults are argon2id with parameters that meet OWASP ASVS 5 (about 90 ms here).
_hasher = PasswordHasher()
# The lowest cost argon2id allows, for a test app only (see _current_hasher): the suite hashes
# and verifies thousands of passwords.
_test_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
# Verified against when an email is unknown, so that a wrong email takes as long as a wrong password.
_DUMMY_HASHES = {hasher: hasher.hash(secrets.token_urlsafe(16)) for hasher in (_hasher, _test_hasher)}

MIN_LENGTH = 12
MAX_LENGTH = 256

# The most common passwords that also meet the length rule (from public breach lists).
COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "password12345",
        "password123456",
        "123456789012",
        "1234567890123",
        "qwertyuiop12",
        "qwertyuiopas",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "changeme1234",
        "administrator",
        "passwordpassword",
        "aaaaaaaaaaaa",
    }
)


def _current_hasher() -> PasswordHasher:
    """The cheap hasher only in an app made for tests that asks for it; otherwise the default."""
    if not has_app_context():
        return _hasher
    config = current_app.config
    for_tests = config.get("PASSWORD_HASH_COST") == "test" and config.get("TESTING")
    return _test_hasher if for_tests and config.get("APP_ENV") != "production" else _hasher


def hash_password(password: str) -> str:
    return _current_hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown user) spend the same time and return False."""
    hasher = _current_hasher()
    try:
        return hasher.verify(password_hash or _DUMMY_HASHES[hasher], password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _current_hasher().check_needs_rehash(password_hash)


def password_problem(password: str, email: str | None = None) -> str | None:
    """The reason a proposed password is not acceptable, in words for the user, or None."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "Password is too easy to guess – try 3 random words"
    if email and lowered == email.lower():
        return "Password must not be your email address"
    return None


def temporary_password() -> str:
    """A one-time password an admin gives a user, who must change it when they sign in."""
    return "-".join(secrets.token_urlsafe(4) for _ in range(4))
