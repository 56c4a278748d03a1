"""Admin: a subject access request about one child. Everything held about their case and everyone
who viewed, changed or exported it, on a page and as CSV. Opening either is itself logged."""

from __future__ import annotations

import csv
import io
import re

from flask import redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import found, requires
from audit.admin import admin
from audit.clock import to_local
from audit.domain.access_log import record_access
from audit.domain.cases import case_by_reference
from audit.domain.records import by_id
from audit.domain.subject_access import SubjectAccess, subject_access
from audit.models import Case, Role
from audit.reporting.downloads import record_download
from audit.reporting.export import safe_cell
from forms.base import add_error, required
from forms.subject_access import SubjectAccessCaseForm

CSV_HEADER = ("part", "date", "kind", "record_type", "record_id", "description", "person", "email", "action")


@admin.route("/subject-access", methods=["GET", "POST"])
@requires(Role.ADMIN)
def subject_access_search() -> str | Response:
    form = SubjectAccessCaseForm()
    if form.validate_on_submit():
        case = case_by_reference(required(form.case_reference))
        if case is not None:
            return redirect(url_for("admin.subject_access_case", case_id=case.id))
        add_error(form.case_reference, "There is no case with that reference")
    return render_template(
        "admin/subject_access_search.html",
        form=form,
        title="Subject access request",
        nav_section="admin.subject_access_search",
    )


@admin.route("/subject-access/<int:case_id>")
@requires(Role.ADMIN)
def subject_access_case(case_id: int) -> str:
    case = found(by_id(Case, case_id))
    # Logged first, so the register shows this viewing too.
    record_access(current_user.id, "view", "case", case.id, case.id)
    return render_template(
        "admin/subject_access.html",
        report=subject_access(case),
        title=f"Subject access: case {case.reference}",
        nav_section="admin.subject_access_search",
    )


@admin.route("/subject-access/<int:case_id>/held.csv")
@requires(Role.ADMIN)
def subject_access_csv(case_id: int) -> Response:
    case = found(by_id(Case, case_id))
    record_access(current_user.id, "export", "case", case.id, case.id)
    record_download("subject-access-csv", {"case_id": case.id}, current_user.id)
    reference = re.sub(r"[^A-Za-z0-9_-]+", "-", case.reference).strip("-") or "case"
    return Response(
        _csv(subject_access(case)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="subject-access-{reference}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _csv(report: SubjectAccess) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for item in report.held:
        row = ("record held", item.on.isoformat(), item.kind, item.record_type, item.record_id, item.description,
               item.by, "", "")  # fmt: skip
        writer.writerow([safe_cell(value) for value in row])
    for access in report.accesses:
        row = ("access", to_local(access.at).strftime("%Y-%m-%d %H:%M"), "", access.record_type, access.record_id,
               "", access.name, access.email, access.action)  # fmt: skip
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()
