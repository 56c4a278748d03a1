"""Configuration read from environment variables.

Development is the default: SQLite under ``instance/`` and a throwaway secret key.
Production (``APP_ENV=production``) refuses to start without a real ``SECRET_KEY``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path


def _is_app_root(folder: Path) -> bool:
    # The checkout has both; site-packages, where a plain `pip install .` puts the code, has neither.
    return (folder / "migrations" / "env.py").is_file() and (folder / "templates").is_dir()


def find_project_root(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The folder the app runs from, holding templates/, static/, migrations/ and instance/.

    ``APP_ROOT`` names it outright. Otherwise it is the checkout this package sits in (running from
    the source tree, or an editable install); failing that, the working directory: after a plain
    ``pip install .`` the code is in site-packages, while ``flask --app wsgi`` and
    ``gunicorn wsgi:app`` still run from the checkout that holds wsgi.py.
    """
    environ = os.environ if environ is None else environ
    if environ.get("APP_ROOT"):
        return Path(environ["APP_ROOT"]).resolve()
    source = Path(__file__).resolve().parent.parent
    if _is_app_root(source):
        return source
    return (Path.cwd() if cwd is None else cwd).resolve()


PROJECT_ROOT = find_project_root()
INSTANCE_DIR = PROJECT_ROOT / "instance"

DEVELOPMENT_SECRET = "development-only-secret-key-not-for-production"

# The largest audit tool with every answer at its maximum length must submit without a 413.
# 60 questions x 3 fields x 10,000 characters is ~1.8 MB of text; allow 4 MB and 2,000 parts.
MAX_FORM_BYTES = 4 * 1024 * 1024
MAX_FORM_PARTS = 2000
# A CSV of cases: 5 MB is far beyond any council's caseload (100,000 rows of ~50 bytes).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ConfigurationError(RuntimeError):
    """Raised when the app is asked to start with an unsafe or incomplete configuration."""


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str
    database_url: str
    service_name: str
    council_name: str
    idle_timeout_minutes: int
    secure_cookies: bool
    log_level: str


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(environ: dict[str, str], env: str) -> str:
    # Tests keep quiet unless a test asks; a running service logs each request (INFO).
    level = environ.get("LOG_LEVEL", "WARNING" if env == "testing" else "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigurationError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    return level


def _sqlite_url(filename: str) -> str:
    return f"sqlite:///{INSTANCE_DIR / filename}"


def read_settings(environ: dict[str, str] | None = None) -> Settings:
    environ = dict(os.environ if environ is None else environ)
    env = environ.get("APP_ENV", "development").strip().lower()
    if env not in {"development", "production", "testing"}:
        raise ConfigurationError(f"APP_ENV must be development, production or testing, not {env!r}")
    secret_key = environ.get("SECRET_KEY", "")
    if env == "production" and (len(secret_key) < 32 or secret_key == DEVELOPMENT_SECRET):
        raise ConfigurationError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            '(for example: python -c "import secrets; print(secrets.token_hex(32))")'
        )
    return Settings(
        env=env,
        secret_key=secret_key or DEVELOPMENT_SECRET,
        database_url=environ.get("DATABASE_URL") or _sqlite_url("audit.db"),
        service_name=environ.get("SERVICE_NAME", "Practice audit and supervision"),
        council_name=environ.get("COUNCIL_NAME", "Northmoor Borough Council"),
        idle_timeout_minutes=int(environ.get("IDLE_TIMEOUT_MINUTES", "30")),
        # Browsers accept Secure cookies on http://127.0.0.1 and localhost, so this stays on in
        # development too; switch it off only to reach a development server by another host name.
        secure_cookies=environ.get("SECURE_COOKIES", "1") != "0",
        log_level=_log_level(environ, env),
    )


def flask_config(settings: Settings) -> dict[str, object]:
    """The Flask configuration that follows from the settings."""
    return {
        "APP_ENV": settings.env,
        "TESTING": settings.env == "testing",
        "SECRET_KEY": settings.secret_key,
        "SQLALCHEMY_DATABASE_URI": settings.database_url,
        "SERVICE_NAME": settings.service_name,
        "COUNCIL_NAME": settings.council_name,
        "LOG_LEVEL": settings.log_level,
        "IDLE_TIMEOUT": timedelta(minutes=settings.idle_timeout_minutes),
        # The session cookie dies with the browser; the idle timeout ends it sooner.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "SESSION_COOKIE_SECURE": settings.secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "audit_session",
        # No "remember me": a shared office computer must not stay signed in.
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "REMEMBER_COOKIE_SECURE": settings.secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_PROTECTION": "strong",
        # CSRF tokens last as long as a working day; an expired one is still handled without loss.
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": MAX_FORM_BYTES + MAX_UPLOAD_BYTES,
        "MAX_FORM_MEMORY_SIZE": MAX_FORM_BYTES,
        "MAX_FORM_PARTS": MAX_FORM_PARTS,
        "MAX_UPLOAD_BYTES": MAX_UPLOAD_BYTES,
        # A database error's message would otherwise carry the statement's values (free text about
        # a child) into the error log.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # Stylesheet, scripts and fonts: browsers may reuse them for an hour.
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        # argon2id at its default cost; only a test app may ask for "test" (audit/security/passwords.py).
        "PASSWORD_HASH_COST": "standard",
    }
