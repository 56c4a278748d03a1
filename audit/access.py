"""The one access-control mechanism: every view declares who may use it.

A view is decorated with exactly one of ``public``, ``signed_in`` or ``requires(*roles)``.
The hook that runs before every request (``before_request`` in ``audit/security/sessions.py``)
applies the endpoint's rule and refuses (403) any endpoint that declares nothing, so a forgotten
decorator fails closed (and the access-matrix test fails too). Team scope is checked on
the records themselves with ``ensure_team_access``: other teams' records are 404, not 403, so
their existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import abort, current_app
from flask_login import current_user

from audit.models import Role

View = TypeVar("View", bound=Callable[..., object])
Record = TypeVar("Record")


@dataclass(frozen=True)
class AccessRule:
    public: bool = False
    roles: frozenset[Role] | None = None  # None: any signed-in user

    def allows(self, user: object) -> bool:
        if self.public:
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        # Signed in, so a User (typed object: anonymous users and test doubles come here too).
        return self.roles is None or user.has_role(*self.roles)  # type: ignore[attr-defined]

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.roles is None:
            return "signed in"
        return " or ".join(sorted(role.value for role in self.roles))


PUBLIC = AccessRule(public=True)
SIGNED_IN = AccessRule()
# Flask's own static file endpoint has no function of ours to decorate.
BUILT_IN_RULES = {"static": PUBLIC}


def _declare(rule: AccessRule) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        if hasattr(view, "access_rule"):
            raise TypeError(f"{view.__name__} declares its access twice")
        view.access_rule = rule  # type: ignore[attr-defined]  # a function's own attribute, read by the access check
        return view

    return decorator


public = _declare(PUBLIC)
signed_in = _declare(SIGNED_IN)


def requires(*roles: Role) -> Callable[[View], View]:
    if not roles:
        raise TypeError("requires() needs at least one role; use signed_in for any user")
    return _declare(AccessRule(roles=frozenset(roles)))


def rule_for(endpoint: str | None) -> AccessRule | None:
    if endpoint is None:
        return None
    if endpoint in BUILT_IN_RULES:
        return BUILT_IN_RULES[endpoint]
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def ensure_team_access(team_id: int | None) -> None:
    """404 unless the signed-in user may see records of this team."""
    if not current_user.can_see_team(team_id):
        abort(404)


def found(record: Record | None) -> Record:
    """The record a view was asked for, or 404."""
    if record is None:
        abort(404)
    return record
