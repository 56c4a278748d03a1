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
from urllib.parse import urlsplit


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

# How long each kind of record is kept, in days; RETENTION_<KIND>_DAYS overrides one (e.g.
# RETENTION_AUDITS_DAYS=9150). What each period counts from is in audit/domain/retention.py; the
# defaults and their sources are in docs/decisions.md. A year counts as 366 days, so no period
# ends early.
_YEAR = 366
RETENTION_DEFAULT_DAYS = {
    "audits": 25 * _YEAR,  # after the case closed: a child in need's file, to the 25th birthday
    "audits_in_care": 75 * _YEAR,  # after the case closed: a child in care's file, to the 75th birthday
    "supervision": 6 * _YEAR,  # after the session: staff supervision records
    "access_log": 6 * _YEAR,
    "report_downloads": 6 * _YEAR,
    "sign_in_failures": 90,
    "kept_forms": 1,  # what was typed when a session expired, kept for the user's return
    "case_import_uploads": 1,  # a case file waiting for the admin to confirm its import
}


class ConfigurationError(RuntimeError):
    """Raised when the app is asked to start with an unsafe or incomplete configuration."""


@dataclass(frozen=True)
class FollowThroughSettings:
    """What is moderated, by when, and which audits are re-audited (docs/decisions.md,
    "Findings that drive follow-through"). A programme may set its own moderation rule."""

    moderation_percent: int = 10  # MODERATION_SAMPLE_PERCENT: of completed audits, at random
    moderate_best_and_worst: bool = True  # MODERATION_BEST_AND_WORST: every audit graded either end
    moderation_due_working_days: int = 10  # MODERATION_DUE_WORKING_DAYS
    # MODERATION_SAMPLE_KEY: the key the random draw is keyed with, so it repeats but an auditor
    # cannot tell in advance whether an audit will be drawn; by default the SECRET_KEY.
    sample_key: str = ""
    reaudit_after_weeks: int = 12  # REAUDIT_AFTER_WEEKS
    reaudit_requires_improvement: bool = False  # REAUDIT_REQUIRES_IMPROVEMENT: not only Inadequate
    # CONCERN_RESPONSE_WORKING_DAYS: a safeguarding concern is acknowledged by the end of this many
    # UK working days after the day it is raised (1: the next working day), or it is overdue.
    concern_response_working_days: int = 1


def _follow_through(environ: dict[str, str], secret_key: str) -> FollowThroughSettings:
    def number(name: str, default: int, low: int, high: int) -> int:
        text = environ.get(name, "").strip()
        if not text:
            return default
        if not text.isdigit() or not low <= int(text) <= high:
            raise ConfigurationError(f"{name} must be a whole number from {low} to {high}, not {text!r}")
        return int(text)

    def switch(name: str, default: bool) -> bool:
        text = environ.get(name, "").strip()
        if text not in {"", "0", "1"}:
            raise ConfigurationError(f"{name} must be 1 (on) or 0 (off), not {text!r}")
        return default if not text else text == "1"

    return FollowThroughSettings(
        moderation_percent=number("MODERATION_SAMPLE_PERCENT", 10, 0, 100),
        moderate_best_and_worst=switch("MODERATION_BEST_AND_WORST", True),
        moderation_due_working_days=number("MODERATION_DUE_WORKING_DAYS", 10, 1, 100),
        sample_key=environ.get("MODERATION_SAMPLE_KEY", "").strip() or secret_key,
        reaudit_after_weeks=number("REAUDIT_AFTER_WEEKS", 12, 1, 104),
        reaudit_requires_improvement=switch("REAUDIT_REQUIRES_IMPROVEMENT", False),
        concern_response_working_days=number("CONCERN_RESPONSE_WORKING_DAYS", 1, 1, 10),
    )


ENTRA_HOST = "login.microsoftonline.com"


