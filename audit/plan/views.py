"""The plan page and its PDF."""

from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user

from audit.access import requires
from audit.domain import plan as plan_data
from audit.extensions import db
from audit.plan import EDITORS, READERS, document, plan
from audit.reports.downloads import record_download


@plan.route("/")
@requires(*READERS)
def index() -> str:
    return render_template(
        "plan/index.html",
        **document.context(plan_data.plan_report()),
        can_edit=current_user.has_role(*EDITORS),
        title="Improvement plan",
    )


@plan.route("/plan.pdf")
@requires(*READERS)
def pdf() -> Response:
    body, report = document.plan_pdf(generated_by=current_user.name)
    record_download(document.REPORT_NAME, {"on": report.on}, current_user.id, "web")
    db.session.commit()
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{document.filename(report)}"',
            "Cache-Control": "no-store",
        },
    )
