"""The service's menus: which sections there are, in what order, and which one the page is in.

Base.html renders these lists; a new area is one line here. A menu shows only what the signed-in
user may open, by the same access rules the views declare.
"""

from __future__ import annotations

from flask import request, url_for
from flask_login import current_user

from audit.access import rule_for

# Home is the service name's link; Admin's pages have their own menu (ADMIN_NAVIGATION).
SERVICE_NAVIGATION = (
    ("audits.mine", "My audits"),
    ("audits.my_actions", "My actions"),
    ("supervision.index", "Supervision"),
    ("audits.index", "Audits"),
    ("moderation.index", "Moderation"),
    ("programme.index", "Audit programme"),
    ("reports.dashboard", "Reports"),
    ("plan.index", "Improvement plan"),
    ("cases.index", "Cases"),
    ("admin.teams", "Admin"),
)

ADMIN_NAVIGATION = (
    ("admin.teams", "Teams"),
    ("admin.users", "Users"),
    ("admin.cases", "Manage cases"),
    ("admin.tools_index", "Audit tools"),
    ("admin.downloads", "Report downloads"),
    ("admin.notifications_index", "Emails"),
    ("admin.subject_access_search", "Subject access"),
)


def can_use(endpoint: str) -> bool:
    """Whether the signed-in user may open an endpoint: navigation shows only what works."""
    rule = rule_for(endpoint)
    return rule is not None and rule.allows(current_user)


def service_navigation(nav_section: str | None = None) -> list[dict[str, object]]:
    """The service menu's items for ``govukServiceNavigation``. ``nav_section`` is the menu entry
    a page belongs to when it is not itself in the menu (a case's page is under Cases)."""
    if not current_user.is_authenticated or current_user.must_change_password:
        return []
    return [
        {
            "href": url_for(endpoint),
            "text": text,
            "current": request.endpoint == endpoint,
            "active": nav_section == endpoint or (endpoint.startswith("admin.") and request.blueprint == "admin"),
        }
        for endpoint, text in SERVICE_NAVIGATION
        if can_use(endpoint)
    ]


def admin_navigation(nav_section: str | None = None) -> list[dict[str, object]]:
    """The admin pages' own menu: ``current`` is the page itself, ``here`` also a page under it."""
    return [
        {
            "href": url_for(endpoint),
            "text": text,
            "current": request.endpoint == endpoint,
            "here": request.endpoint == endpoint or nav_section == endpoint,
        }
        for endpoint, text in ADMIN_NAVIGATION
    ]
