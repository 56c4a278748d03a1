"""Leaders' changes to the plan: adding, changing and removing priorities, measures and actions.

Every form carries the version it was loaded at. A save over a newer version is refused with a
conflict message; what the leader entered stays in the form, whose version moves on, so that saving
again replaces the newer version deliberately."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import found, requires
from audit.domain import people, tools
from audit.domain import plan as plan_data
from audit.domain.records import by_id
from audit.models import Measure, PlanAction, Priority
from audit.plan import EDITORS, plan
from audit.reporting import measure_history
from audit.reporting.measures import FIGURES
from forms.plan import ActionForm, MeasureForm, PlanForm, PriorityForm, RemoveForm


def _attempt(form: PlanForm, save: Callable[[], object]) -> tuple[bool, plan_data.PlanConflict | None]:
    """Save when the form is valid; True when saved. The domain's problems go onto the
    form's fields; a conflict is returned with the form's version moved on to the saved one."""
    if not form.validate_on_submit():
        return False, None
    try:
        save()
    except plan_data.PlanProblems as problems:
        form.add_problems(problems.problems)
        return False, None
    except plan_data.PlanConflict as conflict:
        if conflict.current_version is None:
            abort(404)  # removed by someone else meanwhile
        form.version.data = str(conflict.current_version)
        return False, conflict
    return True, None


def _to_plan(message: str, anchor: str) -> Response:
    flash(message, "success")
    return redirect(url_for("plan.index", _anchor=anchor))


def _loaded(form: PlanForm) -> bool:
    """True when the form shows the record as saved (a first visit), not what was entered."""
    return request.method == "GET" and not form.restored


# Priorities --------------------------------------------------------------------------------------


def _priority_form(priority: Priority | None) -> PriorityForm:
    owners = plan_data.possible_owners(priority.owner_id if priority else None)
    return PriorityForm(owners=owners, places=plan_data.priority_count() if priority else 0)


def _render_priority(form: PriorityForm, priority: Priority | None, conflict: object = None) -> str:
    return render_template(
        "plan/priority_form.html",
        form=form,
        priority=priority,
        conflict=conflict,
        title="Add a priority" if priority is None else f"Change priority {priority.position}",
        nav_section="plan.index",
    )


@plan.route("/priorities/new", methods=["GET", "POST"])
@requires(*EDITORS)
def new_priority() -> str | Response:
    form = _priority_form(None)
    if _loaded(form):
        form.owner.data = str(current_user.id)
    saved: list[Priority] = []
    done, _conflict = _attempt(form, lambda: saved.append(plan_data.add_priority(form.values(), current_user)))
    if done:
        priority = saved[0]
        added = f"Priority {priority.position} added. Add its measures of success and actions."
        return _to_plan(added, f"priority-{priority.id}")
    return _render_priority(form, None)


@plan.route("/priorities/<int:priority_id>", methods=["GET", "POST"])
@requires(*EDITORS)
def edit_priority(priority_id: int) -> str | Response:
    priority = found(by_id(Priority, priority_id))
    form = _priority_form(priority)
    if _loaded(form):
        form.fill_from(priority)
        form.version.data = str(priority.version)
    done, conflict = _attempt(form, lambda: plan_data.change_priority(priority, form.values(), form.shown_version))
    if done:
        return _to_plan(f"Priority {priority.position} saved.", f"priority-{priority.id}")
    return _render_priority(form, priority, conflict)


# Measures ----------------------------------------------------------------------------------------


def _measure_form() -> MeasureForm:
    return MeasureForm(themes=tools.all_themes(), teams=people.all_teams())


def _render_measure(form: MeasureForm, priority: Priority, measure: Measure | None, conflict: object = None) -> str:
    return render_template(
        "plan/measure_form.html",
        form=form,
        priority=priority,
        measure=measure,
        withdrawn_figure=measure is not None and measure.figure not in FIGURES,
        conflict=conflict,
        title="Add a measure of success" if measure is None else "Change a measure of success",
        nav_section="plan.index",
    )


def _recorded(measure: Measure) -> Measure:
    """A measure just saved, with today's value recorded for its trend (as set up now)."""
    measure_history.record_measures([measure])
    return measure


@plan.route("/priorities/<int:priority_id>/measures/new", methods=["GET", "POST"])
@requires(*EDITORS)
def new_measure(priority_id: int) -> str | Response:
    priority = found(by_id(Priority, priority_id))
    form = _measure_form()
    done, _conflict = _attempt(form, lambda: _recorded(plan_data.add_measure(priority, form.values(), FIGURES)))
    if done:
        return _to_plan(f"Measure added to priority {priority.position}.", f"priority-{priority.id}")
    return _render_measure(form, priority, None)


