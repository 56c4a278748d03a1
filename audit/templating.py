"""Jinja set-up: GOV.UK Frontend macros, the service's globals, and small display filters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, current_app
from flask_login import current_user
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from audit.access import rule_for
from audit.clock import to_local
from audit.models import Role


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_local(value)
    return f"{format_date(local)} at {local:%H:%M}"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_percent(value: float | None) -> str:
    """A percentage as people write it ("75%", "66.7%"); a dash when there is nothing to count."""
    return "–" if value is None else f"{round(value, 1):g}%"


def format_period(value: str, short: bool = False) -> str:
    """A report period key as words: "2026-03" is "Mar 2026" ("Mar 26" short), "2026 Q1" is
    "Q1 2026" ("Q1 26")."""
    year, _, rest = value.replace(" ", "-").partition("-")
    label = rest if rest.startswith("Q") else MONTHS[int(rest) - 1]
    return f"{label} {year[2:] if short else year}"


def form_error_list(form: Any) -> list[dict[str, str]]:
    """The error summary's entries: each field's first error, linked to the field.

    A message shared by several fields (sign-in's "Enter a correct email address and password")
    is listed once, linked to the first of them."""
    items: list[dict[str, str]] = []
    for field in form:
        if field.errors and isinstance(field.errors, list):
            anchor = getattr(field, "error_anchor", None) or field.id
            items.append({"text": field.errors[0], "href": f"#{anchor}"})
    items.extend({"text": error, "href": "#main-content"} for error in form.form_errors)
    seen: set[str] = set()
    return [item for item in items if not (item["text"] in seen or seen.add(item["text"]))]


def can_use(endpoint: str) -> bool:
    """Whether the signed-in user may open an endpoint: navigation shows only what works."""
    rule = rule_for(endpoint)
    return rule is not None and rule.allows(current_user)


def _globals() -> dict[str, object]:
    return {
        "service_name": current_app.config["SERVICE_NAME"],
        "council_name": current_app.config["COUNCIL_NAME"],
        "idle_timeout_seconds": int(current_app.config["IDLE_TIMEOUT"].total_seconds()),
        "Role": Role,
        "can_use": can_use,
        "form_error_list": form_error_list,
    }


def init_app(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.template_folder),  # type: ignore[arg-type]
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["period"] = format_period
    app.context_processor(_globals)
    WTFormsHelpers(app)
