"""Synthetic records for tests. Each call commits in its own app context (inside the test's
rolled-back transaction) and returns the record detached, with its columns loaded."""

from __future__ import annotations

import itertools
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import select

from audit.extensions import db
from audit.models import Case, PlanType, Role, ServiceArea, Team, User, UserRole
from audit.security.passwords import hash_password

PASSWORD = "correct horse battery staple"
# Hashing costs ~90 ms by design; hash the shared test password once.
_PASSWORD_HASH = hash_password(PASSWORD)
_numbers = itertools.count(1)

T = TypeVar("T")


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def _save(self, record: T) -> T:
        db.session.add(record)
        db.session.commit()
        db.session.refresh(record)
        db.session.expunge(record)
        return record

    def team(self, name: str | None = None, area: str = "Assessment") -> Team:
        with self.app.app_context():
            service_area = db.session.scalar(select(ServiceArea).where(ServiceArea.name == area))
            return self._save(Team(name=name or f"Team {next(_numbers)}", service_area_id=service_area.id))

    def user(
        self,
        *roles: Role,
        team: Team | None = None,
        email: str | None = None,
        name: str | None = None,
        active: bool = True,
        must_change_password: bool = False,
    ) -> User:
        number = next(_numbers)
        with self.app.app_context():
            user = User(
                email=email or f"user{number}@test.example",
                name=name or f"Test User {number}",
                team_id=team.id if team else None,
                password_hash=_PASSWORD_HASH,
                active=active,
                must_change_password=must_change_password,
                role_rows=[UserRole(role=role.value) for role in (roles or (Role.PRACTITIONER,))],
            )
            return self._save(user)

    def case(self, team: Team, *, worker: User | None = None, reference: str | None = None, **fields: Any) -> Case:
        with self.app.app_context():
            case = Case(
                reference=reference or f"TEST-{next(_numbers):06d}",
                team_id=team.id,
                worker_id=worker.id if worker else None,
                plan_type=fields.pop("plan_type", PlanType.CHILD_IN_NEED.value),
                **fields,
            )
            return self._save(case)
