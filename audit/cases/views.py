"""The case list and one case."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from audit.access import ensure_team_access, found, signed_in
from audit.cases import cases
from audit.domain import cases as case_data
from audit.domain.access_log import record_access
from audit.domain.case_history import case_history
from audit.domain.records import by_id
from audit.models import Case, PlanType
from audit.routing import page_number


@cases.route("/")
@signed_in
def index() -> str:
    team_id = None if current_user.is_service_wide else current_user.team_id
    if team_id is None and not current_user.is_service_wide:
        # Not an error in the address: the account is not set up yet, so say so and who can fix it.
        return render_template("cases/no_team.html", title="You are not in a team")
    page = case_data.case_page(
        team_id=team_id,
        page=page_number(),
        search=request.args.get("q", "")[:40],
        plan_type=request.args.get("plan_type", ""),
    )
    return render_template("cases/index.html", page=page, plan_types=list(PlanType), title="Cases")


@cases.route("/<int:case_id>")
@signed_in
def show(case_id: int) -> str:
    case = found(by_id(Case, case_id))
    ensure_team_access(case.team_id)
    record_access(current_user.id, "view", "case", case.id, case.id)
    return render_template(
        "cases/show.html",
        case=case,
        history=case_history(case, current_user),
        title=f"Case {case.reference}",
        nav_section="cases.index",
    )
