"""Service areas, teams and users: the queries and changes the views and CLI call."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from audit.clock import utcnow
from audit.extensions import db
from audit.models import Role, ServiceArea, Team, User, UserRole
from audit.models.people import new_session_token
from audit.security import throttle
from audit.security.passwords import hash_password, needs_rehash, verify_password

DEFAULT_SERVICE_AREAS = (
    "Front door (MASH)",
    "Assessment",
    "Child in need and child protection",
    "Children in care",
    "Care leavers",
    "Disabled children",
    "Emergency duty",
)


class DuplicateError(ValueError):
    """A record with the same unique value exists already."""


# Service areas and teams ---------------------------------------------------------------------


def service_areas() -> Sequence[ServiceArea]:
    return db.session.scalars(select(ServiceArea).order_by(ServiceArea.position, ServiceArea.name)).all()


def ensure_default_service_areas() -> None:
    existing = set(db.session.scalars(select(ServiceArea.name)))
    for position, name in enumerate(DEFAULT_SERVICE_AREAS):
        if name not in existing:
            db.session.add(ServiceArea(name=name, position=position))


def teams_by_area() -> Sequence[ServiceArea]:
    """Every service area with its teams, loaded in two queries."""
    return db.session.scalars(
        select(ServiceArea).options(selectinload(ServiceArea.teams)).order_by(ServiceArea.position, ServiceArea.name)
    ).all()


def all_teams() -> Sequence[Team]:
    return db.session.scalars(select(Team).order_by(Team.name)).all()


def team_member_counts() -> dict[int, int]:
    rows = db.session.execute(select(User.team_id, func.count()).where(User.active).group_by(User.team_id))
    return {team_id: count for team_id, count in rows if team_id is not None}


def team_by_name(name: str) -> Team | None:
    return db.session.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))


def save_team(team: Team | None, *, name: str, service_area_id: int) -> Team:
    name = " ".join(name.split())
    clash = team_by_name(name)
    if clash is not None and clash is not team:
        raise DuplicateError(f"A team called {clash.name} already exists")
    if team is None:
        team = Team(name=name, service_area_id=service_area_id)
        db.session.add(team)
    else:
        team.name = name
        team.service_area_id = service_area_id
    db.session.flush()
    return team


# Users ---------------------------------------------------------------------------------------


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == throttle.normalise_email(email)))


def users_for_admin(*, include_inactive: bool = True) -> Sequence[User]:
    query = select(User).options(selectinload(User.team)).order_by(User.name)
    if not include_inactive:
        query = query.where(User.active)
    return db.session.scalars(query).all()


def workers_in_team(team_id: int) -> Sequence[User]:
    return db.session.scalars(select(User).where(User.team_id == team_id, User.active).order_by(User.name)).all()


def create_user(
    *,
    email: str,
    name: str,
    roles: Iterable[Role],
    password: str | None = None,
    password_hash: str | None = None,
    team: Team | None = None,
    newly_qualified_from: date | None = None,
    must_change_password: bool = False,
) -> User:
    """Create a user from a password, or from a hash computed once for many users (demo data)."""
    if (password is None) == (password_hash is None):
        raise TypeError("give exactly one of password and password_hash")
    email = throttle.normalise_email(email)
    if user_by_email(email) is not None:
        raise DuplicateError(f"A user with the email address {email} already exists")
    user = User(
        email=email,
        name=" ".join(name.split()),
        team=team,
        password_hash=password_hash or hash_password(password or ""),
        password_changed_at=utcnow(),
        newly_qualified_from=newly_qualified_from,
        must_change_password=must_change_password,
    )
    set_roles(user, roles)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(
    user: User,
    *,
    email: str,
    name: str,
    team: Team | None,
    roles: Iterable[Role],
    newly_qualified_from: date | None,
) -> None:
    email = throttle.normalise_email(email)
    clash = user_by_email(email)
    if clash is not None and clash is not user:
        raise DuplicateError(f"A user with the email address {email} already exists")
    user.email = email
    user.name = " ".join(name.split())
    user.team = team
    user.newly_qualified_from = newly_qualified_from
    set_roles(user, roles)


def set_roles(user: User, roles: Iterable[Role]) -> None:
    wanted = {Role(role) for role in roles}
    user.role_rows = [row for row in user.role_rows if Role(row.role) in wanted]
    have = user.roles
    user.role_rows.extend(UserRole(role=role.value) for role in sorted(wanted - have))


def set_password(user: User, password: str, *, temporary: bool = False) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = temporary
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Every session signed in as this user stops working at its next request."""
    user.session_token = new_session_token()


def set_active(user: User, active: bool) -> None:
    user.active = active
    if not active:
        end_sessions(user)


# Signing in ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    locked: bool = False


def authenticate(email: str, password: str) -> SignInResult:
    """Check an email and password, counting failures against the email whether or not it exists."""
    if throttle.is_locked(email):
        return SignInResult(user=None, locked=True)
    user = user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        throttle.record_failure(email)  # committed with the request, whose page says "not recognised"
        return SignInResult(user=None)
    throttle.clear_failures(email)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_signed_in_at = utcnow()
    return SignInResult(user=user)
