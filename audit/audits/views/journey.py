"""Audit pages: lists, starting an audit, the form with autosave and submission, the read-only
audit, amendments and the practitioner's reflection."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit import autosave as draft_saving
from audit.access import found, requires, signed_in
from audit.audits import audits
from audit.clock import local_now, today
from audit.domain import audit_answers, people, reaudit, tools
from audit.domain import audits as audit_data
from audit.domain import moderation as moderation_outcome
from audit.domain.access_log import record_access
from audit.domain.atomic import Refused
from audit.domain.audit_answers import amendments_recorded
from audit.domain.cases import case_by_reference
from audit.domain.records import by_id
from audit.models import Audit, AuditStatus, AuditToolVersion, Role
from audit.routing import page_number
from forms.audit import AuditFormBase, amendment_form_class, audit_form_class
from forms.audit_extras import AuditDatesFilterForm, NewAuditForm, ReflectionForm
from forms.base import add_error, required


def audit_or_404(audit_id: int) -> Audit:
    audit = audit_data.audit_with_everything(audit_id)
    if audit is None or not audit_data.can_view(current_user, audit):
        abort(404)
    return audit


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=int) or None


# Lists -------------------------------------------------------------------------------------------


@audits.route("/mine")
@signed_in
def mine() -> str:
    # Each list has its own page number, so paging through one leaves the other where it was.
    assigned = audit_data.my_audits_page(current_user, page_number()) if current_user.has_role(Role.AUDITOR) else None
    to_reflect = audit_data.awaiting_my_reflection_page(current_user, page_number("reflections_page"))
    return render_template(
        "audits/mine.html",
        assigned=assigned,
        to_reflect=to_reflect,
        today=today(),
        title="My audits",
    )


@audits.route("/")
@signed_in
def index() -> str:
    dates = AuditDatesFilterForm(formdata=request.args)
    dates.validate()  # a date with an error is shown beside its boxes and not applied
    filters = audit_data.AuditFilters(
        team_id=_int_arg("team"),
        tool_id=_int_arg("tool"),
        status=request.args.get("status") or None,
        overall_grade_key=request.args.get("grade") or None,
        submitted_from=None if dates.start.errors else dates.start.data,
        submitted_to=None if dates.end.errors else dates.end.data,
        overdue_only=request.args.get("overdue") == "1",
    )
    page = audit_data.audit_page(current_user, filters, page_number())
    return render_template(
        "audits/index.html",
        page=page,
        teams=people.all_teams() if current_user.is_service_wide else [],
        tools=tools.all_tools(),
        statuses=list(AuditStatus),
        grades=audit_data.grade_options(),
        form=dates,
        today=today(),
        title="Audits",
    )


# Starting ----------------------------------------------------------------------------------------


@audits.route("/new", methods=["GET", "POST"])
@requires(Role.AUDITOR)
def new() -> str | Response:
    form = NewAuditForm(tools=tools.latest_versions())
    if form.validate_on_submit():
        case = case_by_reference(required(form.case_reference))
        # One of the versions the form offered (it refuses any other), so found.
        tool_version = found(by_id(AuditToolVersion, form.tool.data))
        # Only a case the auditor may see (their team's; every team's for service-wide roles);
        # another team's reads exactly as one that does not exist.
        if case is None or not current_user.can_see_team(case.team_id):
            add_error(form.case_reference, "There is no case with that reference")
        else:
            try:
                audit = audit_data.start_audit(
                    case=case, tool_version=tool_version, auditor=current_user, created_by=current_user
                )
            except audit_data.AuditError as error:
                add_error(form.case_reference, str(error))
            else:
                record_access(current_user.id, "create", "audit", audit.id, case.id)
                return redirect(url_for("audits.edit", audit_id=audit.id))
    return render_template("audits/new.html", form=form, title="Start an audit", nav_section="audits.mine")


# Reading -----------------------------------------------------------------------------------------


@audits.route("/<int:audit_id>")
@signed_in
def show(audit_id: int) -> str:
    audit = audit_or_404(audit_id)
    record_access(current_user.id, "view", "audit", audit.id, audit.case_id)
    # The auditor has now seen the moderation's outcome: it leaves their home page.
    moderation_outcome.mark_outcome_read(audit, current_user)
    return render_template(
        "audits/show.html",
        audit=audit,
        view=AuditView(audit),
        outcome_summary=moderation_outcome.agreement_summary(audit.moderation) if audit.moderation else None,
        follow_up=reaudit.existing_follow_up(audit),
        can_edit=audit_data.can_edit(current_user, audit),
        can_amend=audit_data.can_amend(current_user, audit),
        can_reflect=audit_data.can_reflect(current_user, audit),
        grade_capped=audit_answers.grade_capped_by_concern(audit),
        title=f"Audit of {audit.case.reference}",
        nav_section="audits.index",
    )


class AuditView:
    """Lookups the read-only page and PDF need, built once from the loaded audit."""

    def __init__(self, audit: Audit) -> None:
        self.answers = {answer.question_id: answer for answer in audit.answers}
        self.judgements = {judgement.section_id: judgement for judgement in audit.judgements}
        self.grades = {grade.id: grade for grade in audit.tool_version.scale.grades}
        self.not_applicable = audit.tool_version.scale.not_applicable_label
        self.moderated = {item.section_id: item for item in audit.moderation.section_grades} if audit.moderation else {}

    def grade_label(self, grade_id: int | None, not_applicable: bool = False) -> str:
        if not_applicable:
            return self.not_applicable
        grade = self.grades.get(grade_id) if grade_id else None
        return grade.label if grade else "Not answered"


# Editing a draft ---------------------------------------------------------------------------------


def _editable_or_404(audit_id: int) -> Audit:
    audit = audit_or_404(audit_id)
    if audit.auditor_id != current_user.id:
        abort(404 if not current_user.is_service_wide else 403)
    return audit


def editable_draft(audit_id: int) -> Audit | Response:
    """The auditor's own open audit, or where to send them when it is no longer a draft."""
    audit = _editable_or_404(audit_id)
    if audit.status == AuditStatus.CANCELLED:
        flash("This audit has been cancelled and can no longer be changed.", "important")
        return redirect(url_for("audits.show", audit_id=audit.id))
    if audit.is_locked:
        flash("This audit has been submitted. To correct it, make an amendment.", "important")
        return redirect(url_for("audits.show", audit_id=audit.id))
    return audit