@dataclass(frozen=True)
class SsoSettings:
    """Single sign-on with OpenID Connect (audit/auth/sso.py; README, "Single sign-on"). Off when
    no SSO_CLIENT_ID is set."""

    metadata_url: str = ""  # SSO_METADATA_URL, or SSO_ISSUER + /.well-known/openid-configuration
    client_id: str = ""  # SSO_CLIENT_ID
    client_secret: str = ""  # SSO_CLIENT_SECRET
    # SSO_ALLOWED_DOMAINS: the email domains that may sign in this way (comma-separated); empty
    # allows any domain the provider vouches for. Required for Microsoft Entra ID.
    allowed_domains: tuple[str, ...] = ()
    only: bool = False  # SSO_ONLY=1: password sign-in is switched off
    # SSO_CLOCK_SKEW_SECONDS: how far the provider's clock may differ from ours.
    clock_skew_seconds: int = 60

    @property
    def enabled(self) -> bool:
        return bool(self.client_id)

    @property
    def is_entra(self) -> bool:
        """Microsoft Entra ID (Azure AD), whose tokens carry no email_verified claim."""
        return self.enabled and urlsplit(self.metadata_url).hostname == ENTRA_HOST


def _sso(environ: dict[str, str], env: str) -> SsoSettings:
    issuer = environ.get("SSO_ISSUER", "").strip().rstrip("/")
    metadata_url = environ.get("SSO_METADATA_URL", "").strip() or (
        f"{issuer}/.well-known/openid-configuration" if issuer else ""
    )
    client_id = environ.get("SSO_CLIENT_ID", "").strip()
    only = environ.get("SSO_ONLY", "").strip()
    if only not in {"", "0", "1"}:
        raise ConfigurationError(f"SSO_ONLY must be 1 (on) or 0 (off), not {only!r}")
    skew = environ.get("SSO_CLOCK_SKEW_SECONDS", "").strip() or "60"
    if not skew.isdigit() or int(skew) > 600:
        raise ConfigurationError(f"SSO_CLOCK_SKEW_SECONDS must be a whole number from 0 to 600, not {skew!r}")
    settings = SsoSettings(
        metadata_url=metadata_url,
        client_id=client_id,
        client_secret=environ.get("SSO_CLIENT_SECRET", "").strip(),
        allowed_domains=tuple(
            domain.strip().lstrip("@").lower()
            for domain in environ.get("SSO_ALLOWED_DOMAINS", "").split(",")
            if domain.strip()
        ),
        only=only == "1",
        clock_skew_seconds=int(skew),
    )
    if settings.only and not settings.enabled:
        raise ConfigurationError("SSO_ONLY=1 switches password sign-in off, so SSO_CLIENT_ID must be set too")
    if settings.enabled and not metadata_url:
        raise ConfigurationError("SSO_CLIENT_ID is set: set SSO_ISSUER or SSO_METADATA_URL too")
    if settings.is_entra and not settings.allowed_domains:
        # Entra ID vouches for no email address (no email_verified): the domains must be named.
        raise ConfigurationError("SSO with Microsoft Entra ID needs SSO_ALLOWED_DOMAINS (your council's domains)")
    if settings.is_entra and urlsplit(metadata_url).path.split("/")[1:2] in (["common"], ["organizations"]):
        # Those endpoints name no tenant, so the issuer could not be checked.
        raise ConfigurationError(
            "SSO_ISSUER for Entra ID must name your tenant: https://login.microsoftonline.com/<tenant id>/v2.0"
        )
    if settings.enabled and env == "production" and not settings.client_secret:
        raise ConfigurationError("SSO_CLIENT_ID is set: set SSO_CLIENT_SECRET too")
    if settings.enabled and env == "production" and not metadata_url.startswith("https://"):
        raise ConfigurationError("SSO_ISSUER or SSO_METADATA_URL must be an https:// address in production")
    return settings


EMAIL_BACKENDS = ("smtp", "notify", "folder", "none")


