"""Admin screens for users: add, change, deactivate and reactivate, reset password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit.access import found, requires
from audit.admin import admin
from audit.domain import people
from audit.domain.records import by_id
from audit.models import Role, Team, User
from audit.security.passwords import temporary_password
from forms.admin import NO_TEAM, UserForm
from forms.base import add_error, required


@admin.route("/users")
@requires(Role.ADMIN)
def users() -> str:
    return render_template("admin/users.html", users=people.users_for_admin(), title="Users")


def _team_from(form: UserForm) -> Team | None:
    return by_id(Team, form.team.data) if form.team.data != NO_TEAM else None


@admin.route("/users/new", methods=["GET", "POST"])
@requires(Role.ADMIN)
def new_user() -> str | Response:
    form = UserForm(teams=people.all_teams())
    if form.validate_on_submit():
        password = temporary_password()
        try:
            user = people.create_user(
                email=required(form.email),
                name=required(form.name),
                roles=required(form.roles),
                password=password,
                team=_team_from(form),
                newly_qualified_from=form.newly_qualified_from.data,
                must_change_password=True,
            )
        except people.DuplicateError as error:
            add_error(form.email, str(error))
        else:
            return render_template(
                "admin/user_password.html", user=user, password=password, created=True, title="User added"
            )
    return render_template("admin/user_form.html", form=form, user=None, title="Add a user", nav_section="admin.users")


@admin.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_user(user_id: int) -> str | Response:
    user = found(by_id(User, user_id))
    form = UserForm(teams=people.all_teams())
    if not form.showing_saved_values:
        form.name.data = user.name
        form.email.data = user.email
        form.team.data = str(user.team_id) if user.team_id else NO_TEAM
        form.roles.data = [role.value for role in user.roles]
        form.newly_qualified_from.data = user.newly_qualified_from
    if form.validate_on_submit():
        if user.id == current_user.id and Role.ADMIN.value not in required(form.roles):
            add_error(form.roles, "You cannot remove your own admin role")
        else:
            try:
                people.update_user(
                    user,
                    email=required(form.email),
                    name=required(form.name),
                    team=_team_from(form),
                    roles=required(form.roles),
                    newly_qualified_from=form.newly_qualified_from.data,
                )
            except people.DuplicateError as error:
                add_error(form.email, str(error))
            else:
                flash(f"Details for {user.name} saved.", "success")
                return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user, title=f"Change {user.name}", nav_section="admin.users"
    )


@admin.route("/users/<int:user_id>/active", methods=["POST"])
@requires(Role.ADMIN)
def set_user_active(user_id: int) -> Response:
    user = found(by_id(User, user_id))
    if user.id == current_user.id:
        abort(400)
    # The form says which state it wants, so a second click or an old tab cannot flip it back.
    wanted = {"1": True, "0": False}.get(request.form.get("active", ""))
    if wanted is None or wanted == user.active:
        return redirect(url_for("admin.edit_user", user_id=user.id))
    people.set_active(user, wanted)
    flash(f"{user.name} has been {'reactivated' if user.active else 'deactivated and signed out'}.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@admin.route("/users/<int:user_id>/reset-password", methods=["POST"])
@requires(Role.ADMIN)
def reset_password(user_id: int) -> str:
    user = found(by_id(User, user_id))
    if user.id == current_user.id:
        abort(400)  # an admin changes their own password on the change password page
    password = temporary_password()
    people.set_password(user, password, temporary=True)
    return render_template(
        "admin/user_password.html", user=user, password=password, created=False, title="Password reset"
    )
