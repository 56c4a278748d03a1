"""The database models. Import from here so that every table is registered with the metadata."""

from audit.models.cases import Case, PlanType
from audit.models.logs import AccessLogEntry, PreservedForm, SignInFailure
from audit.models.people import Role, ServiceArea, Team, User, UserRole

__all__ = [
    "AccessLogEntry",
    "Case",
    "PlanType",
    "PreservedForm",
    "Role",
    "ServiceArea",
    "SignInFailure",
    "Team",
    "User",
    "UserRole",
]
