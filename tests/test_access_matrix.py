"""Every endpoint is classified for access, and every role gets what the classification says.

Adding a route without a row here fails `test_every_endpoint_is_classified`; a row whose rule
differs from the view's declared rule fails `test_declared_rules_match_the_matrix`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from audit.access import rule_for
from audit.models import Role
from tests.pages import assert_well_formed_page

ANON = "signed out"
ROLES = [ANON, *Role]
PUBLIC = "public"
SIGNED_IN = "signed in"


@dataclass(frozen=True)
class Row:
    """A route, who may use it and the one status each role gets.

    A role the rule allows gets ``status`` (and, for a redirect, ``location``); a role it refuses
    gets 403; a signed-out visitor to a route that is not public is sent to sign in (302).
    Where the record decides too (only the case's worker reflects), ``_records`` gives the
    signed-in user that relationship, so an allowed role gets ``status`` there as well.
    """

    method: str
    url: str  # may use {team}, {user}, {case}, {other_user}
    allowed: str | frozenset[Role]  # PUBLIC, SIGNED_IN or the roles allowed
    status: int = 200
    location: str | None = None  # where a 302 for an allowed role goes ({...} as in url)


ADMIN_ONLY = frozenset({Role.ADMIN})
PLAN_READERS = frozenset({Role.LEADER, Role.SUPERVISOR, Role.MODERATOR})

MATRIX: dict[str, Row] = {
    "static": Row("GET", "/static/dist/application.css", PUBLIC),
    "auth.sign_in": Row("GET", "/sign-in", PUBLIC),
    "auth.sign_out": Row("POST", "/sign-out", SIGNED_IN, status=302, location="/sign-in"),
    # Single sign-on is off in the app under test: its two addresses are not found.
    "auth.sso_start": Row("GET", "/sign-in/sso", PUBLIC, status=404),
    "auth.sso_callback": Row("GET", "/sign-in/sso/callback", PUBLIC, status=404),
    "auth.signed_out": Row("GET", "/signed-out", PUBLIC, status=302, location="/sign-in"),
    "auth.change_password": Row("GET", "/account/password", SIGNED_IN),
    "auth.email_settings": Row("GET", "/account/email", SIGNED_IN),
    "auth.session_status": Row("GET", "/session/status", SIGNED_IN),
    "auth.keep_alive": Row("POST", "/session/keep-alive", SIGNED_IN),
    "home.index": Row("GET", "/", SIGNED_IN),
    "cases.index": Row("GET", "/cases/", SIGNED_IN),
    "cases.show": Row("GET", "/cases/{case}", SIGNED_IN),
    "admin.teams": Row("GET", "/admin/teams", ADMIN_ONLY),
    "admin.new_team": Row("GET", "/admin/teams/new", ADMIN_ONLY),
    "admin.edit_team": Row("GET", "/admin/teams/{team}", ADMIN_ONLY),
    "admin.users": Row("GET", "/admin/users", ADMIN_ONLY),
    "admin.new_user": Row("GET", "/admin/users/new", ADMIN_ONLY),
    "admin.edit_user": Row("GET", "/admin/users/{user}", ADMIN_ONLY),
    "admin.set_user_active": Row(
        "POST", "/admin/users/{other_user}/active", ADMIN_ONLY, status=302, location="/admin/users/{other_user}"
    ),
    "admin.reset_password": Row("POST", "/admin/users/{other_user}/reset-password", ADMIN_ONLY),
    "admin.cases": Row("GET", "/admin/cases", ADMIN_ONLY),
    "admin.new_case": Row("GET", "/admin/cases/new", ADMIN_ONLY),
    "admin.edit_case": Row("GET", "/admin/cases/{case}", ADMIN_ONLY),
    "admin.import_cases": Row("GET", "/admin/cases/import", ADMIN_ONLY),
    "admin.import_template": Row("GET", "/admin/cases/import/template.csv", ADMIN_ONLY, status=200),
    # An unknown or someone else's token: sent back to upload the file again.
    "admin.import_preview": Row(
        "GET", "/admin/cases/import/no-such-token", ADMIN_ONLY, status=302, location="/admin/cases/import"
    ),
    "admin.tools_index": Row("GET", "/admin/tools", ADMIN_ONLY),
    "admin.tool_version": Row("GET", "/admin/tools/versions/1", ADMIN_ONLY),
    "admin.downloads": Row("GET", "/admin/downloads", ADMIN_ONLY),
    "admin.notifications_index": Row("GET", "/admin/notifications", ADMIN_ONLY),
    # No such email: an admin is told so; everyone else is refused first.
    "admin.resend_notification": Row("POST", "/admin/notifications/999999/resend", ADMIN_ONLY, status=404),
    "admin.subject_access_search": Row("GET", "/admin/subject-access", ADMIN_ONLY),
    "admin.subject_access_case": Row("GET", "/admin/subject-access/{case}", ADMIN_ONLY),
    "admin.subject_access_csv": Row("GET", "/admin/subject-access/{case}/held.csv", ADMIN_ONLY),
    # Audits: the record-level checks (own audit, own case, team) are tested in tests/test_audits*.py.
    "audits.mine": Row("GET", "/audits/mine", SIGNED_IN),
    "audits.index": Row("GET", "/audits/", SIGNED_IN),
    "audits.new": Row("GET", "/audits/new", frozenset({Role.AUDITOR})),
    "audits.show": Row("GET", "/audits/{audit}", SIGNED_IN),
    "audits.pdf": Row("GET", "/audits/{audit}/pdf", SIGNED_IN),
    "audits.edit": Row("GET", "/audits/{own_audit}/edit", frozenset({Role.AUDITOR})),
    "audits.edit_part": Row("GET", "/audits/{own_audit}/edit/1", frozenset({Role.AUDITOR})),
    "audits.edit_all": Row("GET", "/audits/{own_audit}/edit/all", frozenset({Role.AUDITOR})),
    "audits.check": Row("GET", "/audits/{own_audit}/check", frozenset({Role.AUDITOR})),
    "audits.autosave": Row("POST", "/audits/{own_audit}/autosave", frozenset({Role.AUDITOR})),
    "audits.amend": Row("GET", "/audits/{submitted_audit}/amend", SIGNED_IN),
    "audits.reflection": Row("GET", "/audits/{submitted_audit}/reflection", frozenset({Role.PRACTITIONER})),
    "audits.add_action": Row("GET", "/audits/{own_audit}/actions/new", frozenset({Role.AUDITOR})),
    "audits.raise_concern": Row("GET", "/audits/{own_audit}/concern", frozenset({Role.AUDITOR})),
    "audits.my_actions": Row("GET", "/audits/actions", SIGNED_IN),
    "audits.complete_action": Row("GET", "/audits/actions/{own_action}/done", SIGNED_IN),
    "audits.concerns": Row("GET", "/audits/concerns", frozenset({Role.SUPERVISOR, Role.LEADER})),
    "audits.acknowledge_concern": Row("GET", "/audits/concerns/{concern}", frozenset({Role.SUPERVISOR, Role.LEADER})),
    # The matrix's audit raised a concern, so a leader may record an override of the grade rule.
    "audits.grade_override": Row("GET", "/audits/{audit}/grade-override", frozenset({Role.LEADER})),
    "moderation.index": Row("GET", "/moderation/", frozenset({Role.MODERATOR})),
    "moderation.moderate": Row("GET", "/moderation/{awaiting_moderation}", frozenset({Role.MODERATOR})),
    "programme.index": Row("GET", "/programme/", frozenset({Role.LEADER})),
    "programme.new": Row("GET", "/programme/new", frozenset({Role.LEADER})),
    "programme.show": Row("GET", "/programme/{programme}", frozenset({Role.LEADER})),
    # Reassigning or cancelling an audit not yet submitted ({audit} is in progress): tests/test_programme.py.
    "programme.reassign": Row("GET", "/programme/audits/{audit}/reassign", frozenset({Role.LEADER}), status=200),
    "programme.cancel": Row("GET", "/programme/audits/{audit}/cancel", frozenset({Role.LEADER}), status=200),
    "reports.dashboard": Row("GET", "/reports/", frozenset({Role.LEADER})),
    "reports.answers_csv": Row("GET", "/reports/answers.csv", frozenset({Role.LEADER})),
    "reports.actions_csv": Row("GET", "/reports/actions.csv", frozenset({Role.LEADER})),
    "reports.audits_csv": Row("GET", "/reports/audits.csv", frozenset({Role.LEADER})),
    "reports.judgements_csv": Row("GET", "/reports/judgements.csv", frozenset({Role.LEADER})),
    "reports.data_dictionary": Row("GET", "/reports/data-dictionary", frozenset({Role.LEADER})),
    "reports.themed_pdf": Row("GET", "/reports/themed.pdf", frozenset({Role.LEADER})),
    # The audits behind a dashboard figure: leaders, as the dashboard (tests/test_dashboard_answer_first.py).
    "reports.audits": Row("GET", "/reports/audits", frozenset({Role.LEADER})),
    "reports.narrative_page": Row("GET", "/reports/narrative", frozenset({Role.LEADER})),
    # Posted with nothing: no theme named, so a leader's save or choice is a bad request.
    "reports.narrative_save": Row("POST", "/reports/narrative", frozenset({Role.LEADER}), status=400),
    "reports.narrative_quote": Row("POST", "/reports/narrative/quote", frozenset({Role.LEADER}), status=400),
    "reports.evidence_pack_pdf": Row("GET", "/reports/evidence-pack.pdf", frozenset({Role.LEADER})),
    "reports.evidence_pack_docx": Row("GET", "/reports/evidence-pack.docx", frozenset({Role.LEADER})),
    # A report built in the background is the asker's alone: another leader's (or no) job is not found.
    "reports.report_job": Row("GET", "/reports/jobs/999999", frozenset({Role.LEADER}), status=404),
    "reports.report_job_status": Row("GET", "/reports/jobs/999999/status", frozenset({Role.LEADER}), status=404),
    "reports.report_job_download": Row("GET", "/reports/jobs/999999/download", frozenset({Role.LEADER}), status=404),
    # The improvement plan: leaders change it; supervisors and moderators read it (tests/test_plan*.py).
    "plan.index": Row("GET", "/plan/", PLAN_READERS),
    "plan.pdf": Row("GET", "/plan/plan.pdf", PLAN_READERS),
    # Performance indicators: every reader of the plan sees them; leaders import them (tests/test_indicators.py).
    "plan.indicators": Row("GET", "/plan/indicators", PLAN_READERS),
    "plan.import_indicators": Row("GET", "/plan/indicators/import", frozenset({Role.LEADER})),
    "plan.indicator_template": Row("GET", "/plan/indicators/template.csv", frozenset({Role.LEADER})),
    # Confirming with no checked file sends the leader back to upload one.
    "plan.confirm_indicators": Row(
        "POST",
        "/plan/indicators/import/confirm",
        frozenset({Role.LEADER}),
        status=303,
        location="/plan/indicators/import",
    ),
    "plan.new_priority": Row("GET", "/plan/priorities/new", frozenset({Role.LEADER})),
    "plan.edit_priority": Row("GET", "/plan/priorities/{plan_priority}", frozenset({Role.LEADER})),
    "plan.remove_priority": Row("GET", "/plan/priorities/{plan_priority}/remove", frozenset({Role.LEADER})),
    "plan.new_measure": Row("GET", "/plan/priorities/{plan_priority}/measures/new", frozenset({Role.LEADER})),
    "plan.edit_measure": Row("GET", "/plan/measures/{plan_measure}", frozenset({Role.LEADER})),
    "plan.remove_measure": Row("GET", "/plan/measures/{plan_measure}/remove", frozenset({Role.LEADER})),
    "plan.new_action": Row("GET", "/plan/priorities/{plan_priority}/actions/new", frozenset({Role.LEADER})),
    "plan.edit_action": Row("GET", "/plan/actions/{plan_action}", frozenset({Role.LEADER})),
    "plan.remove_action": Row("GET", "/plan/actions/{plan_action}/remove", frozenset({Role.LEADER})),
    # Its owner updates their own action's progress, whatever their role (anyone else: not found).
    "plan.action_progress": Row("GET", "/plan/actions/{own_plan_action}/progress", SIGNED_IN),
    # Supervision: the record-level checks (the two parties and leaders only; own team; only the
    # worker acknowledges) are tested in tests/test_supervision*.py.
    "supervision.index": Row("GET", "/supervision/", SIGNED_IN),
    "supervision.new": Row("GET", "/supervision/new", frozenset({Role.SUPERVISOR, Role.LEADER})),
    "supervision.edit": Row("GET", "/supervision/{own_supervision}/edit", frozenset({Role.SUPERVISOR, Role.LEADER})),
    "supervision.edit_all": Row(
        "GET", "/supervision/{own_supervision}/edit/all", frozenset({Role.SUPERVISOR, Role.LEADER})
    ),
    "supervision.edit_part": Row(
        "GET", "/supervision/{own_supervision}/edit/1", frozenset({Role.SUPERVISOR, Role.LEADER})
    ),
    "supervision.check": Row("GET", "/supervision/{own_supervision}/check", frozenset({Role.SUPERVISOR, Role.LEADER})),
    "supervision.autosave": Row(
        "POST", "/supervision/{own_supervision}/autosave", frozenset({Role.SUPERVISOR, Role.LEADER})
    ),
    "supervision.add_action": Row(
        "GET", "/supervision/{own_supervision}/actions/new", frozenset({Role.SUPERVISOR, Role.LEADER})
    ),
    "supervision.show": Row("GET", "/supervision/{my_supervision}", SIGNED_IN),
    "supervision.acknowledge": Row("GET", "/supervision/{my_supervision}/acknowledge", SIGNED_IN),
    "supervision.amend": Row(
        "GET", "/supervision/{own_completed_supervision}/amend", frozenset({Role.SUPERVISOR, Role.LEADER})
    ),
    "supervision.pdf": Row("GET", "/supervision/{my_supervision}/pdf", SIGNED_IN),
    "supervision.case_pdf": Row("GET", "/supervision/{my_supervision}/cases/{case}/pdf", SIGNED_IN),
    "supervision.browse": Row("GET", "/supervision/browse", frozenset({Role.LEADER})),
    "supervision.compliance": Row("GET", "/supervision/compliance", frozenset({Role.SUPERVISOR, Role.LEADER})),
    "supervision.standards": Row("GET", "/supervision/standards", ADMIN_ONLY),
}


def test_every_endpoint_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) == set(), "add these endpoints to the access matrix"
    assert set(MATRIX) - endpoints == set(), "these matrix rows name endpoints that no longer exist"


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_declared_rules_match_the_matrix(app, endpoint):
    with app.test_request_context():
        rule = rule_for(endpoint)
    assert rule is not None, f"{endpoint} declares no access rule"
    expected = MATRIX[endpoint].allowed
    if expected == PUBLIC:
        assert rule.public
    elif expected == SIGNED_IN:
        assert not rule.public and rule.roles is None
    else:
        assert rule.roles == expected


def _allowed(row: Row, role: str | Role) -> bool:
    if row.allowed == PUBLIC:
        return True
    if role == ANON:
        return False
    return row.allowed == SIGNED_IN or role in row.allowed


def expected(endpoint: str, role: str | Role) -> tuple[int, str | None]:
    """The one status (and, for a redirect, the location) this role gets from this route."""
    row = MATRIX[endpoint]
    if endpoint == "auth.sign_in" and role != ANON:
        return 302, "/"  # already signed in: sent home
    if _allowed(row, role):
        return row.status, row.location
    if role == ANON:
        return 302, "/sign-in"
    return 403, None


def _records(app, make, team, user, other_user, case) -> dict[str, int]:
    """The records the matrix URLs name, set up so that team scope allows the signed-in user."""
    from datetime import date

    from audit.extensions import db
    from audit.models import Action, AuditProgramme, AuditStatus, SafeguardingConcern

    auditor = make.user(Role.AUDITOR, team=make.team())
    audit = make.audit(case, auditor, status=AuditStatus.IN_PROGRESS)
    acting = user or auditor
    own_audit = make.audit(case, acting, status=AuditStatus.IN_PROGRESS)
    own_case = make.case(team, worker=acting)
    submitted_audit = make.audit(own_case, acting, status=AuditStatus.SUBMITTED)
    # Submitted by someone other than the signed-in user, so a moderator may moderate it.
    awaiting_moderation = make.audit(case, auditor, status=AuditStatus.SUBMITTED)
    with app.app_context():
        action = Action(
            audit_id=audit.id,
            description="Check",
            owner_id=acting.id,
            due_date=date(2030, 1, 1),
            created_by_id=auditor.id,
        )
        concern = SafeguardingConcern(audit_id=audit.id, team_id=team.id, details="Worry", raised_by_id=auditor.id)
        programme = AuditProgramme(
            name="Matrix programme",
            month=date(2030, 1, 1),
            tool_version_id=audit.tool_version_id,
            due_date=date(2030, 1, 31),
            created_by_id=auditor.id,
        )
        db.session.add_all([action, concern, programme])
        db.session.commit()
        ids = {"own_action": action.id, "concern": concern.id, "programme": programme.id}
    # Supervision the signed-in user wrote (draft and completed), and a completed record of their own
    # supervision (by someone else) that discusses the case.
    ids["own_supervision"] = make.supervision(acting, other_user).id
    ids["own_completed_supervision"] = make.supervision(acting, other_user, status="completed").id
    ids["my_supervision"] = make.supervision(auditor, acting, status="completed", cases=[case], team=team).id
    plan_priority = make.priority(other_user)
    ids["plan_priority"] = plan_priority.id
    ids["plan_measure"] = make.measure(plan_priority).id
    ids["plan_action"] = make.plan_action(plan_priority, other_user).id
    ids["own_plan_action"] = make.plan_action(plan_priority, acting).id
    return {
        "team": team.id,
        "user": other_user.id,
        "other_user": other_user.id,
        "case": case.id,
        "audit": audit.id,
        "own_audit": own_audit.id,
        "submitted_audit": submitted_audit.id,
        "awaiting_moderation": awaiting_moderation.id,
        **ids,
    }


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_role_gets_expected_status(app, client, make, endpoint, role):
    row = MATRIX[endpoint]
    team = make.team()
    # The signed-in user is in the same team as the records, so team scope allows them.
    user = None if role == ANON else make.user(role, team=team)
    other_user = make.user(Role.PRACTITIONER, team=team)
    case = make.case(team, worker=other_user)
    needs_records = "{" in row.url + (row.location or "")
    records = _records(app, make, team, user, other_user, case) if needs_records else {}
    url = row.url.format(**records)
    if user is not None:
        client.sign_in_as(user)

    # The records are new (version 1): an autosave that does not say its version is a conflict.
    response = client.get(url) if row.method == "GET" else client.post(url, data={"version": "1"})
    response.close()

    status, location = expected(endpoint, role)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    if location is not None:
        assert response.headers["Location"].split("?")[0] == location.format(**records)
    if status == 200 and response.mimetype == "text/html":
        assert_well_formed_page(response, app.config["SERVICE_NAME"])
