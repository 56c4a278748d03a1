"""The audit programme's pages: the programmes, planning one (with a preview of its sample), following
one, and reassigning or cancelling an audit not yet submitted."""

from __future__ import annotations

from typing import TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import found, requires
from audit.clock import today
from audit.domain import audits as audit_data
from audit.domain import moderation_sampling, people, tools
from audit.domain import programme as programme_data
from audit.domain.access_log import record_access, record_accesses
from audit.models import Audit, Case, Role, User
from audit.programme import programme
from audit.routing import page_number
from forms.base import add_error, required
from forms.programme import CancelAuditForm, ProgrammeForm, ReassignForm

_T = TypeVar("_T")


@programme.route("/")
@requires(Role.LEADER)
def index() -> str:
    return render_template(
        "programme/index.html",
        summaries=programme_data.programme_summaries(),
        overdue=audit_data.overdue_count(current_user),
        title="Audit programme",
    )


@programme.route("/new", methods=["GET", "POST"])
@requires(Role.LEADER)
def new() -> str | Response:
    tool_versions = {str(version.id): version for version in tools.latest_versions()}
    auditors = audit_data.eligible_auditors()
    form = ProgrammeForm(tools=list(tool_versions.values()), teams=people.all_teams(), auditors=auditors)
    if form.is_submitted():
        form.validate()
        # The cases are looked for even when other answers have errors, so that unknown case
        # references are reported with everything else at once.
        cases, shortfalls, seed = _cases_for(form)
        action = request.form.get("action")
        chosen_auditors = [auditor for auditor in auditors if str(auditor.id) in (form.auditors.data or [])]
        if not form.errors and action == "preview":
            # Nothing is written: the page shows the cases and auditors and repeats the answers,
            # with the sample number fixed, so "Create" makes exactly this programme.
            try:
                assigned = programme_data.assign_auditors(cases, chosen_auditors)
            except programme_data.ProgrammeError as error:
                _show_error(form, error)
            else:
                return render_template(
                    "programme/preview.html",
                    form=form,
                    tool_version=tool_versions[form.tool.data],
                    cases=cases,
                    assigned=assigned,
                    shortfalls=shortfalls,
                    seed=seed,
                    answers=_answers_with_seed(seed),
                    moderation_rule=moderation_sampling.ModerationRule(
                        percent=_or(form.moderation_percent_number, moderation_sampling.service_rule().percent),
                        best_and_worst=_or(
                            form.moderate_best_and_worst_choice, moderation_sampling.service_rule().best_and_worst
                        ),
                    ),
                    title="Preview the sample",
                    nav_section="programme.index",
                )
        # "change" goes back to the form with the answers given; anything else creates.
        if not form.errors and action != "change":
            try:
                created = programme_data.create_programme(
                    name=required(form.name),
                    month=required(form.month),
                    tool_version=tool_versions[form.tool.data],
                    due_date=required(form.due_date),
                    created_by=current_user,
                    cases=cases,
                    auditors=chosen_auditors,
                    seed=seed,
                    per_team=form.per_team_number,
                    moderation_percent=form.moderation_percent_number,
                    moderate_best_and_worst=form.moderate_best_and_worst_choice,
                    closed_cases=form.closed_cases,
                    collaborative=form.collaborative,
                )
            except programme_data.ProgrammeError as error:
                _show_error(form, error)
            else:
                record_accesses(
                    current_user.id, "create", "audit", ((audit.id, audit.case_id) for audit in created.audits)
                )
                flash(_created_message(created, shortfalls), "success")
                return redirect(url_for("programme.show", programme_id=created.programme.id))
    return render_template(
        "programme/new.html",
        form=form,
        has_tools=bool(tool_versions),
        has_auditors=bool(auditors),
        moderation_rule=moderation_sampling.service_rule(),
        title="Plan an audit programme",
        nav_section="programme.index",
    )