def _render_form(audit: Audit, form: AuditFormBase, conflict: audit_answers.EditConflict | None = None) -> str:
    return render_template(
        "audits/edit.html",
        audit=audit,
        form=form,
        conflict=conflict,
        title=f"Audit of {audit.case.reference}: every section",
        nav_section="audits.mine",
    )


@audits.route("/<int:audit_id>/edit/all", methods=["GET", "POST"])
@requires(Role.AUDITOR)
def edit_all(audit_id: int) -> str | Response:
    """Every part on one page, for an auditor who would rather scroll than step through the task
    list; it saves, autosaves and submits by the same rules."""
    audit = editable_draft(audit_id)
    if isinstance(audit, Response):
        return audit
    form = audit_form_class(audit.tool_version)()
    form.part.data = ""  # the whole audit, whatever was posted
    if request.method == "GET" and not form.restored:
        form.fill_from(audit)
        record_access(current_user.id, "view", "audit", audit.id, audit.case_id)
        return _render_form(audit, form)

    # A post, or what was posted before the session expired: save it as a draft first.
    form.validate()
    conflict = None
    try:
        audit_answers.save_draft(audit, form.draft_values(), current_user, form.expected_version())
        record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
        form.version.data = str(audit.version)
        form.overwrite.data = ""
    except audit_answers.EditConflict as error:
        conflict = error
        form.overwrite.data = str(error.current_version)
        return _render_form(audit, form, conflict)

    if request.method == "GET":  # restored after sign-in or an expired page: saved now, shown for checking
        form.restored = False
        flash("We saved what you entered before the page expired. Check it, then carry on.", "success")
        return _render_form(audit, form)
    if form.errors:
        return _render_form(audit, form)
    if request.form.get("action") == "submit":
        problems = audit_answers.submit(audit, current_user)  # changes nothing when there are problems
        if problems:
            form.add_problems(problems)
            return _render_form(audit, form)
        record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
        flash("Audit submitted. It is now read-only; corrections are made as amendments.", "success")
        return redirect(url_for("audits.show", audit_id=audit.id))
    flash(f"Your answers were saved at {local_now():%H:%M}. You can come back to this audit from My audits.", "success")
    return redirect(url_for("audits.mine"))