@dataclass(frozen=True)
class EmailSettings:
    """How emails leave the service (audit/mail.py; README, "Email and background jobs")."""

    # EMAIL_BACKEND: smtp (the default in production), notify (GOV.UK Notify), folder (each email
    # written as a .eml file under MAIL_FOLDER: the default in development, so a newcomer can read
    # them), or none (the test default: notifications are queued and never sent).
    backend: str = "none"
    sender: str = "no-reply@localhost"  # MAIL_FROM
    smtp_host: str = "localhost"  # SMTP_HOST
    smtp_port: int = 25  # SMTP_PORT
    smtp_username: str = ""  # SMTP_USERNAME
    smtp_password: str = ""  # SMTP_PASSWORD
    smtp_starttls: bool = False  # SMTP_STARTTLS=1: upgrade the connection before sending
    smtp_timeout: float = 10.0  # SMTP_TIMEOUT seconds
    notify_api_key: str = ""  # NOTIFY_API_KEY
    notify_template_id: str = ""  # NOTIFY_TEMPLATE_ID: a template whose subject is ((subject)), body ((body))
    folder: str = ""  # MAIL_FOLDER
    # A failed delivery is tried again after RETRY_BASE_SECONDS, doubling each time up to
    # RETRY_MAX_SECONDS, for as long as it takes: a provider that is down delays email, never drops it.
    retry_base_seconds: float = 60.0
    retry_max_seconds: float = 3600.0


def _default_sender(environ: dict[str, str]) -> str:
    """no-reply@ the service's own host name, until MAIL_FROM says otherwise."""
    host = urlsplit(environ.get("SERVICE_URL", "").strip()).hostname or ""
    return f"no-reply@{host}" if host and not host.replace(".", "").isdigit() else "no-reply@localhost"


