"""The plan page and its PDF."""

from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user

from audit.access import requires
from audit.plan import EDITORS, READERS, plan
from audit.reporting import plan as plan_document
from audit.reporting.downloads import record_download


@plan.route("/")
@requires(*READERS)
def index() -> str:
    return render_template(
        "plan/index.html",
        **plan_document.context(plan_document.plan_report()),
        can_edit=current_user.has_role(*EDITORS),
        title="Improvement plan",
    )


@plan.route("/plan.pdf")
@requires(*READERS)
def pdf() -> Response:
    body, report = plan_document.plan_pdf(generated_by=current_user.name)
    record_download(plan_document.REPORT_NAME, {"on": report.on}, current_user.id, "web")
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{plan_document.filename(report)}"',
            "Cache-Control": "no-store",
        },
    )