@plan.route("/measures/<int:measure_id>", methods=["GET", "POST"])
@requires(*EDITORS)
def edit_measure(measure_id: int) -> str | Response:
    measure = plan_data.measure_or_none(measure_id)
    if measure is None:
        abort(404)
    form = _measure_form()
    if _loaded(form):
        form.fill_from(measure)
        form.version.data = str(measure.version)
    changing: Measure = measure

    def save() -> None:
        plan_data.change_measure(changing, form.values(), FIGURES, form.shown_version)
        _recorded(changing)

    done, conflict = _attempt(form, save)
    if done:
        return _to_plan(f"Measure ‘{measure.title}’ saved.", f"measure-{measure.id}")
    return _render_measure(form, measure.priority, measure, conflict)


# Actions -----------------------------------------------------------------------------------------


def _render_action(form: ActionForm, priority: Priority, action: PlanAction | None, conflict: object = None) -> str:
    return render_template(
        "plan/action_form.html",
        form=form,
        priority=priority,
        action=action,
        conflict=conflict,
        title="Add an action" if action is None else "Change an action",
        nav_section="plan.index",
    )


@plan.route("/priorities/<int:priority_id>/actions/new", methods=["GET", "POST"])
@requires(*EDITORS)
def new_action(priority_id: int) -> str | Response:
    priority = found(by_id(Priority, priority_id))
    form = ActionForm(owners=plan_data.possible_owners())
    done, _conflict = _attempt(form, lambda: plan_data.add_action(priority, form.values()))
    if done:
        return _to_plan(f"Action added to priority {priority.position}.", f"priority-{priority.id}")
    return _render_action(form, priority, None)


@plan.route("/actions/<int:action_id>", methods=["GET", "POST"])
@requires(*EDITORS)
def edit_action(action_id: int) -> str | Response:
    action = plan_data.action_or_none(action_id)
    if action is None:
        abort(404)
    form = ActionForm(owners=plan_data.possible_owners(action.owner_id))
    if _loaded(form):
        form.fill_from(action)
        form.version.data = str(action.version)
    done, conflict = _attempt(form, lambda: plan_data.change_action(action, form.values(), form.shown_version))
    if done:
        return _to_plan("Action saved.", f"action-{action.id}")
    return _render_action(form, action.priority, action, conflict)


# Removing ----------------------------------------------------------------------------------------


def _remove(
    record: Priority | Measure | PlanAction,
    *,
    kind: str,
    what: str,
    done_message: str,
    anchor: str,
) -> str | Response:
    """A confirmation page; removing needs the version shown on it, so nothing changed since
    the leader looked is removed unseen."""
    form = RemoveForm()
    if _loaded(form):
        form.version.data = str(record.version)
    done, conflict = _attempt(form, lambda: plan_data.remove(record, form.shown_version))
    if done:
        return _to_plan(done_message, anchor)
    return render_template(
        "plan/remove.html",
        form=form,
        record=record,
        kind=kind,
        what=what,
        conflict=conflict,
        title=f"Remove {what}",
        nav_section="plan.index",
    )


@plan.route("/priorities/<int:priority_id>/remove", methods=["GET", "POST"])
@requires(*EDITORS)
def remove_priority(priority_id: int) -> str | Response:
    priority = found(by_id(Priority, priority_id))
    number = priority.position
    return _remove(
        priority,
        kind="priority",
        what=f"priority {number}",
        done_message=f"Priority {number} removed, with its measures and actions. The priorities after it "
        "have moved up.",
        anchor="main-content",
    )


@plan.route("/measures/<int:measure_id>/remove", methods=["GET", "POST"])
@requires(*EDITORS)
def remove_measure(measure_id: int) -> str | Response:
    measure = plan_data.measure_or_none(measure_id)
    if measure is None:
        abort(404)
    priority = measure.priority
    return _remove(
        measure,
        kind="measure",
        what="a measure of success",
        done_message=f"Measure removed from priority {priority.position}.",
        anchor=f"priority-{priority.id}",
    )


@plan.route("/actions/<int:action_id>/remove", methods=["GET", "POST"])
@requires(*EDITORS)
def remove_action(action_id: int) -> str | Response:
    action = plan_data.action_or_none(action_id)
    if action is None:
        abort(404)
    priority = action.priority
    return _remove(
        action,
        kind="action",
        what="an action",
        done_message=f"Action removed from priority {priority.position}.",
        anchor=f"priority-{priority.id}",
    )
