"""Service areas, teams, users and their roles."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.clock import utcnow
from audit.extensions import Model
from audit.models.types import stored_enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    LEADER = "leader"
    AUDITOR = "auditor"
    MODERATOR = "moderator"
    SUPERVISOR = "supervisor"
    PRACTITIONER = "practitioner"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def description(self) -> str:
        return ROLE_DESCRIPTIONS[self]


ROLE_LABELS = {
    Role.ADMIN: "Admin",
    Role.LEADER: "Leader",
    Role.AUDITOR: "Auditor",
    Role.MODERATOR: "Moderator",
    Role.SUPERVISOR: "Supervisor",
    Role.PRACTITIONER: "Practitioner",
}

ROLE_DESCRIPTIONS = {
    Role.ADMIN: "Manages teams, users, cases and audit tools.",
    Role.LEADER: "Plans the audit programme, reads dashboards and reports, keeps the improvement plan.",
    Role.AUDITOR: "Completes structured audits of children's case records.",
    Role.MODERATOR: "Re-grades a sample of completed audits and records agreement.",
    Role.SUPERVISOR: "Records case, reflective and group supervision with workers.",
    Role.PRACTITIONER: "Adds reflections to audits of their cases and completes their actions.",
}

# These roles see every team's records; everyone else sees their own team's.
SERVICE_WIDE_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.MODERATOR})


class ServiceArea(Model):
    __tablename__ = "service_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    teams: Mapped[list[Team]] = relationship(back_populates="service_area", order_by="Team.name")


class Team(Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    service_area_id: Mapped[int] = mapped_column(ForeignKey("service_areas.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    service_area: Mapped[ServiceArea] = relationship(back_populates="teams")
    members: Mapped[list[User]] = relationship(back_populates="team", order_by="User.name")


class UserRole(Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_user_roles_user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(stored_enum(Role, "known_role"))


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Rotated on sign-out, password change and deactivation: every existing session then fails.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime | None]
    last_signed_in_at: Mapped[datetime | None]
    # When the worker began as a newly qualified social worker (their ASYE); empty when experienced.
    # Sets how often they are supervised (see audit.domain.supervision_compliance).
    newly_qualified_from: Mapped[date | None]

    team: Mapped[Team | None] = relationship(back_populates="members")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_service_wide(self) -> bool:
        return bool(self.roles & SERVICE_WIDE_ROLES)

    def can_see_team(self, team_id: int | None) -> bool:
        return self.is_service_wide or (team_id is not None and team_id == self.team_id)

    # Flask-Login: the stored id carries the session token, so rotating it signs out everywhere.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_labels(self) -> list[str]:
        return [role.label for role in sorted(self.roles, key=list(Role).index)]
