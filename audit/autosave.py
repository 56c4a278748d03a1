"""The one autosave endpoint behaviour, shared by audits and supervision records.

The page's script (static/js/autosave.mjs) posts the whole form; whatever is valid is saved as a
draft, and the answer says the new version, when, and which fields need correcting (as a list,
and by field name in `field_problems`). A save from an out-of-date copy is refused with 409 and
saves nothing. Text no database can store (a NUL, a lone surrogate) is one of those field problems
(forms.base): the field keeps its saved value, the rest is saved, and the script shows why beside
it, where the person's typing still is. A body that is not a form at all (JSON that is not an
object of text) never reaches here: audit.routing answers it with 400 and
``{"error": "unreadable", "message": ...}``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import jsonify
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from audit.clock import local_now
from audit.domain.audit_answers import EditConflict


def json_response(status: int, **body: object) -> Response:
    response = jsonify(**body)
    response.status_code = status
    return response


def locked(message: str) -> Response:
    return json_response(409, error="locked", message=message)


def save_draft(form: FlaskForm, save: Callable[[], object], version: Callable[[], int]) -> Response:
    """Validate the posted form, save what is valid with `save` (what it returns is not used), and
    answer the page's script."""
    form.validate()
    try:
        save()
    except EditConflict as error:  # refused before anything was changed
        told = error.told_to(current_user.id)
        return json_response(409, error="conflict", message=f"{told}. Your latest changes have not been saved.")
    invalid = {field.name: field.errors for field in form if isinstance(field.errors, list) and field.errors}
    problems = [message for messages in invalid.values() for message in messages]
    # By field name too, so the script can say "Not saved" next to the field it is about.
    field_problems = {name: "; ".join(messages) for name, messages in invalid.items()}
    return json_response(
        200, version=version(), saved_at=f"{local_now():%H:%M}", problems=problems, field_problems=field_problems
    )
