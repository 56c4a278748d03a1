"""Admin screens for teams, grouped by service area."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from audit.access import found, requires
from audit.admin import admin
from audit.domain import people
from audit.domain.records import by_id
from audit.models import Role, Team
from forms.admin import TeamForm
from forms.base import add_error, required


@admin.route("/teams")
@requires(Role.ADMIN)
def teams() -> str:
    return render_template(
        "admin/teams.html", areas=people.teams_by_area(), member_counts=people.team_member_counts(), title="Teams"
    )


def _edit_team(team: Team | None) -> str | Response:
    areas = people.service_areas()
    form = TeamForm(areas=areas)
    if team is not None and not form.showing_saved_values:
        form.name.data = team.name
        form.service_area.data = str(team.service_area_id)
    if form.validate_on_submit():
        try:
            saved = people.save_team(team, name=required(form.name), service_area_id=int(form.service_area.data))
        except people.DuplicateError as error:
            add_error(form.name, str(error))
        else:
            flash(f"{saved.name} team saved.", "success")
            return redirect(url_for("admin.teams"))
    title = "Add a team" if team is None else f"Change {team.name}"
    return render_template("admin/team_form.html", form=form, team=team, title=title, nav_section="admin.teams")


@admin.route("/teams/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def new_team() -> str | Response:
    return _edit_team(None)


@admin.route("/teams/<int:team_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_team(team_id: int) -> str | Response:
    return _edit_team(found(by_id(Team, team_id)))
