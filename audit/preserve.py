"""Nothing the user typed is lost when their session or CSRF token has expired.

When such a post arrives from a signed-in user, its fields (less passwords and the CSRF token)
are kept in the database for that user, and the user is sent to sign in or back to the page. The
page's view then calls ``restored_formdata()`` and shows the form filled in as it was posted (an
audit or supervision draft saves it at once). Both are committed with the rest of the request
(``audit.database``).

Because a restored form may be saved over the user's record, a post is kept only when all of
these hold (otherwise nothing is stored and the user is told what they typed was not kept):

- we know whose it is: the user was signed in when their idle session ended at this request, or is
  signed in with an expired CSRF token. A post with no such user (signed out, or a session ended
  elsewhere by signing out, a password change or deactivation) is never kept;
- it came from one of this site's own pages: ``Sec-Fetch-Site`` is ``same-origin`` when sent,
  and the ``Origin`` (or, without it, the ``Referer``) has exactly this site's scheme, host and
  port. A post that carries none of these is not kept;
- it is not larger than ``MAX_KEPT_CHARACTERS``; each user has at most ``MAX_KEPT_PER_USER``.

It is restored only to the same user, in the same browser (the session holds a random token for
it), on the same page, once, within a day. If someone else signs in or opens a page in that
browser first, it is deleted unseen.
"""

from __future__ import annotations

import enum
import json
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import request, session
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from audit.clock import utcnow
from audit.extensions import db
from audit.models import PreservedForm

SESSION_KEY = "preserved_form"
KEEP_FOR = timedelta(days=1)
# About 40 pages of typing: far more than is typed between two autosaves, which is what a kept
# post of a draft needs to hold.
MAX_KEPT_CHARACTERS = 200_000
MAX_KEPT_PER_USER = 5
_NEVER_KEPT = ("csrf_token", "password", "current_password", "new_password", "confirm_password")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Kept(enum.Enum):
    """What ``keep_posted_form`` did with a post."""

    KEPT = "kept"
    NOTHING_TO_KEEP = "nothing"  # not a post, or nothing typed in it
    REFUSED = "refused"  # typed, but it could not be kept (no known user, another site, too large)


def _origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL, or None when it is not a plain http(s) URL."""
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "")
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number, such as "5000.evil.example"
        return None
    if scheme not in _DEFAULT_PORTS or not host or port is None:
        return None
    return scheme, host.lower(), port


def is_same_origin_post() -> bool:
    """True only when the browser says the post came from one of this site's own pages.

    Browsers send ``Sec-Fetch-Site`` and ``Origin`` with every form post and a page cannot forge
    either; whichever is present must say this site. Without any of them we cannot tell, so no."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    claimed = request.headers.get("Origin") or request.headers.get("Referer")
    if claimed is None:
        return fetch_site == "same-origin"
    own = _origin_of(request.host_url)
    return own is not None and _origin_of(claimed) == own


def _kept_pairs() -> list[list[str]]:
    return [
        [name, value]
        for name, value in request.form.items(multi=True)
        if name not in _NEVER_KEPT and "password" not in name
    ]


def keep_posted_form(user_id: int | None) -> Kept:
    """Store the posted fields for this user (see the module's docstring for when)."""
    if request.method != "POST":
        return Kept.NOTHING_TO_KEEP
    pairs = _kept_pairs()
    if not pairs:
        return Kept.NOTHING_TO_KEEP
    if user_id is None or not is_same_origin_post():
        return Kept.REFUSED
    if sum(len(name) + len(value) for name, value in pairs) > MAX_KEPT_CHARACTERS:
        return Kept.REFUSED
    now = utcnow()
    db.session.execute(delete(PreservedForm).where(PreservedForm.created_at < now - KEEP_FOR))
    older = (
        select(PreservedForm.id)
        .where(PreservedForm.user_id == user_id)
        .order_by(PreservedForm.created_at.desc(), PreservedForm.id.desc())
        .offset(MAX_KEPT_PER_USER - 1)
    )
    if beyond_the_limit := db.session.scalars(older).all():
        db.session.execute(delete(PreservedForm).where(PreservedForm.id.in_(beyond_the_limit)))
    token = secrets.token_urlsafe(32)
    db.session.add(PreservedForm(token=token, user_id=user_id, path=request.path[:500], data=json.dumps(pairs)))
    session[SESSION_KEY] = token
    return Kept.KEPT


def _kept_in_session() -> PreservedForm | None:
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    return db.session.scalar(
        select(PreservedForm).where(PreservedForm.token == token, PreservedForm.created_at >= utcnow() - KEEP_FOR)
    )


def _theirs_or_forget(user_id: int) -> PreservedForm | None:
    """The form kept in this browser's session if it is this user's. Another user's is deleted:
    it is never shown to this one, and nobody could reach it once its token leaves the session."""
    kept = _kept_in_session()
    if kept is not None and kept.user_id != user_id:
        db.session.delete(kept)
        kept = None
    if kept is None:
        session.pop(SESSION_KEY, None)
    return kept


def token_for(user_id: int) -> str | None:
    """The session's kept-form token, to carry across this user's sign-in, when it is theirs."""
    kept = _theirs_or_forget(user_id)
    return kept.token if kept is not None else None


def restored_formdata(user_id: int) -> MultiDict[str, str] | None:
    """The fields this user posted on this page before it expired, once; None when there are none."""
    if request.method != "GET" or not session.get(SESSION_KEY):
        return None
    kept = _theirs_or_forget(user_id)
    if kept is None or kept.path != request.path:
        return None  # none, or kept for the page they are on their way to
    session.pop(SESSION_KEY, None)
    db.session.delete(kept)
    return MultiDict([(str(name), str(value)) for name, value in json.loads(kept.data)])
