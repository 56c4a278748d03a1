"""What an audit sets in motion: actions with owners, and immediate safeguarding concerns."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import found, requires, signed_in
from audit.audits import audits
from audit.audits.views.journey import audit_or_404
from audit.domain import follow_up
from audit.domain.access_log import record_access
from audit.domain.records import by_id
from audit.models import Action, Role, SafeguardingConcern
from forms.audit_extras import AcknowledgeForm, ActionForm, CompleteActionForm, ConcernForm
from forms.base import required


@audits.route("/<int:audit_id>/actions/new", methods=["GET", "POST"])
@requires(Role.AUDITOR)
def add_action(audit_id: int) -> str | Response:
    audit = audit_or_404(audit_id)
    if audit.auditor_id != current_user.id or audit.moderation is not None:
        abort(403)
    form = ActionForm(owners=follow_up.possible_owners(audit))
    if form.validate_on_submit():
        follow_up.add_action(
            audit,
            description=required(form.description),
            owner_id=int(form.owner.data),
            due_date=required(form.due_date),
            created_by=current_user,
        )
        record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
        flash("Action added. Its owner will see it in My actions.", "success")
        return redirect(url_for("audits.edit" if not audit.is_locked else "audits.show", audit_id=audit.id))
    return render_template(
        "audits/action_form.html", audit=audit, form=form, title="Add an action", nav_section="audits.mine"
    )


@audits.route("/actions")
@signed_in
def my_actions() -> str:
    return render_template(
        "audits/my_actions.html",
        actions=follow_up.actions_owned_by(current_user),
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
        flash("Action marked as done.", "success")
        return redirect(url_for("audits.my_actions"))
    return render_template(
        "audits/complete_action.html",
        action=action,
        form=form,
        title="Mark an action as done",
        nav_section="audits.my_actions",
    )


@audits.route("/<int:audit_id>/concern", methods=["GET", "POST"])
@requires(Role.AUDITOR)
def raise_concern(audit_id: int) -> str | Response:
    audit = audit_or_404(audit_id)
    if audit.auditor_id != current_user.id:
        abort(403)
    form = ConcernForm()
    if form.validate_on_submit():
        follow_up.raise_concern(audit, current_user, required(form.details))
        record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
        flash(
            "The safeguarding concern has been raised. The team manager and leaders see it now, "
            "until one of them acknowledges it. If a child is in immediate danger, also phone the team now.",
            "important",
        )
        return redirect(url_for("audits.edit" if not audit.is_locked else "audits.show", audit_id=audit.id))
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
    return render_template(
        "audits/concerns.html", concerns=follow_up.open_concerns_for(current_user), title="Safeguarding concerns"
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
        record_access(current_user.id, "update", "audit", concern.audit_id, concern.audit.case_id)
        flash("Concern acknowledged. It no longer shows as open.", "success")
        return redirect(url_for("audits.concerns"))
    return render_template(
        "audits/acknowledge.html",
        concern=concern,
        raised_days_ago=follow_up.days_since(concern.raised_at),
        form=form,
        title="Safeguarding concern",
        nav_section="audits.concerns",
    )
