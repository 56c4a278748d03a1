"""A supervision record as a task list, as an audit is: the list of parts with their status, a page
per part with "Save and continue" and "Have you completed this part?", and "Check your answers"
before the record is completed and sent to the worker.

Every page saves through the same function as autosave and the one-page form (``records.save``);
a part's page posts only that part, so the others keep what is saved.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import requires
from audit.clock import utcnow
from audit.domain import supervision as records
from audit.domain import supervision_tasks
from audit.domain.amendments import EditConflict
from audit.domain.tasks import Task, TaskList
from audit.models import SupervisionRecord
from audit.supervision import supervision
from audit.supervision.views.records import SUPERVISORS, log_access, own_draft, save, sent_to_the_worker
from forms.base import add_error
from forms.supervision import CompleteSupervisionForm, SupervisionFormBase, supervision_form_class


@supervision.route("/<int:record_id>/edit")
@requires(*SUPERVISORS)
def edit(record_id: int) -> str | Response:
    """The task list: where "Continue the record" leads."""
    record = own_draft(record_id)
    if isinstance(record, Response):
        return record
    log_access(record, "view")
    return render_template(
        "supervision/tasks.html",
        record=record,
        tasks=supervision_tasks.task_list(record),
        title=f"{record.kind_enum.label} with {record.worker_names}",
        nav_section="supervision.index",
    )


def _render_part(
    record: SupervisionRecord,
    form: SupervisionFormBase,
    task: Task,
    tasks: TaskList,
    conflict: EditConflict | None = None,
) -> str:
    return render_template(
        "supervision/part.html",
        record=record,
        form=form,
        task=task,
        tasks=tasks,
        discussed=next((d for d in record.cases if f"c{d.case_id}" == task.key), None),
        conflict=conflict,
        carried_forward=records.carried_forward_actions(record),
        fields=records,
        today=utcnow().date(),
        title=f"{task.title}: supervision with {record.worker_names}",
        nav_section="supervision.index",
    )


@supervision.route("/<int:record_id>/edit/<int:number>", methods=["GET", "POST"])
@requires(*SUPERVISORS)
def edit_part(record_id: int, number: int) -> str | Response:
    record = own_draft(record_id)
    if isinstance(record, Response):
        return record
    tasks = supervision_tasks.task_list(record)
    task = tasks.numbered(number)
    if task is None:
        abort(404)
    form = supervision_form_class(record, records.allocated_cases(record))()
    form.part.data = task.key  # this page saves this part alone, whatever was posted
    if request.method == "GET" and not form.restored:
        form.fill_from(record)
        form.completed.data = "yes" if task.completed else None
        log_access(record, "view")
        return _render_part(record, form, task, tasks)

    # A post, or what was posted before the session expired: save what is valid first.
    form.validate()
    cases_before = [discussed.case_id for discussed in record.cases]
    try:
        # The cases discussed change only from their own page, and only when nothing posted with them
        # is wrong (a typo elsewhere must not half-change the record).
        case_problem = save(record, form, change_cases=task.key == "cases" and not form.errors)
    except EditConflict as error:
        form.overwrite.data = str(error.current_version)
        return _render_part(record, form, task, tasks, error)
    log_access(record, "update")
    form.version.data = str(record.version)
    form.overwrite.data = ""
    if case_problem and hasattr(form, "cases"):
        add_error(form.cases, case_problem)
    if request.method == "GET":  # restored after signing in again: saved now, shown for checking
        form.restored = False
        flash("We saved what you entered before the page expired. Check it, then carry on.", "success")
        return _render_part(record, form, task, tasks)
    if form.errors:  # what was valid is saved; the invalid fields keep their saved values
        return _render_part(record, form, task, tasks)
    if task.key == "cases" and request.form.get("action") == "cases":
        changed = [discussed.case_id for discussed in record.cases] != cases_before
        flash("Cases discussed updated." if changed else "The cases discussed are unchanged.", "success")
        return redirect(url_for("supervision.edit_part", record_id=record.id, number=number))
    if form.completed.data in ("yes", "no"):
        problems = supervision_tasks.mark_part(record, task.key, current_user, complete=form.completed.data == "yes")
        if problems:
            form.add_problems(problems)
            add_error(form.completed, "Answer everything above before you mark this part as completed")
            return _render_part(record, form, task, supervision_tasks.task_list(record))
    saved = supervision_tasks.task_list(record).keyed(task.key)
    if saved is not None and saved.completed:
        flash(f"You have completed ‘{task.title}’.", "success")
    else:
        flash(f"‘{task.title}’ is saved. The part is not marked as completed yet.", "success")
    return redirect(url_for("supervision.edit", record_id=record.id))


@supervision.route("/<int:record_id>/check", methods=["GET", "POST"])
@requires(*SUPERVISORS)
def check(record_id: int) -> str | Response:
    """Check your answers, then complete the record and send it to the worker."""
    record = own_draft(record_id)
    if isinstance(record, Response):
        return record
    form = CompleteSupervisionForm()
    problems: list[tuple[str, str]] = []
    if form.validate_on_submit():
        problems = supervision_tasks.complete_checked(record, current_user)
        if not problems:
            return sent_to_the_worker(record)
    log_access(record, "view")
    return render_template(
        "supervision/check.html",
        record=record,
        tasks=supervision_tasks.task_list(record),
        form=form,
        problems=problems,
        carried_forward=records.carried_forward_actions(record),
        fields=records,
        title=f"Check your answers: supervision with {record.worker_names}",
        nav_section="supervision.index",
    )
