"""Supervision pages: the lists, starting a record, the record form with autosave and completion,
the read-only record, the worker's acknowledgement, amendments and actions."""

from __future__ import annotations

from dataclasses import replace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit import autosave as draft_saving
from audit.access import requires, signed_in
from audit.clock import local_now, utcnow
from audit.domain import supervision as records
from audit.domain.access_log import Action as AccessAction
from audit.domain.amendments import EditConflict, amendments_recorded
from audit.domain.atomic import Refused
from audit.domain.records import by_id
from audit.models import Role, SupervisionKind, SupervisionRecord, SupervisionStatus, User
from audit.supervision import supervision
from forms.base import add_error, required
from forms.supervision import (
    AcknowledgeSupervisionForm,
    NewSupervisionForm,
    SupervisionActionForm,
    SupervisionFormBase,
    amendment_form_class,
    supervision_form_class,
)

SUPERVISORS = (Role.SUPERVISOR, Role.LEADER)


def record_or_404(record_id: int) -> SupervisionRecord:
    record = records.record_with_everything(record_id)
    if record is None or not records.can_view(current_user, record):
        abort(404)
    return record


def log_access(record: SupervisionRecord, action: AccessAction) -> None:
    records.record_accesses_for(current_user, record, action)


# Lists -------------------------------------------------------------------------------------------


@supervision.route("/")
@signed_in
def index() -> str:
    supervises = current_user.has_role(*SUPERVISORS)
    return render_template(
        "supervision/index.html",
        supervises=supervises,
        # Leaders look across everyone's supervision on the browse page, so their own empty lists are not shown.
        browses=current_user.has_role(Role.LEADER),
        drafts=records.written_by(current_user, SupervisionStatus.DRAFT) if supervises else [],
        awaiting=records.written_by(current_user, SupervisionStatus.COMPLETED) if supervises else [],
        recent=records.written_by(current_user, SupervisionStatus.ACKNOWLEDGED, limit=10) if supervises else [],
        to_acknowledge=records.awaiting_my_acknowledgement(current_user),
        mine=records.my_supervision(current_user),
        title="Supervision",
    )


# Starting ----------------------------------------------------------------------------------------


@supervision.route("/new", methods=["GET", "POST"])
@requires(*SUPERVISORS)
def new() -> str | Response:
    workers = records.possible_workers(current_user)
    form = NewSupervisionForm(workers=workers)
    if not form.showing_saved_values:
        form.held_on.data = utcnow().date()
    if form.validate_on_submit():
        chosen = [by_id(User, value) for value in required(form.workers)]
        try:
            record = records.start_record(
                kind=SupervisionKind(form.kind.data),
                supervisor=current_user,
                workers=[worker for worker in chosen if worker is not None],
                held_on=required(form.held_on),
            )
        except records.SupervisionError as error:
            add_error(form.workers, str(error))
        else:
            log_access(record, "create")
            return redirect(url_for("supervision.edit", record_id=record.id))
    return render_template(
        "supervision/new.html", form=form, title="Record a supervision", nav_section="supervision.index"
    )


# Editing a draft ---------------------------------------------------------------------------------


def _own_draft_or_404(record_id: int) -> SupervisionRecord:
    record = record_or_404(record_id)
    if record.supervisor_id != current_user.id:
        abort(403)
    return record


def _render_form(record: SupervisionRecord, form: SupervisionFormBase, conflict: EditConflict | None = None) -> str:
    return render_template(
        "supervision/edit.html",
        record=record,
        form=form,
        conflict=conflict,
        carried_forward=records.carried_forward_actions(record),
        fields=records,
        today=utcnow().date(),
        title=f"{record.kind_enum.label} with {record.worker_names}",
        nav_section="supervision.index",
    )


def save(record: SupervisionRecord, form: SupervisionFormBase, *, change_cases: bool) -> str | None:
    """Save the draft; a case that cannot be discussed is refused with its message, and
    everything else is saved all the same. Raises EditConflict."""
    values = form.values()
    if not change_cases:
        values = replace(values, case_ids=None)
    try:
        records.save_draft(record, values, current_user, form.expected_version())
    except records.SupervisionError as error:
        records.save_draft(record, replace(values, case_ids=None), current_user, form.expected_version())
        return str(error)
    return None