@audits.route("/<int:audit_id>/autosave", methods=["POST"])
@requires(Role.AUDITOR)
def autosave(audit_id: int) -> Response:
    # Only what saving reads: this runs every few seconds while an auditor types.
    audit = audit_data.audit_for_saving(audit_id)
    if audit is None or audit.auditor_id != current_user.id:
        abort(404)
    if audit.status == AuditStatus.CANCELLED:
        return draft_saving.locked("This audit has been cancelled and can no longer be changed.")
    if audit.is_locked:
        return draft_saving.locked("This audit has been submitted and can no longer be changed here.")
    form = audit_form_class(audit.tool_version)()

    def save() -> None:
        if audit_answers.save_draft(audit, form.draft_values(), current_user, form.expected_version()):
            record_access(current_user.id, "update", "audit", audit.id, audit.case_id)

    return draft_saving.save_draft(form, save=save, version=lambda: audit.version)


# After submission ---------------------------------------------------------------------------------


@audits.route("/<int:audit_id>/amend", methods=["GET", "POST"])
@signed_in
def amend(audit_id: int) -> str | Response:
    audit = audit_or_404(audit_id)
    if not audit_data.can_amend(current_user, audit):
        abort(403)
    form = amendment_form_class(audit.tool_version)()
    conflict = None
    if request.method == "GET" and not form.restored:
        form.fill_from(audit)
        record_access(current_user.id, "view", "audit", audit.id, audit.case_id)
    elif request.method == "POST" and form.validate():
        try:
            changes = audit_answers.amend_if_complete(
                audit, form.draft_values(), current_user, form.amendment_reason.data, form.expected_version()
            )
        except audit_answers.EditConflict as error:
            conflict = error
            form.overwrite.data = str(error.current_version)
        except Refused as refused:
            form.add_problems(refused.problems)
        else:
            record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
            flash(amendments_recorded(len(changes)), "success")
            return redirect(url_for("audits.show", audit_id=audit.id))
    return render_template(
        "audits/amend.html",
        audit=audit,
        form=form,
        conflict=conflict,
        title=f"Amend the audit of {audit.case.reference}",
        nav_section="audits.index",
    )


@audits.route("/<int:audit_id>/reflection", methods=["GET", "POST"])
@requires(Role.PRACTITIONER)
def reflection(audit_id: int) -> str | Response:
    audit = audit_or_404(audit_id)
    if not audit_data.can_reflect(current_user, audit):
        abort(403)
    form = ReflectionForm()
    if not form.showing_saved_values:
        form.reflection.data = audit.practitioner_reflection
    if form.validate_on_submit():
        audit_data.add_reflection(audit, current_user, required(form.reflection))
        record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
        flash("Your reflection has been added to the audit.", "success")
        return redirect(url_for("audits.show", audit_id=audit.id))
    record_access(current_user.id, "view", "audit", audit.id, audit.case_id)
    return render_template(
        "audits/reflection.html", audit=audit, form=form, title="Your reflection", nav_section="audits.mine"
    )
