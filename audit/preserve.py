"""Nothing the user typed is lost when their session or CSRF token has expired.

When such a post arrives, its fields (less passwords and the CSRF token) are kept in the database
for the same user, and the user is sent to sign in or back to the page. The page's view then calls
``restored_formdata()`` and shows the form filled in as it was posted. Both are committed with the
rest of the request (``audit.database``).
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

from flask import request, session
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from audit.clock import utcnow
from audit.extensions import db
from audit.models import PreservedForm

SESSION_KEY = "preserved_form"
KEEP_FOR = timedelta(days=1)
_NEVER_KEPT = ("csrf_token", "password", "current_password", "new_password", "confirm_password")


def _is_same_origin_post() -> bool:
    """Only keep what the user's own page posted, never a cross-site post."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}
    origin = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return origin.startswith(request.host_url.rstrip("/")) or origin == ""


def keep_posted_form(user_id: int | None) -> bool:
    """Store the posted fields for this user; True when anything was kept."""
    if request.method != "POST" or not _is_same_origin_post():
        return False
    pairs = [
        [name, value]
        for name, value in request.form.items(multi=True)
        if name not in _NEVER_KEPT and "password" not in name
    ]
    if not pairs:
        return False
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(PreservedForm).where(PreservedForm.created_at < utcnow() - KEEP_FOR))
    db.session.add(PreservedForm(token=token, user_id=user_id, path=request.path, data=json.dumps(pairs)))
    session[SESSION_KEY] = token
    return True


def restored_formdata(user_id: int) -> MultiDict[str, str] | None:
    """The fields kept for this page and user, once; None when there are none."""
    token = session.get(SESSION_KEY)
    if not token or request.method != "GET":
        return None
    kept = db.session.scalar(select(PreservedForm).where(PreservedForm.token == token))
    if kept is None or kept.path != request.path:
        return None
    session.pop(SESSION_KEY, None)
    db.session.delete(kept)
    if kept.user_id not in (None, user_id) or kept.created_at < utcnow() - KEEP_FOR:
        return None
    return MultiDict([tuple(pair) for pair in json.loads(kept.data)])