def sent_to_the_worker(record: SupervisionRecord) -> Response:
    """Once the record is completed: logged, said, and shown read-only."""
    log_access(record, "update")
    flash(
        f"Supervision record completed. {record.worker_names} can now read and acknowledge it. "
        "Corrections from now on are recorded as amendments.",
        "success",
    )
    return redirect(url_for("supervision.show", record_id=record.id))


def own_draft(record_id: int) -> SupervisionRecord | Response:
    """The supervisor's own draft, or where to send them once it is completed."""
    record = _own_draft_or_404(record_id)
    if not record.is_draft:
        flash("This record has been completed. To correct it, make an amendment.", "important")
        return redirect(url_for("supervision.show", record_id=record.id))
    return record


@supervision.route("/<int:record_id>/edit/all", methods=["GET", "POST"])
@requires(*SUPERVISORS)
def edit_all(record_id: int) -> str | Response:
    """Every part on one page, for a supervisor who would rather scroll than step through the
    task list; it saves, autosaves and completes by the same rules."""
    record = own_draft(record_id)
    if isinstance(record, Response):
        return record
    form = supervision_form_class(record, records.allocated_cases(record))()
    form.part.data = ""  # the whole record, whatever was posted
    if request.method == "GET" and not form.restored:
        form.fill_from(record)
        log_access(record, "view")
        return _render_form(record, form)

    # A post, or what was posted before the session expired: save it as a draft first.
    form.validate()
    cases_before = {discussed.case_id for discussed in record.cases}
    try:
        # The page's fields were made for the cases it was drawn with, so a post with an error (shown
        # again on this page) keeps those cases; the boxes ticked change them once it is correct.
        case_problem = save(record, form, change_cases=not form.errors)
    except EditConflict as error:
        form.overwrite.data = str(error.current_version)
        return _render_form(record, form, error)
    log_access(record, "update")
    form.version.data = str(record.version)
    form.overwrite.data = ""
    if case_problem and hasattr(form, "cases"):
        form.cases.errors = [*form.cases.errors, case_problem]

    if request.method == "GET":  # restored after sign-in or an expired page: saved now, shown for checking
        form.restored = False
        flash("We saved what you entered before the page expired. Check it, then carry on.", "success")
        if {discussed.case_id for discussed in record.cases} != cases_before:
            return redirect(url_for("supervision.edit_all", record_id=record.id, _anchor="cases-discussed"))
        return _render_form(record, form)
    if form.errors:
        return _render_form(record, form)
    if {discussed.case_id for discussed in record.cases} != cases_before:
        flash("Cases discussed updated. Record the discussion of each case below.", "success")
        return redirect(url_for("supervision.edit_all", record_id=record.id, _anchor="cases-discussed"))
    if request.form.get("action") == "complete":
        problems = records.complete(record, current_user)
        if problems:
            form.add_problems(problems)
            return _render_form(record, form)
        return sent_to_the_worker(record)
    flash(f"Saved at {local_now():%H:%M}. You can come back to this draft from Supervision.", "success")
    return redirect(url_for("supervision.index"))


@supervision.route("/<int:record_id>/autosave", methods=["POST"])
@requires(*SUPERVISORS)
def autosave(record_id: int) -> Response:
    record = records.record_with_everything(record_id)
    if record is None or record.supervisor_id != current_user.id:
        abort(404)
    if not record.is_draft:
        return draft_saving.locked("This record has been completed and can no longer be changed here.")
    form = supervision_form_class(record, records.allocated_cases(record))()

    def save_and_log() -> None:
        # The cases discussed change only when the supervisor presses a button: never by autosave.
        save(record, form, change_cases=False)
        log_access(record, "update")  # not reached on a conflict, which changes nothing

    return draft_saving.save_draft(form, save=save_and_log, version=lambda: record.version)