def _or(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def _answers_with_seed(seed: int | None) -> list[tuple[str, str]]:
    """What was posted, as hidden fields for the preview's buttons, with the sample number the
    preview drew (a new one when left blank), so that creating draws the same cases."""
    answers = [
        (name, value)
        for name, values in request.form.lists()
        if name not in {"csrf_token", "action", "seed", "submit"}
        for value in values
    ]
    return [*answers, ("seed", "" if seed is None else str(seed))]


def _cases_for(form: ProgrammeForm) -> tuple[list[Case], list[programme_data.Shortfall], int | None]:
    """The cases the form asks for, its teams' shortfalls and the sample number; a problem with
    them is added to the form's errors. Nothing is looked for while the answers it needs have errors."""
    if form.sampling:
        if form.per_team.errors or form.teams.errors or form.seed.errors:
            return [], [], None
        seed = form.seed_number if form.seed_number is not None else programme_data.new_seed()
        sample = programme_data.sample_cases(
            [int(team_id) for team_id in required(form.teams)],
            form.per_team_number or 0,
            seed,
            today(),
            closed_cases=form.closed_cases,
        )
        if not sample.cases:
            which = f"cases closed in the last {programme_data.CLOSURE_MONTHS} months" if form.closed_cases else "cases"
            add_error(
                form.teams,
                f"The selected teams have no {which} that were not audited in the last "
                f"{programme_data.RECENTLY_AUDITED_MONTHS} months. Select other teams",
            )
        return sample.cases, sample.shortfalls, seed
    if not form.choosing or form.references.errors:
        return [], [], None
    chosen = programme_data.chosen_cases(programme_data.parse_references(form.references.data))
    if chosen.unknown:
        listed = ", ".join(chosen.unknown)
        add_error(
            form.references,
            f"There is no case with the reference {listed}"
            if len(chosen.unknown) == 1
            else f"There are no cases with the references {listed}",
        )
    return chosen.cases, [], None


def _show_error(form: ProgrammeForm, error: programme_data.ProgrammeError) -> None:
    field = getattr(form, error.about, None) if error.about else None
    if field is not None:
        add_error(field, str(error))
    else:
        form.form_errors.append(str(error))


def _created_message(created: programme_data.NewProgramme, shortfalls: list[programme_data.Shortfall]) -> str:
    count = len(created.audits)
    auditors = len({audit.auditor_id for audit in created.audits})
    message = (
        f"Programme created: {count} audit{'' if count == 1 else 's'} assigned to "
        f"{auditors} auditor{'' if auditors == 1 else 's'}."
    )
    if shortfalls:
        message += " Fewer cases than asked for: " + "; ".join(shortfall.message for shortfall in shortfalls) + "."
    return message


@programme.route("/<int:programme_id>")
@requires(Role.LEADER)
def show(programme_id: int) -> str:
    summary = programme_data.programme_summary(programme_id)
    if summary is None:
        abort(404)
    return render_template(
        "programme/show.html",
        summary=summary,
        page=programme_data.programme_audits(summary, page_number()),
        today=today(),
        moderation_rule=moderation_sampling.programme_rule(summary.programme),
        title=summary.programme.name,
        nav_section="programme.index",
    )


# Changing an audit not yet submitted -------------------------------------------------------------


def _open_audit_or_404(audit_id: int) -> Audit:
    audit = found(audit_data.audit_with_everything(audit_id))
    if not audit.status_enum.is_open:
        flash(
            f"This audit is {audit.status_enum.label.lower()}: only an audit not yet submitted can be changed.",
            "important",
        )
        abort(redirect(url_for("audits.show", audit_id=audit.id)))
    return audit


def _back_to(audit: Audit) -> str:
    if audit.programme_id is not None:
        return url_for("programme.show", programme_id=audit.programme_id)
    return url_for("audits.show", audit_id=audit.id)


@programme.route("/audits/<int:audit_id>/reassign", methods=["GET", "POST"])
@requires(Role.LEADER)
def reassign(audit_id: int) -> str | Response:
    audit = _open_audit_or_404(audit_id)
    others: list[User] = [
        auditor
        for auditor in audit_data.eligible_auditors()
        if auditor.id != audit.auditor_id and audit_data.auditor_conflict(audit.case, auditor) is None
    ]
    form = ReassignForm(auditors=others)
    if form.validate_on_submit():
        new_auditor = next(auditor for auditor in others if str(auditor.id) == form.auditor.data)
        try:
            programme_data.reassign_audit(audit, new_auditor, required(form.reason), current_user)
        except programme_data.ProgrammeError as error:
            add_error(form.auditor if error.about == "auditor" else form.reason, str(error))
        else:
            record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
            flash(f"The audit of {audit.case.reference} is now assigned to {new_auditor.name}.", "success")
            return redirect(_back_to(audit))
    record_access(current_user.id, "view", "audit", audit.id, audit.case_id)
    return render_template(
        "programme/reassign.html",
        audit=audit,
        form=form,
        has_auditors=bool(others),
        back=_back_to(audit),
        title=f"Reassign the audit of {audit.case.reference}",
        nav_section="programme.index",
    )


@programme.route("/audits/<int:audit_id>/cancel", methods=["GET", "POST"])
@requires(Role.LEADER)
def cancel(audit_id: int) -> str | Response:
    audit = _open_audit_or_404(audit_id)
    form = CancelAuditForm()
    if form.validate_on_submit():
        try:
            programme_data.cancel_audit(audit, required(form.reason), current_user)
        except programme_data.ProgrammeError as error:
            add_error(form.reason, str(error))
        else:
            record_access(current_user.id, "update", "audit", audit.id, audit.case_id)
            flash(f"The audit of {audit.case.reference} has been cancelled.", "success")
            return redirect(_back_to(audit))
    record_access(current_user.id, "view", "audit", audit.id, audit.case_id)
    return render_template(
        "programme/cancel.html",
        audit=audit,
        form=form,
        back=_back_to(audit),
        title=f"Cancel the audit of {audit.case.reference}",
        nav_section="programme.index",
    )
