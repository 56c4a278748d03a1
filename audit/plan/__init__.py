"""The improvement plan: leaders keep its priorities, measures of success and actions; the plan page
and its PDF show every measure's value from the report figures, with a RAG status.

Leaders change the plan. Supervisors (team managers) and moderators (senior managers and QA leads)
deliver its actions and may read it and download it; no one else sees it."""

from flask import Blueprint

from audit.models import Role

plan = Blueprint("plan", __name__, url_prefix="/plan")

READERS = (Role.LEADER, Role.SUPERVISOR, Role.MODERATOR)
EDITORS = (Role.LEADER,)

from audit.plan import cli, views  # noqa: E402,F401  (routes and the command register on import)
