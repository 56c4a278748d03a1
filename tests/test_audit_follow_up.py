"""What an audit sets in motion: actions with owners, immediate safeguarding concerns that reach the
team manager at once, the practitioner's reflection; and who sees which audits in the lists."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from audit.clock import today, utcnow
from audit.extensions import db
from audit.models import Action, Audit, AuditStatus, Role, SafeguardingConcern
from tests.conftest import page_text
from tests.govuk_html import assert_error, error_summary, error_summary_links, field_error, selected_values, title
from tests.pages import assert_well_formed_page, heading, parse, text_of
from tests.querycount import queries_for

FUTURE = date(2031, 3, 27)


@pytest.fixture
def setting(make):
    """A case in the North team with its worker, audited by an auditor from another team; the
    North and South teams' managers; a leader; another North practitioner."""
    north = make.team("North Follow-up")
    south = make.team("South Follow-up")
    worker = make.user(Role.PRACTITIONER, team=north, name="Wendy Worker")
    case = make.case(north, worker=worker, reference="FU-000001")
    auditor = make.user(Role.AUDITOR, team=make.team("Quality Follow-up"), name="Audrey Auditor")
    return {
        "north": north,
        "south": south,
        "worker": worker,
        "case": case,
        "auditor": auditor,
        "north_manager": make.user(Role.SUPERVISOR, team=north, name="Nadia Manager"),
        "south_manager": make.user(Role.SUPERVISOR, team=south, name="Sam Manager"),
        "leader": make.user(Role.LEADER, name="Lee Leader"),
        "colleague": make.user(Role.PRACTITIONER, team=north, name="Colin Colleague"),
    }


def _get(app, model, record_id):
    with app.app_context():
        record = db.session.get(model, record_id)
        if record is not None:
            db.session.expunge(record)
        return record


def _all(app, model, **where):
    with app.app_context():
        query = select(model).order_by(model.id)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        records = db.session.scalars(query).all()
        for record in records:
            db.session.expunge(record)
        return records


def _add(app, record):
    with app.app_context():
        db.session.add(record)
        db.session.commit()
        db.session.refresh(record)
        db.session.expunge(record)
        return record


def _action(app, audit, owner, *, due_date=FUTURE, description="Review the plan with the father"):
    return _add(
        app,
        Action(
            audit_id=audit.id,
            description=description,
            owner_id=owner.id,
            due_date=due_date,
            created_by_id=audit.auditor_id,
        ),
    )


def _concern(app, audit, *, details="Bruising seen at the last visit was not followed up"):
    return _add(
        app,
        SafeguardingConcern(audit_id=audit.id, team_id=audit.team_id, details=details, raised_by_id=audit.auditor_id),
    )


def _date_values(response, name):
    page = parse(response)
    values = []
    for part in ("day", "month", "year"):
        tag = page.find("input", id=f"{name}-{part}")
        values.append(str(tag.get("value", "")) if tag else "")
    return values


def _textarea(response, name):
    found = parse(response).find("textarea", attrs={"name": name})
    return found.get_text().strip() if found else None


def _banner(response):
    """The home page's safeguarding banner, or None."""
    banner = 'div.govuk-notification-banner[aria-labelledby="safeguarding-concerns-title"]'
    return parse(response).select_one(banner)


def _audit_links(response) -> list[int]:
    """The audits the page links to, in order."""
    links = parse(response).find_all("a", href=re.compile(r"^/audits/\d+$"))
    return [int(str(link["href"]).removeprefix("/audits/")) for link in links]


# Actions arising ---------------------------------------------------------------------------------


def _action_form(owner_id, *, description="Arrange a meeting with the father", due=FUTURE):
    day, month, year = due if isinstance(due, tuple) else (str(due.day), str(due.month), str(due.year))
    return {"description": description, "owner": str(owner_id), "due_date": [day, month, year]}


