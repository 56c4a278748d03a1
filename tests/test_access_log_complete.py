"""The access log is complete: a walk over ``app.url_map``.

Every route is classified. A route that shows a child-linked record (a case, an audit, a
supervision record, an action, a concern, a PDF of one) or changes one has probes here: each
requests it as a user allowed to, and checks that an access-log row for that record and that user
appeared. A route that shows or changes no child's record is listed in ``NOT_CHILD_LINKED`` with
the reason. A new route fails ``test_every_route_is_classified`` until it is put in one or the other.

POST probes read the form from the page a user would fill in (``form_url``), keep what it holds,
pick the first choice where none is chosen, write in empty text areas, apply the probe's own
values, and post it, as a browser would.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, time

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from audit.extensions import db
from audit.models import AccessLogEntry, Action, AuditStatus, Role, SafeguardingConcern
from tests.pages import parse


@dataclass(frozen=True)
class Probe:
    method: str
    url: str  # {placeholders} name records and users of the world below
    user: str  # who makes the request
    action: str  # the access-log action expected: view, create, update, export, import
    record_type: str
    record: str | None  # the record's placeholder; None: a record the request creates
    form_url: str | None = None  # for a POST: the page whose form is posted (default: url)
    values: dict[str, str | list[str]] = field(default_factory=dict)  # what the user types or chooses
    upload: bool = False  # post the file in ``values["file"]`` as multipart
    refused: bool = False  # the request is refused with an error summary (and the page shows the record)
    mark: object = None  # a pytest mark for this probe, e.g. an xfail with its reason


def get(url: str, user: str, record_type: str, record: str, action: str = "view", **kw: object) -> Probe:
    return Probe("GET", url, user, action, record_type, record, **kw)  # type: ignore[arg-type]


def post(url: str, user: str, record_type: str, record: str | None, action: str = "update", **kw: object) -> Probe:
    return Probe("POST", url, user, action, record_type, record, **kw)  # type: ignore[arg-type]


DUE = ["27", "3", "2030"]
CASE_CSV = "reference,team,plan_type\nWALK-IMPORT-1,{team_name},child_in_need\n"

CHILD_LINKED: dict[str, list[Probe]] = {
    # Cases
    "cases.show": [get("/cases/{case}", "leader", "case", "case")],
    "admin.edit_case": [
        get("/admin/cases/{case}", "admin", "case", "case"),
        post("/admin/cases/{case}", "admin", "case", "case"),
    ],
    "admin.new_case": [
        post(
            "/admin/cases/new",
            "admin",
            "case",
            None,
            action="create",
            values={"reference": "WALK-NEW-1", "team": "{team}", "plan_type": "child_in_need"},
        )
    ],
    "admin.import_cases": [
        post("/admin/cases/import", "admin", "case", None, action="import", upload=True, values={"file": CASE_CSV})
    ],
    "admin.import_preview": [
        # Uploading (above) is followed by the confirmation on the preview: the import is logged there.
        post("/admin/cases/import", "admin", "case", None, action="import", upload=True, values={"file": CASE_CSV})
    ],
    "admin.subject_access_case": [get("/admin/subject-access/{case}", "admin", "case", "case")],
    "admin.subject_access_csv": [
        get("/admin/subject-access/{case}/held.csv", "admin", "case", "case", action="export")
    ],
    # Audits
    "audits.new": [
        post(
            "/audits/new",
            "auditor",
            "audit",
            None,
            action="create",
            values={"case_reference": "{fresh_case_reference}"},
        )
    ],
    "audits.show": [get("/audits/{submitted_audit}", "leader", "audit", "submitted_audit")],
    "audits.pdf": [get("/audits/{submitted_audit}/pdf", "leader", "audit", "submitted_audit", action="export")],
    "audits.edit": [get("/audits/{draft_audit}/edit", "auditor", "audit", "draft_audit")],
    "audits.edit_all": [
        get("/audits/{draft_audit}/edit/all", "auditor", "audit", "draft_audit"),
        post("/audits/{draft_audit}/edit/all", "auditor", "audit", "draft_audit"),
    ],
    "audits.edit_part": [
        get("/audits/{draft_audit}/edit/1", "auditor", "audit", "draft_audit"),
        post("/audits/{draft_audit}/edit/1", "auditor", "audit", "draft_audit"),
    ],
    "audits.check": [
        get("/audits/{draft_audit}/check", "auditor", "audit", "draft_audit"),
        # Submitting an unfinished audit is refused and the page shows it again: logged as a view.
        post("/audits/{draft_audit}/check", "auditor", "audit", "draft_audit", "view", refused=True),
    ],
    "audits.autosave": [
        post(
            "/audits/{draft_audit}/autosave",
            "auditor",
            "audit",
            "draft_audit",
            form_url="/audits/{draft_audit}/edit/all",
        )
    ],
    "audits.amend": [
        get("/audits/{submitted_audit}/amend", "auditor", "audit", "submitted_audit"),
        post("/audits/{submitted_audit}/amend", "auditor", "audit", "submitted_audit"),
    ],
    "audits.reflection": [
        get("/audits/{submitted_audit}/reflection", "practitioner", "audit", "submitted_audit"),
        post("/audits/{submitted_audit}/reflection", "practitioner", "audit", "submitted_audit"),
    ],
    "audits.add_action": [
        get("/audits/{draft_audit}/actions/new", "auditor", "audit", "draft_audit"),
        post(
            "/audits/{draft_audit}/actions/new",
            "auditor",
            "action",
            None,
            action="create",
            values={"owner": "{practitioner}", "due_date": DUE},
        ),
    ],
    "audits.grade_override": [
        get("/audits/{draft_audit}/grade-override", "leader", "audit", "draft_audit"),
        post("/audits/{draft_audit}/grade-override", "leader", "audit", "draft_audit", values={"reason": "Synthetic"}),
    ],
    "audits.raise_concern": [
        get("/audits/{draft_audit}/concern", "auditor", "audit", "draft_audit"),
        post("/audits/{draft_audit}/concern", "auditor", "concern", None, action="create"),
    ],
    "audits.my_actions": [get("/audits/actions", "practitioner", "action", "audit_action")],
    "audits.complete_action": [
        get("/audits/actions/{audit_action}/done", "practitioner", "action", "audit_action"),
        post("/audits/actions/{audit_action}/done", "practitioner", "action", "audit_action"),
        post("/audits/actions/{supervision_action}/done", "practitioner", "action", "supervision_action"),
    ],
    "audits.concerns": [get("/audits/concerns", "supervisor", "concern", "concern")],
    "audits.acknowledge_concern": [
        get("/audits/concerns/{concern}", "supervisor", "concern", "concern"),
        post("/audits/concerns/{concern}", "supervisor", "concern", "concern"),
    ],
    "moderation.moderate": [
        get("/moderation/{submitted_audit}", "moderator", "audit", "submitted_audit"),
        post("/moderation/{submitted_audit}", "moderator", "audit", "submitted_audit"),
    ],
    "programme.reassign": [
        get("/programme/audits/{draft_audit}/reassign", "leader", "audit", "draft_audit"),
        post(
            "/programme/audits/{draft_audit}/reassign",
            "leader",
            "audit",
            "draft_audit",
            values={"auditor": "{other_auditor}"},
        ),
    ],
    "programme.cancel": [
        get("/programme/audits/{draft_audit}/cancel", "leader", "audit", "draft_audit"),
        post("/programme/audits/{draft_audit}/cancel", "leader", "audit", "draft_audit"),
    ],
    "reports.answers_csv": [get("/reports/answers.csv", "leader", "audit", "submitted_audit", action="export")],
    "reports.actions_csv": [get("/reports/actions.csv", "leader", "audit", "submitted_audit", action="export")],
    "reports.audits_csv": [get("/reports/audits.csv", "leader", "audit", "submitted_audit", action="export")],
    "reports.judgements_csv": [get("/reports/judgements.csv", "leader", "audit", "submitted_audit", action="export")],
    # Supervision
    "supervision.new": [
        post(
            "/supervision/new",
            "supervisor",
            "supervision",
            None,
            action="create",
            values={"kind": "case", "workers": "{practitioner}"},
        )
    ],
    "supervision.edit": [
        get("/supervision/{draft_supervision}/edit", "supervisor", "supervision", "draft_supervision")
    ],
    "supervision.edit_all": [
        get("/supervision/{draft_supervision}/edit/all", "supervisor", "supervision", "draft_supervision"),
        post("/supervision/{draft_supervision}/edit/all", "supervisor", "supervision", "draft_supervision"),
    ],
    "supervision.edit_part": [
        get("/supervision/{draft_supervision}/edit/1", "supervisor", "supervision", "draft_supervision"),
        # The probe ticks the first radio of each group ("Yes, I've completed this part") with the
        # session's time and duration still empty: saved, then refused as not complete.
        post("/supervision/{draft_supervision}/edit/1", "supervisor", "supervision", "draft_supervision", refused=True),
    ],
    "supervision.check": [
        get("/supervision/{draft_supervision}/check", "supervisor", "supervision", "draft_supervision"),
        # Completing an unfinished record is refused and the page shows it again: logged as a view.
        post(
            "/supervision/{draft_supervision}/check",
            "supervisor",
            "supervision",
            "draft_supervision",
            "view",
            refused=True,
        ),
    ],
    "supervision.autosave": [
        post(
            "/supervision/{draft_supervision}/autosave",
            "supervisor",
            "supervision",
            "draft_supervision",
            form_url="/supervision/{draft_supervision}/edit/all",
        )
    ],
    "supervision.add_action": [
        get("/supervision/{draft_supervision}/actions/new", "supervisor", "supervision", "draft_supervision"),
        post(
            "/supervision/{draft_supervision}/actions/new",
            "supervisor",
            "supervision",
            "draft_supervision",
            values={"owner": "{practitioner}", "due_date": DUE},
        ),
    ],
    "supervision.show": [
        get("/supervision/{completed_supervision}", "practitioner", "supervision", "completed_supervision")
    ],
    "supervision.acknowledge": [
        get("/supervision/{completed_supervision}/acknowledge", "practitioner", "supervision", "completed_supervision"),
        post(
            "/supervision/{completed_supervision}/acknowledge",
            "practitioner",
            "supervision",
            "completed_supervision",
            values={"agrees": "yes"},
        ),
    ],
    "supervision.amend": [
        get("/supervision/{completed_supervision}/amend", "supervisor", "supervision", "completed_supervision"),
        post("/supervision/{completed_supervision}/amend", "supervisor", "supervision", "completed_supervision"),
    ],
    "supervision.pdf": [
        get(
            "/supervision/{completed_supervision}/pdf",
            "supervisor",
            "supervision",
            "completed_supervision",
            action="export",
        )
    ],
    "supervision.case_pdf": [
        get(
            "/supervision/{completed_supervision}/cases/{case}/pdf",
            "practitioner",
            "supervision",
            "completed_supervision",
            action="export",
        )
    ],
}

LIST = "a list of case references, dates and statuses, not any record's content; opening a record from it is logged"
NOT_CHILD_LINKED: dict[str, str] = {
    "static": "stylesheets, scripts, fonts and images",
    "auth.sign_in": "the user's own sign-in",
    "auth.sign_out": "the user's own session",
    "auth.change_password": "the user's own account",
    "auth.email_settings": "the user's own email settings",
    "admin.notifications_index": "emails name no child and quote no record (templates/email)",
    "admin.resend_notification": "emails name no child and quote no record (templates/email)",
    "reports.report_job": "the progress of a report: no record's content",
    "reports.report_job_status": "the progress of a report: no record's content",
    "reports.report_job_download": (
        "the themed report built in the background: the audits it quotes were logged as exported for "
        "the person who asked when it was built (tests/test_deployment.py), and only they can download it"
    ),
    "auth.session_status": "the user's own session",
    "auth.keep_alive": "the user's own session",
    "home.index": "counts of the user's work; open concerns by case reference only, each logged when opened",
    "cases.index": LIST,
    "audits.mine": LIST,
    "audits.index": LIST,
    "moderation.index": LIST,
    "programme.index": "programmes and their counts: no child's record",
    "programme.show": LIST,
    "programme.new": (
        "creating a programme logs a 'create' row per audit it makes (tests/test_programme.py); the walk "
        "does not draw a random sample"
    ),
    "supervision.index": LIST,
    "supervision.browse": "no case references, decisions or comments at all (docs/decisions.md)",
    "supervision.compliance": "percentages and workers' names: no child's record",
    "supervision.standards": "the supervision intervals: a setting",
    "reports.dashboard": "aggregate figures only",
    "reports.audits": LIST,
    "reports.themed_pdf": (
        "aggregates; the audits it quotes are logged as exported (tests/test_themed_report.py), and "
        "the walk's audit has no evidence to quote"
    ),
    "reports.narrative_page": (
        "the lead's words and the report's quotes: each audit quoted is logged as viewed "
        "(tests/test_report_narrative.py), and the walk's audit has no evidence to quote"
    ),
    "reports.narrative_save": "the lead's words about a theme: no child's record",
    "reports.narrative_quote": (
        "a choice about a quote, refused unless the quote is from an audit in the report's scope and "
        "theme (tests/test_report_narrative.py); the quote is logged when shown or exported"
    ),
    "reports.evidence_pack_pdf": (
        "aggregates and case references; each audit listed is logged as exported (tests/test_evidence_pack.py)"
    ),
    "reports.evidence_pack_docx": (
        "aggregates and case references; each audit listed is logged as exported (tests/test_evidence_pack.py)"
    ),
    "plan.index": "the improvement plan: aggregates",
    "plan.pdf": "the improvement plan: aggregates",
    "plan.indicators": "imported performance indicators: service-wide monthly figures",
    "plan.import_indicators": "imported performance indicators: service-wide monthly figures",
    "plan.confirm_indicators": "imported performance indicators: service-wide monthly figures",
    "plan.indicator_template": "a template file with a made-up example row",
    "reports.data_dictionary": "the meaning of the exports' columns: no record's content",
    "plan.new_priority": "the improvement plan",
    "plan.edit_priority": "the improvement plan",
    "plan.remove_priority": "the improvement plan",
    "plan.new_measure": "the improvement plan",
    "plan.edit_measure": "the improvement plan",
    "plan.remove_measure": "the improvement plan",
    "plan.new_action": "the improvement plan's actions are about the service, not a child",
    "plan.edit_action": "the improvement plan's actions are about the service, not a child",
    "plan.remove_action": "the improvement plan's actions are about the service, not a child",
    "plan.action_progress": "the improvement plan's actions are about the service, not a child",
    "auth.sso_start": "signing in: no record",
    "auth.sso_callback": "signing in: no record",
    "auth.signed_out": "signing out: no record",
    "admin.teams": "staff and teams",
    "admin.new_team": "staff and teams",
    "admin.edit_team": "staff and teams",
    "admin.users": "staff accounts",
    "admin.new_user": "staff accounts",
    "admin.edit_user": "staff accounts",
    "admin.set_user_active": "staff accounts",
    "admin.reset_password": "staff accounts",
    "admin.cases": LIST,
    "admin.import_template": "an empty template file",
    "admin.tools_index": "audit tools: questions, not answers",
    "admin.tool_version": "audit tools: questions, not answers",
    "admin.downloads": "who downloaded which report, with its filters: no child's record",
    "admin.subject_access_search": "a form asking for a case reference; the case's page is logged",
}


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    both = set(CHILD_LINKED) & set(NOT_CHILD_LINKED)
    assert not both, f"classified twice: {sorted(both)}"
    unclassified = endpoints - set(CHILD_LINKED) - set(NOT_CHILD_LINKED)
    assert not unclassified, f"say whether these routes show or change a child's record: {sorted(unclassified)}"
    stale = (set(CHILD_LINKED) | set(NOT_CHILD_LINKED)) - endpoints
    assert not stale, f"these entries name routes that no longer exist: {sorted(stale)}"


def test_every_child_linked_route_is_probed_for_each_method_it_answers(app):
    """A route that changes a record on POST is probed by POST too (a GET-only probe is not enough)."""
    methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods.setdefault(rule.endpoint, set()).update((rule.methods or set()) - {"HEAD", "OPTIONS"})
    # Pages whose GET is an empty form (nothing of a child's shown until posted).
    post_only = {"admin.new_case", "admin.import_cases", "admin.import_preview", "audits.new", "supervision.new"}
    for endpoint, probes in CHILD_LINKED.items():
        if endpoint not in methods:
            continue  # reported by test_every_route_is_classified
        probed = {probe.method for probe in probes}
        wanted = methods[endpoint] - ({"GET"} if endpoint in post_only else set())
        assert wanted <= probed, f"{endpoint}: probe {sorted(wanted - probed)} too"


# The world the probes act in -----------------------------------------------------------------------


def _world(app, make) -> dict[str, object]:
    team = make.team()
    other_team = make.team()
    auditor = make.user(Role.AUDITOR, team=team, name="Walk Auditor")
    practitioner = make.user(Role.PRACTITIONER, team=team, name="Walk Worker")
    supervisor = make.user(Role.SUPERVISOR, team=team, name="Walk Supervisor")
    users = {
        "auditor": auditor,
        "practitioner": practitioner,
        "supervisor": supervisor,
        "other_auditor": make.user(Role.AUDITOR, team=other_team),
        "leader": make.user(Role.LEADER),
        "moderator": make.user(Role.MODERATOR),
        "admin": make.user(Role.ADMIN),
    }
    case = make.case(team, worker=practitioner)
    fresh_case = make.case(team, worker=practitioner)
    draft_audit = make.audit(case, auditor, status=AuditStatus.IN_PROGRESS)
    submitted_audit = make.audit(case, auditor, status=AuditStatus.SUBMITTED)
    make.judgements(submitted_audit)
    make.answers(submitted_audit)
    draft_supervision = make.supervision(supervisor, practitioner, cases=[case], team=team)
    completed_supervision = make.supervision(
        supervisor,
        practitioner,
        status="completed",
        cases=[case],
        team=team,
        start_time=time(10, 0),
        duration_minutes=90,
        next_supervision_date=date(2030, 1, 1),
    )
    with app.app_context():
        concern = SafeguardingConcern(
            audit_id=draft_audit.id, team_id=team.id, details="Synthetic concern", raised_by_id=auditor.id
        )
        audit_action = Action(
            audit_id=submitted_audit.id,
            description="Synthetic action",
            owner_id=practitioner.id,
            due_date=date(2030, 1, 1),
            created_by_id=auditor.id,
        )
        supervision_action = Action(
            supervision_id=completed_supervision.id,
            supervision_case_id=case.id,
            description="Synthetic follow-up",
            owner_id=practitioner.id,
            due_date=date(2030, 1, 1),
            created_by_id=supervisor.id,
        )
        db.session.add_all([concern, audit_action, supervision_action])
        db.session.commit()
        ids = {"concern": concern.id, "audit_action": audit_action.id, "supervision_action": supervision_action.id}
    return {
        "users": users,
        **{name: user.id for name, user in users.items()},
        "team": team.id,
        "team_name": team.name,
        "case": case.id,
        "fresh_case_reference": fresh_case.reference,
        "draft_audit": draft_audit.id,
        "submitted_audit": submitted_audit.id,
        "draft_supervision": draft_supervision.id,
        "completed_supervision": completed_supervision.id,
        **ids,
    }


def _form_values(page: BeautifulSoup) -> MultiDict[str, str]:
    """What a browser would post from the page's main form: as filled in, the first choice where
    nothing is chosen, and a sentence in each empty text area."""
    main = page.find("main")
    values: MultiDict[str, str] = MultiDict()
    form = next((form for form in main.find_all("form") if (form.get("method") or "").lower() == "post"), None)
    if form is None:  # e.g. "Submit" offered only once every part is done: post what a script would
        return values
    unchosen_radios: dict[str, str] = {}
    for element in form.find_all(["input", "textarea", "select"]):
        name = element.get("name")
        if not name or element.has_attr("disabled"):
            continue
        if element.name == "textarea":
            values.add(name, element.get_text().lstrip("\n") or "Synthetic words for the walk.")
        elif element.name == "select":
            chosen = element.find("option", selected=True) or element.find("option")
            values.add(name, chosen.get("value", chosen.get_text()) if chosen else "")
        elif element.get("type") in ("submit", "button", "file"):
            continue
        elif element.get("type") in ("radio", "checkbox"):
            if element.has_attr("checked"):
                values.add(name, element.get("value", "on"))
            elif element.get("type") == "radio":
                unchosen_radios.setdefault(name, element.get("value", ""))
        else:
            values.add(name, element.get("value", ""))
    for name, value in unchosen_radios.items():
        if name not in values:
            values.add(name, value)
    return values


def _last_log_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(AccessLogEntry.id))) or 0


def _request(app, client, probe: Probe, world: dict[str, object]):
    """The probe's request, made as a user would, and the last access-log id before it: rows
    written while reading the form first do not count."""
    url = probe.url.format(**world)
    if probe.method == "GET":
        return _last_log_id(app), client.get(url)
    if probe.upload:
        content = str(probe.values["file"]).format(**world).encode()
        fields = {"csrf_token": client.csrf_token(), "file": FileStorage(io.BytesIO(content), "cases.csv", "file")}
        boundary, body = encode_multipart(fields)
        preview = client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}", csrf=False)
        assert preview.status_code in (302, 303), preview.get_data(as_text=True)[:500]
        probe = Probe("POST", preview.headers["Location"], probe.user, probe.action, probe.record_type, None)
        url = probe.url
    page = client.get((probe.form_url or probe.url).format(**world))
    assert page.status_code == 200, (probe.form_url or probe.url, page.status_code)
    values = _form_values(parse(page))
    for name, value in probe.values.items():
        values.setlist(
            name, [part.format(**world) for part in value] if isinstance(value, list) else [value.format(**world)]
        )
    before = _last_log_id(app)
    return before, client.post(url, data=values, headers={"Accept": "application/json"} if "autosave" in url else {})


def _probes():
    for endpoint, probes in sorted(CHILD_LINKED.items()):
        for number, probe in enumerate(probes):
            marks = [probe.mark] if probe.mark else []
            yield pytest.param(endpoint, number, id=f"{endpoint}-{probe.method}-{number}", marks=marks)


@pytest.mark.parametrize(("endpoint", "number"), list(_probes()))
def test_the_access_is_logged(app, client, make, endpoint, number):
    if endpoint not in {rule.endpoint for rule in app.url_map.iter_rules()}:
        pytest.skip(f"{endpoint} is not a route at the moment (reported by test_every_route_is_classified)")
    probe = CHILD_LINKED[endpoint][number]
    world = _world(app, make)
    user = world["users"][probe.user]  # type: ignore[index]
    client.sign_in_as(user)

    before, response = _request(app, client, probe, world)

    problems = parse(response).find(class_="govuk-error-summary") if response.mimetype == "text/html" else None
    assert response.status_code in (200, 302, 303), (response.status_code, response.get_data(as_text=True)[:800])
    assert (problems is not None) == probe.refused, problems and problems.get_text(" ", strip=True)
    with app.app_context():
        rows = db.session.execute(
            select(AccessLogEntry.action, AccessLogEntry.record_type, AccessLogEntry.record_id).where(
                AccessLogEntry.id > before, AccessLogEntry.user_id == user.id
            )
        ).all()
    wanted_id = None if probe.record is None else world[probe.record]
    matching = [
        row
        for row in rows
        if row.action == probe.action
        and row.record_type == probe.record_type
        and (wanted_id is None or row.record_id == wanted_id)
    ]
    assert matching, f"no {probe.action} row for {probe.record_type} {wanted_id}; logged: {rows}"
