"""Supervision frequency: the compliance page, and the standards an admin sets."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import requires
from audit.domain import supervision_compliance
from audit.models import Role
from audit.supervision import supervision
from forms.supervision import standards_form


@supervision.route("/compliance")
@requires(Role.SUPERVISOR, Role.LEADER)
def compliance() -> str:
    return render_template(
        "supervision/compliance.html",
        report=supervision_compliance.compliance(current_user),
        standards=supervision_compliance.standards(),
        service_wide=current_user.has_role(Role.LEADER),
        title="Supervision within timescale",
        nav_section="supervision.index",
    )


@supervision.route("/standards", methods=["GET", "POST"])
@requires(Role.ADMIN)
def standards() -> str | Response:
    rows = supervision_compliance.standards()
    form = standards_form(rows)
    if form.validate_on_submit():
        changed = supervision_compliance.update_intervals({row.id: getattr(form, f"s{row.id}").data for row in rows})
        flash(f"Supervision standards saved ({changed} changed).", "success")
        return redirect(url_for("supervision.standards"))
    return render_template(
        "supervision/standards.html",
        form=form,
        worker_rows=[row for row in rows if row.applies_to == "worker"],
        case_rows=[row for row in rows if row.applies_to == "plan_type"],
        title="Supervision standards",
        nav_section="supervision.index",
    )