def test_the_auditor_adds_an_action_with_an_owner_and_a_due_date(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(setting["auditor"])
    page = client.get(f"/audits/{audit.id}/actions/new")
    assert page.status_code == 200
    assert_well_formed_page(page)
    assert "Wendy Worker (North Follow-up)" in page_text(page)
    example = re.search(r"For example, (\d+) (\d+) (\d+)", page_text(page))
    assert date(int(example[3]), int(example[2]), int(example[1])) > today()  # the hint is a good answer

    response = client.post(f"/audits/{audit.id}/actions/new", data=_action_form(setting["worker"].id))

    assert response.status_code == 302
    assert response.headers["Location"] == f"/audits/{audit.id}/edit"
    [action] = _all(app, Action, audit_id=audit.id)
    assert (action.description, action.owner_id, action.due_date, action.created_by_id) == (
        "Arrange a meeting with the father",
        setting["worker"].id,
        FUTURE,
        setting["auditor"].id,
    )
    assert action.completed_at is None


def test_an_action_can_be_due_today(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.SUBMITTED)
    client.sign_in_as(setting["auditor"])
    response = client.post(f"/audits/{audit.id}/actions/new", data=_action_form(setting["worker"].id, due=today()))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/audits/{audit.id}"  # a submitted audit is read-only
    assert [action.due_date for action in _all(app, Action, audit_id=audit.id)] == [today()]


LONG = "x" * 2001
YESTERDAY = today() - timedelta(days=1)


@pytest.mark.parametrize(
    ("change", "field_id", "message"),
    [
        ({"description": ""}, "description", "Enter what needs to happen"),
        ({"description": "   "}, "description", "Enter what needs to happen"),
        ({"description": LONG}, "description", "What needs to happen must be 2,000 characters or fewer"),
        ({"owner": ""}, "owner", "Select who owns the action"),
        ({"due_date": ["", "", ""]}, "due_date", "Enter the due date"),
        (
            {"due_date": [str(YESTERDAY.day), str(YESTERDAY.month), str(YESTERDAY.year)]},
            "due_date",
            "The due date must be today or in the future",
        ),
        ({"due_date": ["31", "2", "2031"]}, "due_date", "Due date must be a real date, with a day, month and year"),
        ({"due_date": ["27", "March", "2031"]}, "due_date", "Due date must be a real date, with a day, month and year"),
    ],
    ids=["no-description", "blank-description", "long-description", "no-owner", "no-date", "past", "feb-31", "words"],
)
def test_a_bad_action_gets_a_clear_error_and_keeps_everything_else(
    app, client, setting, make, change, field_id, message
):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(setting["auditor"])
    data = {**_action_form(setting["worker"].id), **change}

    response = client.post(f"/audits/{audit.id}/actions/new", data=data)

    if field_id == "due_date":  # a date's error links to its day box
        assert response.status_code == 200
        assert title(response).startswith("Error: ")
        assert error_summary(response) == [message]
        assert error_summary_links(response) == ["#due_date-day"]
        assert field_error(response, "due_date") == message
    else:
        assert_error(response, field_id, message)
        assert len(error_summary(response)) == 1
    assert_well_formed_page(response)
    # Everything else is kept as entered.
    if "description" not in change:
        assert _textarea(response, "description") == "Arrange a meeting with the father"
    elif change["description"] == LONG:
        assert _textarea(response, "description") == LONG
    if "owner" not in change:
        assert selected_values(response, "owner") == [str(setting["worker"].id)]
    if "due_date" not in change:
        assert _date_values(response, "due_date") == ["27", "3", "2031"]
    else:
        assert _date_values(response, "due_date") == change["due_date"]
    assert _all(app, Action, audit_id=audit.id) == []


def test_only_the_auditor_adds_actions(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    # Both may read the audit (same team; service-wide) but neither is its auditor.
    team_auditor = make.user(Role.AUDITOR, team=setting["north"])
    leading_auditor = make.user(Role.AUDITOR, Role.LEADER)
    for user in (team_auditor, leading_auditor):
        client.sign_in_as(user)
        assert client.get(f"/audits/{audit.id}/actions/new").status_code == 403
        assert client.post(f"/audits/{audit.id}/actions/new", data=_action_form(user.id)).status_code == 403
    assert _all(app, Action, audit_id=audit.id) == []


def test_the_owner_sees_their_actions_with_overdue_ones_tagged(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.SUBMITTED)
    _action(app, audit, setting["worker"], due_date=today() + timedelta(days=5), description="Update the chronology")
    _action(app, audit, setting["worker"], due_date=today() - timedelta(days=3), description="Contact the father")
    _action(app, audit, setting["worker"], due_date=today(), description="Book the network meeting")
    _action(app, audit, setting["colleague"], description="Someone else's action")
    client.sign_in_as(setting["worker"])

    response = client.get("/audits/actions")

    assert response.status_code == 200
    assert_well_formed_page(response)
    rows = {
        text.split(" Audit of ")[0]: text
        for text in (text_of(row) for row in parse(response).find_all("tr", class_="govuk-table__row"))
        if " Audit of " in text
    }
    assert set(rows) == {"Update the chronology", "Contact the father", "Book the network meeting"}
    assert "Overdue" in rows["Contact the father"]
    assert "Overdue" not in rows["Update the chronology"]
    assert "Overdue" not in rows["Book the network meeting"]  # due today is not late yet
    assert "FU-000001" in rows["Contact the father"]
    # The overdue one comes first: soonest due first.
    assert list(rows) == ["Contact the father", "Book the network meeting", "Update the chronology"]


def _joined(text):
    """Page text without the space a tag leaves before punctuation."""
    return re.sub(r" ([:,.])", r"\1", text)


def _hrefs(page) -> set[str]:
    return {str(link["href"]) for link in page.find_all("a", href=True)}


def test_the_owner_marks_an_action_done_with_an_optional_note(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.SUBMITTED)
    first = _action(app, audit, setting["worker"], description="Contact the father")
    second = _action(app, audit, setting["worker"], description="Update the chronology")
    client.sign_in_as(setting["worker"])
    page = client.get(f"/audits/actions/{first.id}/done")
    assert page.status_code == 200
    assert_well_formed_page(page)
    assert "Contact the father" in page_text(page)

    before = utcnow()
    response = client.post(f"/audits/actions/{first.id}/done", data={"note": ""})
    assert response.status_code == 302
    assert response.headers["Location"] == "/audits/actions"
    done = _get(app, Action, first.id)
    assert done.completed_at is not None and done.completed_at >= before.replace(microsecond=0)
    assert done.completed_by_id == setting["worker"].id
    assert done.completion_note is None

    client.post(f"/audits/actions/{second.id}/done", data={"note": "Met him on 3 March; he is in the plan now."})
    assert _get(app, Action, second.id).completion_note == "Met him on 3 March; he is in the plan now."

    listing = page_text(client.get("/audits/actions"))
    assert "Done" in listing and "Mark as done" not in listing
    # Done once is done: a second visit does not change who or when.
    again = client.post(f"/audits/actions/{first.id}/done", data={"note": "again"})
    assert again.status_code == 302
    assert _get(app, Action, first.id).completion_note is None
    # The audit shows who completed it.
    assert f"by {setting['worker'].name}" in page_text(client.get(f"/audits/{audit.id}"))


def test_the_audits_done_column_says_when_or_not_done_yet(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.SUBMITTED)
    _action(app, audit, setting["worker"], description="Contact the father")
    done = _action(app, audit, setting["worker"], description="Update the chronology")
    client.sign_in_as(setting["worker"])
    client.post(f"/audits/actions/{done.id}/done", data={"note": ""})
    completed = _get(app, Action, done.id).completed_at

    page = assert_well_formed_page(client.get(f"/audits/{audit.id}"))

    table = next(t for t in page.find_all("table") if "Actions arising" in text_of(t.caption))
    headers = [text_of(th) for th in table.thead.find_all("th")]
    column = headers.index("Done")
    cells = {text_of(row.find_all("td")[0]): text_of(row.find_all("td")[column]) for row in table.tbody.find_all("tr")}
    assert cells == {
        "Contact the father": "Not done yet",  # once "Open" under a "Done" heading
        "Update the chronology": f"{completed.day} {completed:%B %Y} by Wendy Worker",
    }


def test_nobody_else_can_complete_an_action(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.SUBMITTED)
    action = _action(app, audit, setting["worker"])
    for user in (setting["colleague"], setting["auditor"], setting["leader"]):
        client.sign_in_as(user)
        assert client.get(f"/audits/actions/{action.id}/done").status_code == 404
        assert client.post(f"/audits/actions/{action.id}/done", data={"note": ""}).status_code == 404
        assert "Review the plan" not in page_text(client.get("/audits/actions"))
    saved = _get(app, Action, action.id)
    assert saved.completed_at is None and saved.completed_by_id is None


def test_a_note_over_2000_characters_is_refused(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.SUBMITTED)
    action = _action(app, audit, setting["worker"])
    client.sign_in_as(setting["worker"])
    response = client.post(f"/audits/actions/{action.id}/done", data={"note": "y" * 2001})
    assert_error(response, "note", "What was done must be 2,000 characters or fewer")
    assert _get(app, Action, action.id).completed_at is None


# Immediate safeguarding concerns -----------------------------------------------------------------


def test_the_auditor_raises_a_concern_and_must_say_what_it_is(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(setting["auditor"])
    page = client.get(f"/audits/{audit.id}/concern")
    assert page.status_code == 200
    assert_well_formed_page(page)

    response = client.post(f"/audits/{audit.id}/concern", data={"details": "  "})
    assert_error(response, "details", "Describe the safeguarding concern")
    assert _all(app, SafeguardingConcern, audit_id=audit.id) == []

    response = client.post(f"/audits/{audit.id}/concern", data={"details": "Mother said the father is back home."})
    assert response.status_code == 302
    [concern] = _all(app, SafeguardingConcern, audit_id=audit.id)
    assert (concern.team_id, concern.raised_by_id, concern.details, concern.acknowledged_at) == (
        setting["north"].id,
        setting["auditor"].id,
        "Mother said the father is back home.",
        None,
    )


def test_only_the_auditor_raises_a_concern_on_their_audit(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(make.user(Role.AUDITOR, team=setting["north"]))
    assert client.post(f"/audits/{audit.id}/concern", data={"details": "Worry"}).status_code == 403
    assert _all(app, SafeguardingConcern, audit_id=audit.id) == []


def test_an_open_concern_reaches_the_teams_manager_and_leaders_at_once(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(setting["auditor"])
    client.post(f"/audits/{audit.id}/concern", data={"details": "Mother said the father is back home."})
    [concern] = _all(app, SafeguardingConcern, audit_id=audit.id)

    for user in (setting["north_manager"], setting["leader"]):
        client.sign_in_as(user)
        home = client.get("/")
        assert_well_formed_page(home)
        banner = _banner(home)
        assert banner is not None, f"no concern banner for {user.name}"
        assert banner.get("role") == "alert"
        text = text_of(banner)
        assert "Immediate safeguarding concern" in text
        assert "FU-000001" in text and "North Follow-up" in text and "Audrey Auditor" in text
        assert f"{concern.raised_at.day} {concern.raised_at:%B %Y} at {concern.raised_at:%H:%M}" in text
        assert f"/audits/concerns/{concern.id}" in _hrefs(banner)
        # It comes before everything else on the page.
        assert banner.find_next("h1") is not None  # the page's one h1 follows it
        listing = client.get("/audits/concerns")
        assert listing.status_code == 200
        assert "FU-000001" in page_text(listing) and "North Follow-up" in page_text(listing)
        acknowledge = client.get_page(f"/audits/concerns/{concern.id}")
        assert heading(acknowledge) == "Safeguarding concern"
        assert "Mother said the father is back home." in page_text(acknowledge)

    client.sign_in_as(setting["south_manager"])
    assert _banner(client.get("/")) is None
    assert "FU-000001" not in page_text(client.get("/"))
    assert "FU-000001" not in page_text(client.get("/audits/concerns"))
    assert "There are no open safeguarding concerns" in page_text(client.get("/audits/concerns"))

    for user in (setting["worker"], setting["colleague"]):
        client.sign_in_as(user)
        assert _banner(client.get("/")) is None
        assert "FU-000001" not in page_text(client.get("/"))
        assert client.get("/audits/concerns").status_code == 403


def test_acknowledging_needs_the_action_taken_and_then_the_concern_is_closed(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    concern = _concern(app, audit)
    client.sign_in_as(setting["north_manager"])
    page = client.get(f"/audits/concerns/{concern.id}")
    assert_well_formed_page(page)
    assert "Bruising seen at the last visit" in page_text(page)

    response = client.post(f"/audits/concerns/{concern.id}", data={"action_taken": ""})
    assert_error(response, "action_taken", "Enter the action taken to keep the child safe")
    assert _get(app, SafeguardingConcern, concern.id).acknowledged_at is None
    assert _banner(client.get("/")) is not None

    response = client.post(
        f"/audits/concerns/{concern.id}", data={"action_taken": "Visited the child today; strategy discussion held."}
    )
    assert response.status_code == 302
    saved = _get(app, SafeguardingConcern, concern.id)
    assert saved.acknowledged_at is not None
    assert saved.acknowledged_by_id == setting["north_manager"].id
    assert saved.action_taken == "Visited the child today; strategy discussion held."

    for user in (setting["north_manager"], setting["leader"]):
        client.sign_in_as(user)
        assert _banner(client.get("/")) is None
        assert "FU-000001" not in page_text(client.get("/"))
        assert "There are no open safeguarding concerns" in page_text(client.get("/audits/concerns"))
    # The record of it stays on the audit and on its page.
    assert "Acknowledged by Nadia Manager" in page_text(client.get(f"/audits/concerns/{concern.id}"))
    assert "strategy discussion held" in page_text(client.get(f"/audits/{audit.id}"))


def test_a_manager_of_another_team_cannot_open_or_acknowledge_a_concern(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    concern = _concern(app, audit)
    client.sign_in_as(setting["south_manager"])
    assert client.get(f"/audits/concerns/{concern.id}").status_code == 404
    assert client.post(f"/audits/concerns/{concern.id}", data={"action_taken": "Nothing"}).status_code == 404
    assert _get(app, SafeguardingConcern, concern.id).acknowledged_at is None


def test_the_concern_follows_the_audits_team_not_the_cases_team_now(app, client, setting, make):
    """A case moved to another team after the audit: the concern stays with the audit's team."""
    from audit.models import Case

    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    _concern(app, audit)
    with app.app_context():
        db.session.get(Case, setting["case"].id).team_id = setting["south"].id
        db.session.commit()
    client.sign_in_as(setting["north_manager"])
    banner = text_of(_banner(client.get("/")))
    assert "North Follow-up" in banner and "South Follow-up" not in banner
    listing = page_text(client.get("/audits/concerns"))
    assert "North Follow-up" in listing and "South Follow-up" not in listing


# The practitioner's reflection -------------------------------------------------------------------


def test_the_worker_adds_a_reflection_to_a_submitted_audit_of_their_case(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.SUBMITTED)
    client.sign_in_as(setting["worker"])
    mine = client.get("/audits/mine")
    assert "Add your reflection to the audit of FU-000001" in page_text(mine)
    assert "1 audit waiting for your reflection" in page_text(client.get("/"))

    page = client.get(f"/audits/{audit.id}/reflection")
    assert page.status_code == 200
    assert_well_formed_page(page)
    before = utcnow()
    response = client.post(
        f"/audits/{audit.id}/reflection", data={"reflection": "I had not contacted the father; I will now."}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/audits/{audit.id}"
    saved = _get(app, Audit, audit.id)
    assert saved.practitioner_reflection == "I had not contacted the father; I will now."
    assert saved.reflection_by_id == setting["worker"].id
    assert saved.reflection_at >= before.replace(microsecond=0)
    assert "I had not contacted the father; I will now." in page_text(client.get(f"/audits/{audit.id}"))
    mine = page_text(client.get("/audits/mine"))
    assert "FU-000001" not in mine
    assert "No audits are waiting for your reflection." in mine
    assert "no audits waiting for your reflection" in page_text(client.get("/"))


def test_only_the_cases_worker_reflects_and_only_after_submission(app, client, setting, make):
    submitted = make.audit(setting["case"], setting["auditor"], status=AuditStatus.SUBMITTED)
    client.sign_in_as(setting["colleague"])  # same team: may read the audit, not reflect on it
    assert heading(client.get_page(f"/audits/{submitted.id}")) == "Audit of FU-000001"
    assert client.get(f"/audits/{submitted.id}/reflection").status_code == 403
    assert client.post(f"/audits/{submitted.id}/reflection", data={"reflection": "Mine"}).status_code == 403

    draft = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(setting["worker"])
    assert client.get(f"/audits/{draft.id}/reflection").status_code == 403
    assert client.post(f"/audits/{draft.id}/reflection", data={"reflection": "Too soon"}).status_code == 403
    assert _get(app, Audit, submitted.id).practitioner_reflection is None
    assert _get(app, Audit, draft.id).practitioner_reflection is None


def test_a_reflection_over_5000_characters_gets_a_clear_error(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.SUBMITTED)
    client.sign_in_as(setting["worker"])
    response = client.post(f"/audits/{audit.id}/reflection", data={"reflection": "z" * 5001})
    assert_error(response, "reflection", "Your reflection must be 5,000 characters or fewer")
    assert _textarea(response, "reflection") == "z" * 5001  # kept, to shorten
    assert _get(app, Audit, audit.id).practitioner_reflection is None


# The home page -----------------------------------------------------------------------------------


def test_home_shows_overdue_actions_and_the_auditors_audits(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.SUBMITTED)
    _action(app, audit, setting["auditor"], due_date=today() - timedelta(days=1))
    _action(app, audit, setting["auditor"], due_date=today() - timedelta(days=9))
    _action(app, audit, setting["auditor"])
    done = _action(app, audit, setting["auditor"], due_date=today() - timedelta(days=1))
    with app.app_context():
        db.session.get(Action, done.id).completed_at = utcnow()
        db.session.commit()
    other_case = make.case(setting["north"])
    make.audit(other_case, setting["auditor"], due_date=today() - timedelta(days=2))
    make.audit(other_case, setting["auditor"], status=AuditStatus.IN_PROGRESS, due_date=today() + timedelta(days=2))
    make.audit(other_case, setting["auditor"], status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(setting["auditor"])

    home = client.get("/")

    assert_well_formed_page(home)
    text = _joined(page_text(home))
    assert "My actions: 3 open actions, 2 overdue" in text
    assert "My audits: 3 audits to complete, 1 overdue" in text
    hrefs = _hrefs(parse(home))
    assert "/audits/actions" in hrefs and "/audits/mine" in hrefs
    assert "/audits/new" in hrefs  # Start an audit, on the auditor's card


def test_home_with_nothing_waiting_says_so(client, setting):
    client.sign_in_as(setting["worker"])
    text = _joined(page_text(client.get("/")))
    assert "My actions: no open actions" in text
    assert "overdue" not in text
    assert "audits to complete" not in text  # not an auditor


@pytest.mark.parametrize(
    ("role", "links", "not_links"),
    [
        (Role.AUDITOR, ["/audits/mine", "/audits/new"], ["/audits/concerns", "/programme/"]),
        (Role.PRACTITIONER, ["/audits/mine", "/audits/actions"], ["/audits/new", "/audits/concerns"]),
        (Role.SUPERVISOR, ["/audits/concerns"], ["/audits/new", "/programme/"]),
        (Role.LEADER, ["/audits/concerns", "/audits/", "/programme/"], ["/audits/new"]),
    ],
)
def test_each_role_card_links_to_its_areas(client, make, role, links, not_links):
    client.sign_in_as(make.user(role, team=make.team()))
    home = client.get("/")
    assert_well_formed_page(home)
    cards = {href for card in parse(home).select("section.app-role-card") for href in _hrefs(card)}
    for link in links:
        if link == "/programme/" and "programme.index" not in client.application.view_functions:
            continue
        assert link in cards, link
    for link in not_links:
        assert link not in cards, link


# Lists -------------------------------------------------------------------------------------------


@pytest.fixture
def audits(make, setting):
    """Audits in North, South and another team, with two tools, four statuses and two grades."""
    north, south = setting["north"], setting["south"]
    other = make.team("West Follow-up")
    # A North practitioner who also audits: they audit one South case.
    worker_auditor = make.user(Role.PRACTITIONER, Role.AUDITOR, team=north)
    auditor = setting["auditor"]
    n_case = setting["case"]
    s_case = make.case(south, reference="FU-S00001")
    w_case = make.case(other, reference="FU-W00001")
    made = {
        "north_open": make.audit(n_case, auditor, due_date=today() + timedelta(days=3)),
        "north_overdue": make.audit(
            n_case, auditor, status=AuditStatus.IN_PROGRESS, due_date=today() - timedelta(days=1)
        ),
        "north_good": make.judgements(
            make.audit(n_case, auditor, tool="assessment-and-planning", status=AuditStatus.SUBMITTED), overall="good"
        ),
        "south_inadequate": make.judgements(
            make.audit(s_case, auditor, tool="assessment-and-planning", status=AuditStatus.MODERATED),
            grades="inadequate",
            overall="inadequate",
        ),
        "south_by_worker_auditor": make.audit(s_case, worker_auditor, status=AuditStatus.SUBMITTED),
        "west_overdue": make.audit(w_case, auditor, due_date=today() - timedelta(days=10)),
    }
    return {"worker_auditor": worker_auditor, "west": other, **made}


def _listed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return set(_audit_links(response))


def _ids(audits, *names):
    return {audits[name].id for name in names}


def test_a_practitioner_sees_their_teams_audits_and_those_they_audit(client, setting, audits):
    client.sign_in_as(setting["colleague"])
    assert _listed(client, "/audits/") == _ids(audits, "north_open", "north_overdue", "north_good")
    client.sign_in_as(audits["worker_auditor"])
    assert _listed(client, "/audits/") == _ids(
        audits, "north_open", "north_overdue", "north_good", "south_by_worker_auditor"
    )
    client.sign_in_as(setting["south_manager"])
    assert _listed(client, "/audits/") == _ids(audits, "south_inadequate", "south_by_worker_auditor")


def test_a_service_wide_role_sees_every_audit(client, setting, audits):
    client.sign_in_as(setting["leader"])
    assert _listed(client, "/audits/") == {
        audit.id for name, audit in audits.items() if name not in {"worker_auditor", "west"}
    }


def test_the_filters_narrow_the_list(client, make, setting, audits):
    client.sign_in_as(setting["leader"])
    assessment = make.tool_version("assessment-and-planning").tool_id
    fathers = make.tool_version("fathers-engagement-themed").tool_id
    cases = {
        f"/audits/?team={setting['south'].id}": ("south_inadequate", "south_by_worker_auditor"),
        f"/audits/?team={audits['west'].id}": ("west_overdue",),
        f"/audits/?tool={assessment}": ("north_good", "south_inadequate"),
        f"/audits/?tool={fathers}&team={setting['north'].id}": ("north_open", "north_overdue"),
        "/audits/?status=submitted": ("north_good", "south_by_worker_auditor"),
        "/audits/?status=moderated": ("south_inadequate",),
        "/audits/?status=assigned": ("north_open", "west_overdue"),
        "/audits/?grade=good": ("north_good",),
        "/audits/?grade=inadequate": ("south_inadequate",),
        "/audits/?grade=outstanding": (),
        "/audits/?overdue=1": ("north_overdue", "west_overdue"),
        f"/audits/?overdue=1&team={setting['north'].id}": ("north_overdue",),
        "/audits/?status=nonsense": tuple(name for name in audits if name not in {"worker_auditor", "west"}),
    }
    for url, expected in cases.items():
        assert _listed(client, url) == _ids(audits, *expected), url
    # The filters show what was chosen, and overdue audits are tagged.
    response = client.get(f"/audits/?overdue=1&status=assigned&tool={fathers}")
    assert selected_values(response, "overdue") == ["1"]
    assert selected_values(response, "status") == ["assigned"]
    assert selected_values(response, "tool") == [str(fathers)]
    assert "Overdue" in page_text(response)
    assert "1 audit" in page_text(response)


def _date_boxes(response, name):
    """The day, month and year a GOV.UK date input shows."""
    page = parse(response)
    return [str(page.find("input", id=f"{name}-{part}")["value"] or "") for part in ("day", "month", "year")]


def test_the_submitted_dates_are_day_month_year_boxes_like_every_other_date(client, setting, audits, monkeypatch):
    client.sign_in_as(setting["leader"])
    submitted = _ids(audits, "north_good", "south_inadequate", "south_by_worker_auditor")
    yesterday, tomorrow = today() - timedelta(days=1), today() + timedelta(days=1)

    def boxes(name, day):
        return f"{name}={day.day}&{name}={day.month}&{name}={day.year}"

    page = assert_well_formed_page(client.get("/audits/"))
    assert not page.find("input", type="date")  # not the browser's own date picker
    for name in ("from", "to"):
        assert [tag["name"] for tag in page.select(f"input[id^={name}-]")] == [name] * 3

    around_today = f"/audits/?{boxes('from', yesterday)}&{boxes('to', tomorrow)}"
    assert _listed(client, around_today) == submitted
    assert _listed(client, f"/audits/?{boxes('to', yesterday - timedelta(days=1))}") == set()
    shown = [str(yesterday.day), str(yesterday.month), str(yesterday.year)]
    assert _date_boxes(client.get(around_today), "from") == shown
    # An older link with ISO dates still works, and shows them in the boxes.
    iso = client.get(f"/audits/?from={yesterday.isoformat()}")
    assert set(_audit_links(iso)) == submitted
    assert _date_boxes(iso, "from") == shown
    # The next page keeps all three boxes of each date.
    monkeypatch.setattr("audit.domain.audits.PAGE_SIZE", 1)
    next_link = parse(client.get(around_today)).select_one(".govuk-pagination__next a")["href"]
    assert _listed(client, next_link) <= submitted and "page=2" in next_link


@pytest.mark.parametrize(
    ("query", "field", "message", "listed"),
    [
        ("from=31&from=2&from=2026", "from", "Submitted from must be a real date, with a day, month and year", 6),
        ("to=2026-02-31", "to", "Submitted to must be a real date, with a day, month and year, like 31 3 2026", 6),
        # The 'to' date is not applied, the 'from' date is (every submitted audit is after it).
        ("from=2&from=3&from=2026&to=1&to=3&to=2026", "to", "‘Submitted to’ must be the same as or after "
         "‘Submitted from’", 3),
    ],
)  # fmt: skip
def test_an_impossible_date_is_explained_not_ignored(client, setting, audits, query, field, message, listed):
    client.sign_in_as(setting["leader"])

    response = client.get(f"/audits/?{query}")

    assert response.status_code == 200
    page = assert_well_formed_page(response)
    assert title(page).startswith("Error: ")
    assert error_summary(page) == [message]
    assert field_error(page, field) == message
    assert error_summary_links(page) == [f"#{field}-day"]
    if query.startswith("from=31"):
        assert _date_boxes(response, "from") == ["31", "2", "2026"]  # what was typed stays in the boxes
    # The list is still shown, without the date that is wrong.
    assert len(set(_audit_links(response))) == listed


def test_a_practitioner_cannot_filter_their_way_into_another_team(client, setting, audits):
    client.sign_in_as(setting["colleague"])
    assert _listed(client, f"/audits/?team={setting['south'].id}") == set()
    assert "No audits match" in page_text(client.get(f"/audits/?team={setting['south'].id}"))


def test_another_teams_audit_is_not_found_for_a_practitioner(client, setting, audits):
    client.sign_in_as(setting["colleague"])
    assert client.get(f"/audits/{audits['south_inadequate'].id}").status_code == 404
    assert heading(client.get_page(f"/audits/{audits['north_good'].id}")) == "Audit of FU-000001"
    client.sign_in_as(audits["worker_auditor"])  # their own audit of a South case
    assert heading(client.get_page(f"/audits/{audits['south_by_worker_auditor'].id}")) == "Audit of FU-S00001"


def test_the_auditors_own_list_shows_open_audits_soonest_first(client, setting, audits):
    client.sign_in_as(setting["auditor"])
    response = client.get("/audits/mine")
    assert_well_formed_page(response)
    found = _audit_links(response)
    assert found == [audits["west_overdue"].id, audits["north_overdue"].id, audits["north_open"].id]
    assert page_text(response).count("Overdue") == 2


# Queries do not grow with the data ---------------------------------------------------------------


def _grow(app, make, count, auditors, cases, owner):
    """Add audits, each with an action the viewer owns and a concern, until there are ``count``.
    Even the first two hold one of each thing the pages list, so no list starts empty."""
    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(Audit))
    tools = ["fathers-engagement-themed", "assessment-and-planning", "front-door-mash"]
    statuses = [AuditStatus.SUBMITTED, AuditStatus.IN_PROGRESS, AuditStatus.ASSIGNED, AuditStatus.MODERATED]
    for n in range(have, count):
        audit = make.audit(
            cases[n % len(cases)],
            auditors[n % len(auditors)],
            tool=tools[n % len(tools)],
            status=statuses[n % len(statuses)],
            due_date=today() + timedelta(days=n - 10),
        )
        _action(app, audit, owner, due_date=today() + timedelta(days=n - 10))
        _concern(app, audit)


@pytest.mark.parametrize("viewer", ["leader", "colleague", "north_manager"])
def test_list_and_audit_pages_send_the_same_queries_for_2_audits_as_for_25(app, client, make, setting, viewer):
    user = setting[viewer]
    auditors = [setting["auditor"], make.user(Role.AUDITOR, team=setting["south"]), make.user(Role.AUDITOR)]
    # The colleague's case first: the first audit, submitted, waits for their reflection.
    cases = [make.case(setting["north"], worker=setting["colleague"]), setting["case"], make.case(setting["south"])]
    _grow(app, make, 2, auditors, cases, user)
    first = _all(app, Audit)[0]
    client.sign_in_as(user)
    pages = ["/audits/", "/audits/?overdue=1", f"/audits/{first.id}", "/audits/mine", "/audits/actions", "/"]
    if viewer != "colleague":
        pages.append("/audits/concerns")
    for path in pages:
        client.get(path)  # anything done once per session is not counted
    few = {path: queries_for(app, client, path) for path in pages}

    _grow(app, make, 25, auditors, cases, user)
    for _ in range(10):  # the audit viewed gets more of everything too
        _action(app, first, user)
        _concern(app, first)
    many = {path: queries_for(app, client, path) for path in pages}

    for path in pages:
        assert many[path].count == few[path].count, f"{path}\n2 audits:\n{few[path]}\n\n25 audits:\n{many[path]}"
    assert len(_listed(client, "/audits/")) > 2  # the list did grow


def test_an_owner_must_be_able_to_read_the_audit(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    outsider = make.user(Role.PRACTITIONER, team=setting["south"], name="Olive Outsider")
    inactive = make.user(Role.PRACTITIONER, team=setting["north"], name="Ivan Inactive", active=False)
    client.sign_in_as(setting["auditor"])
    page = page_text(client.get(f"/audits/{audit.id}/actions/new"))
    for name in ("Wendy Worker", "Nadia Manager", "Audrey Auditor", "Lee Leader"):
        assert name in page
    assert "Olive Outsider" not in page and "Ivan Inactive" not in page
    for user in (outsider, inactive):
        response = client.post(f"/audits/{audit.id}/actions/new", data=_action_form(user.id))
        assert response.status_code == 200
        assert error_summary(response)
    assert _all(app, Action, audit_id=audit.id) == []
