"""Actions arising from audits, and immediate safeguarding concerns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audit.clock import today, utcnow
from audit.extensions import db
from audit.models import Action, Audit, Case, Role, SafeguardingConcern, User

__all__ = ["today"]


def possible_owners(audit: Audit) -> Sequence[User]:
    """Anyone active can own an action: usually the worker, their manager or the auditor."""
    return db.session.scalars(
        select(User).where(User.active).options(selectinload(User.team)).order_by(User.name)
    ).all()


def add_action(audit: Audit, *, description: str, owner_id: int, due_date: date, created_by: User) -> Action:
    owner = db.session.get(User, owner_id)
    if owner is None or not owner.active:
        raise ValueError("The owner must be an active user")
    action = Action(
        audit_id=audit.id, description=description, owner_id=owner.id, due_date=due_date, created_by_id=created_by.id
    )
    db.session.add(action)
    db.session.flush()
    return action


def actions_owned_by(user: User) -> Sequence[Action]:
    """The user's actions: open ones first, soonest due first; with the audit's case reference."""
    return db.session.scalars(
        select(Action)
        .where(Action.owner_id == user.id)
        .options(selectinload(Action.audit).selectinload(Audit.case), selectinload(Action.completed_by))
        .order_by(Action.completed_at.is_not(None), Action.due_date, Action.id)
    ).all()


def complete_action(action: Action, user: User, note: str | None) -> None:
    action.completed_at = utcnow()
    action.completed_by_id = user.id
    action.completion_note = note


def raise_concern(audit: Audit, user: User, details: str) -> SafeguardingConcern:
    concern = SafeguardingConcern(audit_id=audit.id, team_id=audit.team_id, details=details, raised_by_id=user.id)
    db.session.add(concern)
    db.session.flush()
    return concern


def can_acknowledge(user: User, concern: SafeguardingConcern) -> bool:
    """Leaders, and the supervisors (team managers) of the concern's team."""
    return user.has_role(Role.LEADER) or (user.has_role(Role.SUPERVISOR) and user.team_id == concern.team_id)


def open_concerns_for(user: User) -> Sequence[SafeguardingConcern]:
    """Unacknowledged concerns the user must see: every team's for leaders, their team's for
    supervisors. Empty for everyone else."""
    query = (
        select(SafeguardingConcern)
        .where(SafeguardingConcern.acknowledged_at.is_(None))
        .options(
            selectinload(SafeguardingConcern.audit).selectinload(Audit.case).selectinload(Case.team),
            selectinload(SafeguardingConcern.raised_by),
        )
        .order_by(SafeguardingConcern.raised_at)
    )
    if user.has_role(Role.LEADER):
        return db.session.scalars(query).all()
    if user.has_role(Role.SUPERVISOR) and user.team_id is not None:
        return db.session.scalars(query.where(SafeguardingConcern.team_id == user.team_id)).all()
    return []


def acknowledge_concern(concern: SafeguardingConcern, user: User, action_taken: str) -> None:
    concern.acknowledged_at = utcnow()
    concern.acknowledged_by_id = user.id
    concern.action_taken = action_taken
