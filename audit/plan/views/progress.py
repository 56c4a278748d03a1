"""The owner of an improvement-plan action records its progress from My actions, without needing
to be able to change the plan itself."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import signed_in
from audit.domain import plan as plan_data
from audit.models import PlanActionStatus
from audit.plan import plan
from forms.plan import ActionProgressForm


@plan.route("/actions/<int:action_id>/progress", methods=["GET", "POST"])
@signed_in
def action_progress(action_id: int) -> str | Response:
    action = plan_data.action_or_none(action_id)
    if action is None or action.owner_id != current_user.id:
        abort(404)
    form = ActionProgressForm()
    conflict = None
    if not form.showing_saved_values:
        form.status.data = action.status
        form.completed_on.data = action.completed_on
        form.version.data = str(action.version)
    elif form.validate_on_submit():
        try:
            plan_data.record_progress(
                action, PlanActionStatus(form.status.data), form.completed_on.data, form.shown_version
            )
        except plan_data.PlanConflict as error:
            conflict = error
            form.version.data = str(error.current_version) if error.current_version else ""
        except plan_data.PlanProblems as refused:
            form.add_problems(refused.problems)
        else:
            flash("Progress saved. The improvement plan shows it now.", "success")
            return redirect(url_for("audits.my_actions"))
    return render_template(
        "plan/progress.html",
        form=form,
        action=action,
        conflict=conflict,
        title="Update your plan action",
        nav_section="audits.my_actions",
    )
