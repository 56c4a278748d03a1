"""Leaders' list of supervision records across the service, to check its quality."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from audit.access import requires
from audit.domain import people, supervision_browse
from audit.models import Role
from audit.routing import page_number
from audit.supervision import supervision
from forms.supervision_browse import SupervisionBrowseForm


@supervision.route("/browse")
@requires(Role.LEADER)
def browse() -> str:
    form = SupervisionBrowseForm(
        formdata=request.args,
        teams=people.all_teams(),
        supervisors=supervision_browse.supervisors(),
        workers=supervision_browse.supervised_workers(),
    )
    form.validate()  # a date with an error is shown in the error summary and beside its boxes, not applied
    page = supervision_browse.browse(current_user, form.filters(), page_number())
    # No access-log rows: the list shows no child's details; opening a record is logged there.
    return render_template(
        "supervision/browse.html",
        form=form,
        page=page,
        title="Browse supervision records",
        nav_section="supervision.index",
    )
