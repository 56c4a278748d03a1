"""Moderation: a moderator re-grades submitted audits, agreeing or disagreeing with the auditor.

A moderator who completed the audit is refused with 403; an audit that is not awaiting
moderation (still a draft, or moderated already) gets 409. Both show a page that says why.
"""

from flask import Blueprint

moderation = Blueprint("moderation", __name__, url_prefix="/moderation")

from audit.moderation import views  # noqa: E402,F401  (routes register on import)
