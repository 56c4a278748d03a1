"""Jinja set-up: GOV.UK Frontend macros, the service's globals, and small display filters.

Rules about what to show live in Python and reach templates from here: the menus
(``audit.navigation``), the colour of each status's tag, whether an audit or action is overdue
(the domain's rules), the longest text a box takes (the domain's limits) and the RAG rule's words (the plan's).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup

from audit.answers import answer_kind
from audit.clock import to_local
from audit.domain.audit_answers import EVIDENCE_MAX
from audit.domain.audits import is_overdue as audit_is_overdue
from audit.domain.follow_up import action_is_overdue
from audit.domain.follow_up import is_overdue as concern_is_overdue
from audit.domain.follow_up import respond_by as concern_respond_by
from audit.domain.moderation import REASON_MAX
from audit.domain.supervision import TEXT_MAX as SUPERVISION_TEXT_MAX
from audit.models import (
    AuditStatus,
    NotificationStatus,
    PlanActionStatus,
    ReportJobStatus,
    Role,
    SupervisionStatus,
)
from audit.navigation import admin_navigation, can_use, service_navigation
from audit.reporting.measures import Status as MeasureStatus


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
    unique: dict[str, dict[str, str]] = {}
    for item in items:
        unique.setdefault(item["text"], item)
    return list(unique.values())


# Each stored status's GOV.UK tag colour, wherever it is shown; the word is always written too.
# By enum, because their values overlap ("in_progress" is an audit's and a plan action's).
STATUS_TAG_CLASSES: dict[type[enum.Enum], dict[Any, str]] = {
    AuditStatus: {
        AuditStatus.ASSIGNED: "govuk-tag--grey",
        AuditStatus.IN_PROGRESS: "govuk-tag--blue",
        AuditStatus.SUBMITTED: "govuk-tag--yellow",
        AuditStatus.MODERATED: "govuk-tag--green",
        AuditStatus.CANCELLED: "govuk-tag--purple",  # not red: red means overdue
    },
    SupervisionStatus: {
        SupervisionStatus.DRAFT: "govuk-tag--grey",
        SupervisionStatus.COMPLETED: "govuk-tag--yellow",
        SupervisionStatus.ACKNOWLEDGED: "govuk-tag--green",
    },
    PlanActionStatus: {
        PlanActionStatus.NOT_STARTED: "govuk-tag--grey",
        PlanActionStatus.IN_PROGRESS: "",  # the default tag colour
        PlanActionStatus.DONE: "govuk-tag--green",
    },
    NotificationStatus: {
        NotificationStatus.QUEUED: "govuk-tag--grey",
        NotificationStatus.SENDING: "govuk-tag--blue",
        NotificationStatus.SENT: "govuk-tag--green",
        NotificationStatus.FAILED: "govuk-tag--red",
    },
    ReportJobStatus: {
        ReportJobStatus.QUEUED: "govuk-tag--grey",
        ReportJobStatus.RUNNING: "govuk-tag--blue",
        ReportJobStatus.DONE: "govuk-tag--green",
        ReportJobStatus.FAILED: "govuk-tag--red",
    },
    MeasureStatus: {
        MeasureStatus.ACHIEVED: "govuk-tag--green",
        MeasureStatus.ON_TRACK: "govuk-tag--turquoise",
        MeasureStatus.BEHIND: "govuk-tag--orange",
        MeasureStatus.OFF_TRACK: "govuk-tag--red",
        MeasureStatus.NO_DATA: "govuk-tag--grey",
        MeasureStatus.PROBLEM: "govuk-tag--purple",
    },
}
# States worked out on the day, not stored: shown beside a status or instead of one.
STATE_TAG_CLASSES = {
    "overdue": "govuk-tag--red",
    "due_soon": "govuk-tag--yellow",
    "open": "govuk-tag--blue",
    "done": "govuk-tag--green",
    "active": "govuk-tag--green",
    "deactivated": "govuk-tag--grey",
}


def tag_class(status: enum.Enum | str) -> str:
    """The GOV.UK tag class for a stored status (an enum member) or a worked-out state ("overdue")."""
    if isinstance(status, enum.Enum):
        return STATUS_TAG_CLASSES[type(status)][status]
    return STATE_TAG_CLASSES[status]


def tag(text: object, state: enum.Enum | str, classes: str = "") -> Markup:
    """A GOV.UK tag for a stored status or a worked-out state, with any further classes: the markup
    ``govukTag({"text": text, "classes": state | tag_class})`` writes, built in Python. The macro
    imports its attributes macro again on every call (0.1 ms a tag), and lists draw a tag or two
    a row: a programme's page of 50 audits spent 8 ms on its tags (profiled). A test holds the two
    equal."""
    names = " ".join(name for name in ("govuk-tag", tag_class(state), classes) if name)
    return Markup('<strong class="{}">\n  {}\n</strong>\n').format(names, text)


def _globals() -> dict[str, object]:
    return {
        "service_name": current_app.config["SERVICE_NAME"],
        "council_name": current_app.config["COUNCIL_NAME"],
        "idle_timeout_seconds": int(current_app.config["IDLE_TIMEOUT"].total_seconds()),
        "Role": Role,
        "can_use": can_use,
        "form_error_list": form_error_list,
        "service_navigation": service_navigation,
        "admin_navigation": admin_navigation,
    }


def init_app(app: Flask) -> None:
    if app.template_folder is None:  # create_app always names it
        raise RuntimeError("The app has no template folder")
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.template_folder),
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
    # Globals of the environment, not the context: macros imported without context see them too.
    app.jinja_env.globals.update(
        tag=tag,
        audit_is_overdue=audit_is_overdue,
        action_is_overdue=action_is_overdue,
        concern_is_overdue=concern_is_overdue,
        concern_respond_by=concern_respond_by,
        PlanActionStatus=PlanActionStatus,
        EVIDENCE_MAX=EVIDENCE_MAX,
        REASON_MAX=REASON_MAX,
        SUPERVISION_TEXT_MAX=SUPERVISION_TEXT_MAX,
        # A question's kind of answer renders it: `{% import answer_kind(t).template as render %}`.
        answer_kind=answer_kind,
    )
    app.context_processor(_globals)
    WTFormsHelpers(app)
