"""The audit as a task list: the list of parts with their status, a page per part with "Save and
continue" and "Have you completed this section?", and "Check your answers" before submission.

Every page saves through the same domain function as autosave and the one-page form
(``audit_answers.save_draft``); a part's page posts only that part, so the others keep what is
saved. Completing a part and submitting are checked by the submission rules (``audit_tasks``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import requires
from audit.audits import audits
from audit.audits.views.journey import AuditView, editable_draft
from audit.domain import audit_answers, audit_tasks
from audit.domain.access_log import record_access
from audit.domain.tasks import Task, TaskList
from audit.models import Audit, Role
from forms.audit import AuditFormBase, audit_form_class
from forms.audit_extras import SubmitAuditForm
from forms.base import add_error


@audits.route("/<int:audit_id>/edit")
@requires(Role.AUDITOR)
def edit(audit_id: int) -> str | Response:
    """The task list: where "Start the audit" and "Continue the audit" lead."""
    audit = editable_draft(audit_id)
    if isinstance(audit, Response):
        return audit
    record_access(current_user.id, "view", "audit", audit.id, audit.case_id)
    return render_template(
        "audits/tasks.html",
        audit=audit,
        tasks=audit_tasks.task_list(audit),
        title=f"Audit of {audit.case.reference}",
        nav_section="audits.mine",
    )


def _render_part(
    audit: Audit,
    form: AuditFormBase,
    task: Task,
    tasks: TaskList,
    conflict: audit_answers.EditConflict | None = None,
) -> str:
    return render_template(
        "audits/part.html",
        audit=audit,
        form=form,
        task=task,
        tasks=tasks,
        section=next((s for s in audit.tool_version.sections if f"s{s.id}" == task.key), None),
        conflict=conflict,
        title=f"{task.title}: audit of {audit.case.reference}",
        nav_section="audits.mine",
    )


@audits.route("/<int:audit_id>/edit/<int:number>", methods=["GET", "POST"])
@requires(Role.AUDITOR)
def edit_part(audit_id: int, number: int) -> str | Response:
    audit = editable_draft(audit_id)
    if isinstance(audit, Response):
        return audit
    tasks = audit_tasks.task_list(audit)
    task = tasks.numbered(number)
    if task is None:
        abort(404)
    form = audit_form_class(audit.tool_version)()
    form.part.data = task.key  # this page saves this part alone, whatever was posted
    if request.method == "GET" and not form.restored:
        form.fill_from(audit)
        form.completed.data = "yes" if task.completed else None
        record_access(current_user.id, "view", "audit", audit.id, audit.case_id)
        return _render_part(audit, form, task, tasks)

    # A post, or what was posted before the session expired: save what is valid first.
    form.validate()
    try:
        audit_answers.save_draft(audit, form.draft_values(), current_user, form.expected_version())
    except audit_answers.EditConflict as error:
        form.overwrite.data = str(error.current_version)
        return _render_part(audit, form, task, tasks, error)
    record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
    form.version.data = str(audit.version)
    form.overwrite.data = ""
    if request.method == "GET":  # restored after signing in again: saved now, shown for checking
        form.restored = False
        flash("We saved what you entered before the page expired. Check it, then carry on.", "success")
        return _render_part(audit, form, task, tasks)
    if form.errors:  # what was valid is saved; the invalid fields keep their saved values
        return _render_part(audit, form, task, tasks)
    if form.completed.data in ("yes", "no"):
        problems = audit_tasks.mark_part(audit, task.key, current_user, complete=form.completed.data == "yes")
        if problems:
            form.add_problems(problems)
            add_error(form.completed, "Answer everything above before you mark this section as completed")
            return _render_part(audit, form, task, audit_tasks.task_list(audit))
    saved = audit_tasks.task_list(audit).numbered(number)
    if saved is not None and saved.completed:
        flash(f"You have completed ‘{task.title}’.", "success")
    else:
        flash(f"Your answers to ‘{task.title}’ are saved. The section is not marked as completed yet.", "success")
    return redirect(url_for("audits.edit", audit_id=audit.id))


@audits.route("/<int:audit_id>/check", methods=["GET", "POST"])
@requires(Role.AUDITOR)
def check(audit_id: int) -> str | Response:
    """Check your answers, then submit: possible once every part is completed."""
    audit = editable_draft(audit_id)
    if isinstance(audit, Response):
        return audit
    form = SubmitAuditForm()
    problems: list[tuple[str, str]] = []
    if form.validate_on_submit():
        problems = audit_tasks.submit_checked(audit, current_user)
        if not problems:
            record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
            flash("Audit submitted. It is now read-only; corrections are made as amendments.", "success")
            return redirect(url_for("audits.show", audit_id=audit.id))
    record_access(current_user.id, "view", "audit", audit.id, audit.case_id)  # the answers are shown
    return render_template(
        "audits/check.html",
        audit=audit,
        view=AuditView(audit),
        tasks=audit_tasks.task_list(audit),
        form=form,
        problems=problems,
        title=f"Check your answers: audit of {audit.case.reference}",
        nav_section="audits.mine",
    )
