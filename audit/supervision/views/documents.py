"""Supervision PDFs: the whole record for the two parties and leaders, and one child's part of it
for that child's file (nothing about other children or the worker's wellbeing)."""

from __future__ import annotations

import re

from flask import abort, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import signed_in
from audit.clock import utcnow
from audit.domain import supervision as records
from audit.domain.access_log import record_access
from audit.pdf import render_pdf
from audit.supervision import supervision
from audit.supervision.views.records import log_access, record_or_404


def _safe(text: str) -> str:
    # Case references come from another system: keep filenames to characters every OS accepts.
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "record"


def _pdf_response(body: bytes, filename: str) -> Response:
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@supervision.route("/<int:record_id>/pdf")
@signed_in
def pdf(record_id: int) -> Response:
    record = record_or_404(record_id)
    html = render_template(
        "pdf/supervision.html",
        record=record,
        fields=records,
        carried_forward=records.carried_forward_actions(record),
        document_title=f"Supervision record: {record.kind_enum.label.lower()}, {record.held_on:%d %B %Y}",
        printed_by=current_user.name,
        printed_at=utcnow(),
    )
    body = render_pdf(html)
    log_access(record, "export")
    return _pdf_response(body, f"supervision-{record.held_on.isoformat()}-{record.id}.pdf")


@supervision.route("/<int:record_id>/cases/<int:case_id>/pdf")
@signed_in
def case_pdf(record_id: int, case_id: int) -> Response:
    record = record_or_404(record_id)
    discussed = next((item for item in record.cases if item.case_id == case_id), None)
    if discussed is None:
        abort(404)
    html = render_template(
        "pdf/supervision_case.html",
        record=record,
        discussed=discussed,
        fields=records,
        actions=[action for action in record.actions if action.supervision_case_id == case_id],
        document_title=f"Supervision record: {discussed.case.reference}",
        printed_by=current_user.name,
        printed_at=utcnow(),
    )
    body = render_pdf(html)
    record_access(current_user.id, "export", "supervision", record.id, case_id)
    return _pdf_response(body, f"supervision-{_safe(discussed.case.reference)}-{record.held_on.isoformat()}.pdf")
