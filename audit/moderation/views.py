"""The moderation pages: the queue, and re-grading one audit."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import requires
from audit.clock import today
from audit.domain import moderation as moderation_data
from audit.domain import moderation_sampling, people, tools
from audit.domain.access_log import record_access
from audit.domain.audits import audit_with_everything, can_view
from audit.domain.programme import months_before
from audit.models import Audit, Role
from audit.moderation import moderation
from audit.reporting.moderation_sample import sample_achieved
from audit.routing import page_number
from forms.moderation import ModerationFormBase, moderation_form_class


@moderation.route("/")
@requires(Role.MODERATOR)
def index() -> str:
    filters = moderation_data.QueueFilters(
        team_id=request.args.get("team", type=int) or None,
        tool_id=request.args.get("tool", type=int) or None,
    )
    queue = moderation_data.moderation_queue(filters, page_number())
    on = today()
    # The sample achieved over the last three months of submissions, up to today.
    since = months_before(on, 3) + timedelta(days=1)
    return render_template(
        "moderation/index.html",
        queue=queue,
        timing={audit.id: moderation_sampling.queue_timing(audit, on) for audit in queue.audits},
        achieved=sample_achieved(since, on, on),
        rule=moderation_sampling.service_rule(),
        recent=moderation_data.recently_moderated(),
        agreement_summary=moderation_data.agreement_summary,
        teams=people.all_teams(),
        tools=tools.all_tools(),
        title="Moderation",
    )


class AuditorsGrades:
    """The auditor's grades and answers, looked up for the read-only side of the moderation page."""

    def __init__(self, audit: Audit) -> None:
        self.answers = {answer.question_id: answer for answer in audit.answers}
        self.judgements = {judgement.section_id: judgement for judgement in audit.judgements}
        self.grades = {grade.id: grade.label for grade in audit.tool_version.scale.grades}
        self.not_applicable = audit.tool_version.scale.not_applicable_label

    def label(self, grade_id: int | None, not_applicable: bool = False) -> str:
        if not_applicable:
            return self.not_applicable
        return self.grades.get(grade_id, "Not graded") if grade_id else "Not graded"


def _render_form(audit: Audit, form: ModerationFormBase) -> str:
    return render_template(
        "moderation/moderate.html",
        audit=audit,
        form=form,
        auditors=AuditorsGrades(audit),
        title=f"Moderate the audit of {audit.case.reference}",
        nav_section="moderation.index",
    )


def _refused(audit: Audit, reason: str) -> tuple[str, int]:
    status = 403 if moderation_data.is_auditor_conflict(audit, current_user) else 409
    page = render_template(
        "moderation/cannot_moderate.html",
        audit=audit,
        reason=reason,
        title="You cannot moderate this audit",
        nav_section="moderation.index",
    )
    return page, status


@moderation.route("/<int:audit_id>", methods=["GET", "POST"])
@requires(Role.MODERATOR)
def moderate(audit_id: int) -> str | Response | tuple[str, int]:
    audit = audit_with_everything(audit_id)
    if audit is None or not can_view(current_user, audit):
        abort(404)
    reason = moderation_data.refusal(audit, current_user)
    if reason:
        return _refused(audit, reason)

    form = moderation_form_class(audit.tool_version)()
    if request.method == "GET":
        if not form.restored:
            form.version.data = str(audit.version)
        record_access(current_user.id, "view", "audit", audit.id, audit.case_id)
        return _render_form(audit, form)

    form_valid = form.validate()
    sections, overall = form.section_values(), form.overall_values()
    if not form_valid:
        form.add_problems(moderation_data.problems_with(audit, sections, overall))
        return _render_form(audit, form)
    try:
        moderation_data.record_moderation(
            audit, current_user, sections, overall, expected_version=_int(form.version.data)
        )
    except moderation_data.ModerationRefused as refused:
        return _refused(audit, str(refused))
    except moderation_data.ModerationProblems as problems:
        form.add_problems(problems.problems)
        form.version.data = str(audit.version)  # they now see the audit as it is
        return _render_form(audit, form)
    record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
    flash(f"You moderated the audit of {audit.case.reference}. The audit is now closed.", "success")
    return redirect(url_for("moderation.index"))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
