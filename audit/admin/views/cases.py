"""Admin screens for cases: list, add, change, and import from CSV."""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import found, requires
from audit.admin import admin
from audit.domain import case_import, people
from audit.domain import cases as case_data
from audit.domain.access_log import record_access, record_case_accesses
from audit.domain.records import by_id
from audit.models import Case, PlanType, Role, Team, User
from audit.routing import page_number
from forms.admin import CaseForm, CaseImportConfirmForm, CaseImportForm
from forms.base import add_error, required


@admin.route("/cases")
@requires(Role.ADMIN)
def cases() -> str:
    page = case_data.case_page(
        team_id=request.args.get("team", type=int),
        page=page_number(),
        search=request.args.get("q", "")[:40],
        plan_type=request.args.get("plan_type", ""),
    )
    return render_template("admin/cases.html", page=page, plan_types=list(PlanType), title="Manage cases")


def _workers_for(case: Case | None) -> list[User]:
    """Active users in a team; a case's current worker stays on the list even if deactivated, so
    saving other changes does not silently take the case away from them."""
    workers = [user for user in people.users_for_admin(include_inactive=False) if user.team_id is not None]
    if case is not None and case.worker is not None and case.worker not in workers:
        workers.append(case.worker)
    return workers


def _edit_case(case: Case | None) -> str | Response:
    form = CaseForm(teams=people.all_teams(), workers=_workers_for(case))
    if case is not None and not form.showing_saved_values:
        form.reference.data = case.reference
        form.team.data = str(case.team_id)
        form.worker.data = str(case.worker_id or "")
        form.plan_type.data = case.plan_type
        for name in ("age_band", "gender", "ethnicity", "religion", "disability"):
            # "Not recorded" (as some imports and the demo data hold it) is the form's empty choice.
            value = getattr(case, name)
            getattr(form, name).data = "" if value in (None, "Not recorded") else value
    if form.validate_on_submit():
        details = case_data.CaseDetails(
            reference=required(form.reference),
            team=found(by_id(Team, form.team.data)),
            worker=by_id(User, form.worker.data),
            plan_type=PlanType(form.plan_type.data),
            age_band=form.age_band.data,
            gender=form.gender.data,
            ethnicity=form.ethnicity.data,
            religion=form.religion.data,
            disability=form.disability.data,
        )
        try:
            saved = case_data.save_case(case, details)
        except case_data.DuplicateCaseError as error:
            add_error(form.reference, str(error))
        else:
            record_access(current_user.id, "create" if case is None else "update", "case", saved.id, saved.id)
            flash(f"Case {saved.reference} saved.", "success")
            return redirect(url_for("admin.cases"))
    title = "Add a case" if case is None else f"Change case {case.reference}"
    return render_template("admin/case_form.html", form=form, case=case, title=title, nav_section="admin.cases")


@admin.route("/cases/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def new_case() -> str | Response:
    return _edit_case(None)


@admin.route("/cases/<int:case_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_case(case_id: int) -> str | Response:
    case = found(by_id(Case, case_id))
    if request.method == "GET":
        record_access(current_user.id, "view", "case", case.id, case.id)
    return _edit_case(case)


def _problems_message(result: case_import.ImportResult) -> str:
    count = len(result.errors)
    return (
        f"The file has {count} problem{'s' if count != 1 else ''}. "
        "No cases were imported. Correct the file and upload it again."
    )


@admin.route("/cases/import", methods=["GET", "POST"])
@requires(Role.ADMIN)
def import_cases() -> str | Response:
    """Step 1: upload and check. A file with problems lists them here; a good file waits
    server-side for its uploader and the preview of what it would change is shown."""
    form = CaseImportForm()
    result = None
    if form.validate_on_submit():
        limit = current_app.config["MAX_UPLOAD_BYTES"]
        content = form.file.data.read(limit + 1)
        if len(content) > limit:
            form.file.errors.append(f"The selected file must be smaller than {limit // (1024 * 1024)} MB")
        else:
            full_export = "full" in (form.scope.data or [])
            result = case_import.plan_import(content, full_export)
            if result.ok:
                token = case_import.keep_upload(current_user.id, content, full_export)
                return redirect(url_for("admin.import_preview", token=token), code=303)
            form.file.errors.append(_problems_message(result))
    return render_template(
        "admin/import_cases.html", form=form, result=result, title="Import cases", nav_section="admin.cases"
    )


def _preview(result: case_import.ImportResult, form: CaseImportConfirmForm, *, notice: str | None = None) -> str:
    form.fingerprint.data = result.fingerprint
    return render_template(
        "admin/import_preview.html",
        form=form,
        result=result,
        notice=notice,
        title="Check the changes before applying them",
        nav_section="admin.cases",
    )


@admin.route("/cases/import/<token>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def import_preview(token: str) -> str | Response:
    """Step 2: what the file would change, planned afresh against the cases as they are now, and
    on confirmation applied all or nothing."""
    upload = case_import.kept_upload(token, current_user.id)
    if upload is None:
        flash("The file you checked is no longer held (files wait for an hour). Upload it again.", "important")
        return redirect(url_for("admin.import_cases"))
    form = CaseImportConfirmForm()
    if not form.validate_on_submit():
        return _preview(case_import.plan_import(upload.content, upload.full_export), form)
    result = case_import.apply_import(upload.content, upload.full_export, form.fingerprint.data or "")
    if not result.ok:
        return _preview(
            result, form, notice="The cases have changed since the file was checked. " + _problems_message(result)
        )
    if not result.applied:
        return _preview(
            result, form, notice="The cases have changed since you checked the file. Check the changes again below."
        )
    record_case_accesses(current_user.id, "import", result.case_ids)
    case_import.discard_upload(upload)
    current_app.logger.info(
        "User %s imported cases: %d added, %d updated, %d closed, %d reopened",
        current_user.id,
        len(result.new),
        len(result.changed),
        len(result.closed),
        len(result.reopened),
    )
    message = (
        f"Import applied: {_count(len(result.new), 'case')} added, {len(result.changed):,} updated, "
        f"{len(result.closed):,} closed, {len(result.reopened):,} reopened, {result.unchanged:,} unchanged."
    )
    if result.ignored_columns:
        message += f" These columns were ignored and not stored: {', '.join(result.ignored_columns)}."
    flash(message, "success")
    return redirect(url_for("admin.cases"))


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


@admin.route("/cases/import/template.csv")
@requires(Role.ADMIN)
def import_template() -> FlaskResponse:
    """A CSV with the header row and one made-up example row, to fill in or compare with."""
    return FlaskResponse(
        case_import.TEMPLATE_CSV,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="cases-template.csv"'},
    )
