"""The PDF of one audit, for the child's file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import signed_in
from audit.audits import audits
from audit.audits.views.journey import AuditView
from audit.clock import utcnow
from audit.domain import audits as audit_data
from audit.domain.access_log import record_access
from audit.models import Audit
from audit.pdf import render_pdf


@dataclass(frozen=True)
class ShownGrade:
    label: str
    tone: str  # good, concern, inadequate, na (not applicable) or none (not answered)


class AuditDocument(AuditView):
    """The read-only page's lookups, plus the tone each grade is shown in."""

    def __init__(self, audit: Audit) -> None:
        super().__init__(audit)
        self.worst_position = max((grade.position for grade in self.grades.values()), default=0)

    def grade(self, grade_id: int | None, not_applicable: bool = False) -> ShownGrade:
        if not_applicable:
            return ShownGrade(self.not_applicable, "na")
        grade = self.grades.get(grade_id) if grade_id else None
        if grade is None:
            return ShownGrade("Not answered", "none")
        if grade.good_or_better:
            return ShownGrade(grade.label, "good")
        return ShownGrade(grade.label, "inadequate" if grade.position == self.worst_position else "concern")


def _filename(audit: Audit) -> str:
    # Case references come from another system: keep the filename to characters every OS accepts.
    reference = re.sub(r"[^A-Za-z0-9_-]+", "-", audit.case.reference).strip("-") or "case"
    return f"audit-{reference}-{audit.id}.pdf"


@audits.route("/<int:audit_id>/pdf")
@signed_in
def pdf(audit_id: int) -> Response:
    audit = audit_data.audit_with_everything(audit_id)
    if audit is None or not audit_data.can_view(current_user, audit):
        abort(404)
    html = render_template(
        "pdf/audit.html",
        audit=audit,
        view=AuditDocument(audit),
        document_title=f"Case audit: {audit.case.reference}",
        printed_by=current_user.name,
        printed_at=utcnow(),
    )
    body = render_pdf(html)
    record_access(current_user.id, "export", "audit", audit.id, audit.case_id)
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{_filename(audit)}"', "Cache-Control": "no-store"},
    )