def _email(environ: dict[str, str], env: str) -> EmailSettings:
    default_backend = {"production": "smtp", "development": "folder"}.get(env, "none")
    backend = environ.get("EMAIL_BACKEND", "").strip().lower() or default_backend
    if backend not in EMAIL_BACKENDS:
        raise ConfigurationError(f"EMAIL_BACKEND must be one of {', '.join(EMAIL_BACKENDS)}, not {backend!r}")
    port = environ.get("SMTP_PORT", "").strip() or "25"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigurationError(f"SMTP_PORT must be a port number, not {port!r}")
    settings = EmailSettings(
        backend=backend,
        sender=environ.get("MAIL_FROM", "").strip() or _default_sender(environ),
        smtp_host=environ.get("SMTP_HOST", "").strip() or "localhost",
        smtp_port=int(port),
        smtp_username=environ.get("SMTP_USERNAME", "").strip(),
        smtp_password=environ.get("SMTP_PASSWORD", ""),
        smtp_starttls=environ.get("SMTP_STARTTLS", "0").strip() == "1",
        smtp_timeout=_seconds(environ, "SMTP_TIMEOUT", 10.0) or 10.0,
        notify_api_key=environ.get("NOTIFY_API_KEY", "").strip(),
        notify_template_id=environ.get("NOTIFY_TEMPLATE_ID", "").strip(),
        folder=environ.get("MAIL_FOLDER", "").strip() or str(INSTANCE_DIR / "mail"),
        retry_base_seconds=_seconds(environ, "RETRY_BASE_SECONDS", 60.0) or 60.0,
        retry_max_seconds=_seconds(environ, "RETRY_MAX_SECONDS", 3600.0) or 3600.0,
    )
    if backend == "notify" and not (settings.notify_api_key and settings.notify_template_id):
        raise ConfigurationError("EMAIL_BACKEND=notify needs NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID")
    return settings


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
    retention_days: Mapping[str, int]
    # How long a request waits for a lock held by someone else, and how long one statement may run
    # (PostgreSQL), before it is answered "busy, try again": both well under gunicorn's worker
    # timeout (gunicorn.conf.py), so a long lock never has the workers killed. 0 means no limit.
    database_lock_timeout: float
    database_statement_timeout: float
    # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: trust none).
    trusted_proxies: int
    follow_through: FollowThroughSettings = FollowThroughSettings()
    sso: SsoSettings = SsoSettings()
    email: EmailSettings = EmailSettings()
    # The address people reach the service at, for links in emails (SERVICE_URL).
    service_url: str = "http://127.0.0.1:5000"
    # A themed report over more audits than this is built in the background (REPORT_BACKGROUND_AUDITS):
    # about 2 seconds' work on the benchmark machine (docs/benchmarks.md).
    report_background_audits: int = 20000
    # ... or over more themes than this (REPORT_BACKGROUND_THEMES): the PDF has a page or two per
    # theme, and WeasyPrint draws about five pages a second here.
    report_background_themes: int = 12


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(environ: dict[str, str], env: str) -> str:
    # Tests keep quiet unless a test asks; a running service logs each request (INFO).
    level = environ.get("LOG_LEVEL", "WARNING" if env == "testing" else "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigurationError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    return level


def _retention_days(environ: dict[str, str]) -> dict[str, int]:
    periods = dict(RETENTION_DEFAULT_DAYS)
    for kind in periods:
        name = f"RETENTION_{kind.upper()}_DAYS"
        if environ.get(name, "").strip():
            value = environ[name].strip()
            if not value.isdigit() or int(value) < 1:
                raise ConfigurationError(f"{name} must be a whole number of days, at least 1, not {value!r}")
            periods[kind] = int(value)
    return periods


def _seconds(environ: dict[str, str], name: str, default: float) -> float:
    text = environ.get(name, "").strip()
    try:
        seconds = float(text) if text else default
    except ValueError:
        raise ConfigurationError(f"{name} must be a number of seconds, not {text!r}") from None
    if seconds < 0:
        raise ConfigurationError(f"{name} must be 0 (no limit) or more seconds, not {text!r}")
    return seconds


def _count(environ: dict[str, str], name: str) -> int:
    text = environ.get(name, "0").strip() or "0"
    if not text.isdigit():
        raise ConfigurationError(f"{name} must be a whole number (0 or more), not {text!r}")
    return int(text)


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
        retention_days=_retention_days(environ),
        database_lock_timeout=_seconds(environ, "DATABASE_LOCK_TIMEOUT", 5.0),
        database_statement_timeout=_seconds(environ, "DATABASE_STATEMENT_TIMEOUT", 20.0),
        trusted_proxies=_count(environ, "TRUSTED_PROXIES"),
        follow_through=_follow_through(environ, secret_key or DEVELOPMENT_SECRET),
        sso=_sso(environ, env),
        email=_email(environ, env),
        service_url=environ.get("SERVICE_URL", "").strip().rstrip("/") or "http://127.0.0.1:5000",
        report_background_audits=_count(environ, "REPORT_BACKGROUND_AUDITS") or 20000,
        report_background_themes=_count(environ, "REPORT_BACKGROUND_THEMES") or 12,
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
        # pool_pre_ping: a connection the server dropped (a restart, pg_terminate_backend) is
        # replaced when it is next taken from the pool, not handed to a request.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "DATABASE_LOCK_TIMEOUT": settings.database_lock_timeout,
        "DATABASE_STATEMENT_TIMEOUT": settings.database_statement_timeout,
        "TRUSTED_PROXIES": settings.trusted_proxies,
        # Stylesheet, scripts and fonts: browsers may reuse them for an hour.
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        # argon2id at its default cost; only a test app may ask for "test" (audit/security/passwords.py).
        "PASSWORD_HASH_COST": "standard",
        "RETENTION_DAYS": dict(settings.retention_days),
        "FOLLOW_THROUGH": settings.follow_through,
        "SSO": settings.sso,
        "EMAIL": settings.email,
        "SERVICE_URL": settings.service_url,
        "REPORT_BACKGROUND_AUDITS": settings.report_background_audits,
        "REPORT_BACKGROUND_THEMES": settings.report_background_themes,
    }
