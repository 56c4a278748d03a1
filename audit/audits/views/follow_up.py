"""What an audit sets in motion: actions with owners, and immediate safeguarding concerns."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import found, requires, signed_in
from audit.audits import audits
from audit.audits.views.journey import audit_or_404
from audit.domain import audit_answers, follow_up
from audit.domain import plan as plan_data
from audit.domain.access_log import record_access, record_accesses
from audit.domain.records import by_id
from audit.models import Action, Role, SafeguardingConcern
from audit.routing import page_number
from forms.audit_extras import AcknowledgeForm, ActionForm, CompleteActionForm, ConcernForm, GradeOverrideForm
from forms.base import required


@audits.route("/<int:audit_id>/actions/new", methods=["GET", "POST"])
@requires(Role.AUDITOR)
def add_action(audit_id: int) -> str | Response:
    audit = audit_or_404(audit_id)
    if audit.auditor_id != current_user.id or audit.moderation is not None:
        abort(403)
    form = ActionForm(owners=follow_up.possible_owners(audit))
    if form.validate_on_submit():
        action = follow_up.add_action(
            audit,
            description=required(form.description),
            owner_id=int(form.owner.data),
            due_date=required(form.due_date),
            created_by=current_user,
        )
        record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
        record_access(current_user.id, "create", "action", action.id, audit.case_id)
        flash("Action added. Its owner will see it in My actions.", "success")
        return redirect(url_for("audits.edit" if not audit.is_locked else "audits.show", audit_id=audit.id))
    record_access(current_user.id, "view", "audit", audit.id, audit.case_id)
    return render_template(
        "audits/action_form.html", audit=audit, form=form, title="Add an action", nav_section="audits.mine"
    )


@audits.route("/actions")
@signed_in
def my_actions() -> str:
    shown = follow_up.actions_owned_page(current_user, page_number())
    actions = shown.items
    # The list shows what each action says, so each is logged as viewed (one statement).
    record_accesses(current_user.id, "view", "action", ((action.id, _case_id_of(action)) for action in actions))
    return render_template(
        "audits/my_actions.html",
        actions=actions,
        shown=shown,
        plan_actions=plan_data.actions_owned_by(current_user),  # about the service, not a child: not logged
        plan_overdue=plan_data.is_overdue,
        today=follow_up.today(),
        title="My actions",
    )


@audits.route("/actions/<int:action_id>/done", methods=["GET", "POST"])
@signed_in
def complete_action(action_id: int) -> str | Response:
    action = found(by_id(Action, action_id))
    if action.owner_id != current_user.id:
        abort(404)
    if action.completed_at is not None:
        flash("This action is already done.", "important")
        return redirect(url_for("audits.my_actions"))
    form = CompleteActionForm()
    if form.validate_on_submit():
        follow_up.complete_action(action, current_user, form.note.data or None)
        record_access(current_user.id, "update", "action", action.id, _case_id_of(action))
        flash("Action marked as done.", "success")
        return redirect(url_for("audits.my_actions"))
    record_access(current_user.id, "view", "action", action.id, _case_id_of(action))
    return render_template(
        "audits/complete_action.html",
        action=action,
        form=form,
        title="Mark an action as done",
        nav_section="audits.my_actions",
    )


def _case_id_of(action: Action) -> int | None:
    """The child an action is about: its audit's case, or the case it was set for in supervision
    (none for an action about the worker's own practice)."""
    return action.audit.case_id if action.audit is not None else action.supervision_case_id


@audits.route("/<int:audit_id>/concern", methods=["GET", "POST"])
@requires(Role.AUDITOR)
def raise_concern(audit_id: int) -> str | Response:
    audit = audit_or_404(audit_id)
    if audit.auditor_id != current_user.id:
        abort(403)
    form = ConcernForm()
    if form.validate_on_submit():
        concern = follow_up.raise_concern(audit, current_user, required(form.details))
        record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
        record_access(current_user.id, "create", "concern", concern.id, audit.case_id)
        flash(
            "The safeguarding concern has been raised. The team manager and leaders see it now, "
            "until one of them acknowledges it. If a child is in immediate danger, also phone the team now.",
            "important",
        )
        return redirect(url_for("audits.edit" if not audit.is_locked else "audits.show", audit_id=audit.id))
    record_access(current_user.id, "view", "audit", audit.id, audit.case_id)
    return render_template(
        "audits/concern_form.html",
        audit=audit,
        form=form,
        title="Raise a safeguarding concern",
        nav_section="audits.mine",
    )


@audits.route("/concerns")
@requires(Role.SUPERVISOR, Role.LEADER)
def concerns() -> str:
    page = follow_up.open_concerns_page(current_user, request.args.get("after", type=int))
    open_concerns = page.items
    # The list quotes each concern's details, so each is logged as viewed (one statement).
    record_accesses(
        current_user.id, "view", "concern", ((concern.id, concern.audit.case_id) for concern in open_concerns)
    )
    return render_template(
        "audits/concerns.html",
        concerns=open_concerns,
        page=page,
        concern_days={concern.id: follow_up.days_since(concern.raised_at) for concern in open_concerns},
        response_days=follow_up.response_working_days(),
        title="Safeguarding concerns",
    )


@audits.route("/concerns/<int:concern_id>", methods=["GET", "POST"])
@requires(Role.SUPERVISOR, Role.LEADER)
def acknowledge_concern(concern_id: int) -> str | Response:
    concern = found(by_id(SafeguardingConcern, concern_id))
    if not follow_up.can_acknowledge(current_user, concern):
        abort(404)
    form = AcknowledgeForm()
    if concern.acknowledged_at is None and form.validate_on_submit():
        follow_up.acknowledge_concern(concern, current_user, required(form.action_taken))
        record_access(current_user.id, "update", "concern", concern.id, concern.audit.case_id)
        flash("Concern acknowledged. It no longer shows as open.", "success")
        return redirect(url_for("audits.concerns"))
    record_access(current_user.id, "view", "concern", concern.id, concern.audit.case_id)
    return render_template(
        "audits/acknowledge.html",
        concern=concern,
        raised_days_ago=follow_up.days_since(concern.raised_at),
        form=form,
        title="Safeguarding concern",
        nav_section="audits.concerns",
    )


@audits.route("/<int:audit_id>/grade-override", methods=["GET", "POST"])
@requires(Role.LEADER)
def grade_override(audit_id: int) -> str | Response:
    """A leader records why an audit that raised a safeguarding concern may still be graded good or
    better overall (the tool's rule otherwise refuses it)."""
    audit = audit_or_404(audit_id)
    if not audit.concerns or not audit.tool_version.concern_caps_grade:
        flash("This audit raised no safeguarding concern, so its grade needs no override.", "important")
        return redirect(url_for("audits.show", audit_id=audit.id))
    form = GradeOverrideForm()
    if not form.showing_saved_values and audit.grade_override_reason:
        form.reason.data = audit.grade_override_reason
    if form.validate_on_submit():
        audit_answers.override_grade_cap(audit, current_user, required(form.reason))
        record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
        flash("Override recorded. The audit may now be graded good or better overall.", "success")
        return redirect(url_for("audits.show", audit_id=audit.id))
    record_access(current_user.id, "view", "audit", audit.id, audit.case_id)
    return render_template(
        "audits/grade_override.html",
        audit=audit,
        form=form,
        title=f"Override the grade rule for the audit of {audit.case.reference}",
        nav_section="audits.index",
    )
