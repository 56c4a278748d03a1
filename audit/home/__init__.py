"""The home page: what each of the user's roles can do here."""

from __future__ import annotations

from flask import Blueprint, render_template

from audit.access import signed_in

home = Blueprint("home", __name__)


@home.route("/")
@signed_in
def index() -> str:
    return render_template("home/index.html", title="Home")