@supervision.route("/<int:record_id>/actions/new", methods=["GET", "POST"])
@requires(*SUPERVISORS)
def add_action(record_id: int) -> str | Response:
    record = record_or_404(record_id)
    if not records.can_edit(current_user, record):
        abort(403)
    form = SupervisionActionForm(owners=records.action_owners(record), record=record)
    if form.validate_on_submit():
        try:
            records.add_action(
                record,
                description=required(form.description),
                owner_id=int(form.owner.data),
                due_date=required(form.due_date),
                case_id=int(form.case.data) if form.case.data else None,
                created_by=current_user,
            )
        except records.SupervisionError as error:
            add_error(form.owner, str(error))
        else:
            log_access(record, "update")
            flash("Action added. Its owner will see it in My actions.", "success")
            return redirect(url_for("supervision.edit", record_id=record.id, _anchor="actions"))
    log_access(record, "view")
    return render_template(
        "supervision/action_form.html",
        record=record,
        form=form,
        title="Add an action",
        nav_section="supervision.index",
    )


# Reading, acknowledging and amending --------------------------------------------------------------


@supervision.route("/<int:record_id>")
@signed_in
def show(record_id: int) -> str:
    record = record_or_404(record_id)
    log_access(record, "view")
    return render_template(
        "supervision/show.html",
        record=record,
        carried_forward=records.carried_forward_actions(record),
        can_edit=records.can_edit(current_user, record),
        can_amend=records.can_amend(current_user, record),
        can_acknowledge=records.can_acknowledge(current_user, record),
        fields=records,
        today=utcnow().date(),
        title=f"{record.kind_enum.label} with {record.worker_names}",
        nav_section="supervision.index",
    )


@supervision.route("/<int:record_id>/acknowledge", methods=["GET", "POST"])
@signed_in
def acknowledge(record_id: int) -> str | Response:
    record = record_or_404(record_id)
    if not records.can_acknowledge(current_user, record):
        attendee = records.attendee_for(current_user, record)
        if attendee is None:
            message = f"Only {record.worker_names} can acknowledge this record: it is a record of their supervision."
        elif attendee.acknowledged_at is not None:
            message = "You have already acknowledged this record."
        else:
            message = "This record has not been completed by your supervisor yet."
        flash(message, "important")
        return redirect(url_for("supervision.show", record_id=record.id))
    form = AcknowledgeSupervisionForm()
    if form.validate_on_submit():
        records.acknowledge(record, current_user, agrees=form.agrees.data == "yes", comment=form.comment.data)
        log_access(record, "update")
        flash(
            "Record acknowledged. It is now locked"
            if record.is_locked
            else "Record acknowledged. It locks when every worker has acknowledged it.",
            "success",
        )
        return redirect(url_for("supervision.show", record_id=record.id))
    log_access(record, "view")
    return render_template(
        "supervision/acknowledge.html",
        record=record,
        form=form,
        title="Acknowledge your supervision record",
        nav_section="supervision.index",
    )


@supervision.route("/<int:record_id>/amend", methods=["GET", "POST"])
@requires(*SUPERVISORS)
def amend(record_id: int) -> str | Response:
    record = record_or_404(record_id)
    if not records.can_amend(current_user, record):
        abort(403)
    form = amendment_form_class(record, records.allocated_cases(record))()
    conflict = None
    if request.method == "GET" and not form.restored:
        form.fill_from(record)
    elif request.method == "POST" and form.validate():
        try:
            changes = records.amend_if_complete(
                record, form.values(), current_user, form.amendment_reason.data, form.expected_version()
            )
        except EditConflict as error:
            conflict = error
            form.overwrite.data = str(error.current_version)
        except Refused as refused:
            form.add_problems(refused.problems)
        else:
            log_access(record, "update")
            flash(amendments_recorded(len(changes)), "success")
            return redirect(url_for("supervision.show", record_id=record.id))
    log_access(record, "view")
    return render_template(
        "supervision/amend.html",
        record=record,
        form=form,
        conflict=conflict,
        carried_forward=records.carried_forward_actions(record),
        fields=records,
        today=utcnow().date(),
        title="Amend the supervision record",
        nav_section="supervision.index",
    )
