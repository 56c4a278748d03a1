"""Flask-Login wiring: load the user from the session's "id:token" pair."""

from __future__ import annotations

from flask import Flask

from audit.domain.records import by_id
from audit.extensions import login_manager
from audit.models import User


@login_manager.user_loader
def load_user(stored_id: str) -> User | None:
    user_id, _, token = stored_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = by_id(User, user_id)
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = app.config["SESSION_PROTECTION"]
