"""Crafted input is answered with a 4xx or the form again with its error, never a 500: dates far
outside any real period, ids no database can hold, the same worker twice, text with a NUL or a
lone surrogate, and a typo posted with a newly ticked case. Each as the role that would send it,
on SQLite and on PostgreSQL (which refuses NUL where SQLite stores it)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Answer, AuditStatus, Role, SupervisionRecord
from tests.audit_forms import complete_post, first_graded_question
from tests.conftest import page_text

HUGE = "99999999999999999999"  # more than either database's integer
TODAY = date.today()
NUL = "\x00"
SURROGATE = "\ud800"  # half of an emoji: what a JSON body's "\ud800" decodes to
UNSTORABLE = "contains a character that cannot be saved"
OUT_OF_RANGE = "must be between 1900 and 2100"


@pytest.fixture
def leader(make):
    return make.user(Role.LEADER, team=make.team())


@pytest.fixture
def team(make):
    team = make.team("Hostile North")
    supervisor = make.user(Role.SUPERVISOR, team=team, name="Sam Supervisor")
    worker = make.user(Role.PRACTITIONER, team=team, name="Pat Worker")
    colleague = make.user(Role.PRACTITIONER, team=team, name="Cory Colleague")
    auditor = make.user(Role.AUDITOR, team=team, name="Ash Auditor")
    return {
        "team": team,
        "supervisor": supervisor,
        "worker": worker,
        "colleague": colleague,
        "auditor": auditor,
        "case": make.case(team, worker=worker, reference="HOS-000001"),
        "second_case": make.case(team, worker=worker, reference="HOS-000002"),
    }


def _d(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _session(**extra) -> dict:
    """A supervision record's own fields, as the edit page posts them."""
    return {
        "version": "",
        "held_on": _d(TODAY),
        "start_time": "14:30",
        "duration_minutes": "90",
        "next_supervision_date": _d(TODAY + timedelta(days=28)),
        "previous_actions_review": "All done.",
        **extra,
    }


def _case_fields(case_id: int) -> dict:
    parts = {"current_situation": "Mum has engaged.", "decision": "Step down.", "decision_rationale": "Safety built."}
    return {f"c{case_id}_{name}": value for name, value in parts.items()}


def _record(app, record_id) -> SupervisionRecord:
    with app.app_context():
        record = db.session.get(SupervisionRecord, record_id)
        _ = record.attendees, record.cases, record.actions
        db.session.expunge_all()
        return record


def _records(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SupervisionRecord))


# Dates outside any real period (OverflowError) ----------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "to=9999-12-31",
        "from=0001-01-01",
        "from=1&from=1&from=0001",
        "to=31&to=12&to=9999",
        "from=0001-01-01&to=9999-12-31",
    ],
)
def test_a_report_filter_date_outside_1900_to_2100_is_an_error_on_its_field(client, leader, query):
    client.sign_in_as(leader)
    page = client.get_page(f"/reports/?{query}")
    assert OUT_OF_RANGE in page_text(page)
    assert page.select_one(".govuk-error-summary")


@pytest.mark.parametrize("download", ["themed.pdf", "answers.csv", "actions.csv"])
@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01"])
def test_a_report_download_for_such_a_date_is_refused_not_failed(client, leader, download, query):
    client.sign_in_as(leader)
    page = client.get_page(f"/reports/{download}?{query}", expected_status=400)
    assert OUT_OF_RANGE in page_text(page)


@pytest.mark.parametrize("url", ["/reports/", "/reports/answers.csv", "/reports/actions.csv"])
def test_the_widest_period_allowed_is_reported(client, leader, url):
    client.sign_in_as(leader)
    response = client.get(f"{url}?from=1900-01-01&to=2100-12-31")
    assert response.status_code == 200 and OUT_OF_RANGE not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/audits/?from=0001-01-01", "/supervision/browse?to=9999-12-31"])
def test_the_other_date_filters_say_the_same(client, leader, url):
    client.sign_in_as(leader)
    assert OUT_OF_RANGE in page_text(client.get_page(url))


def test_a_posted_date_outside_the_range_is_an_error_on_its_field(app, client, team):
    client.sign_in_as(team["supervisor"])
    page = client.post_page(
        "/supervision/new", data={"kind": "case", "workers": [str(team["worker"].id)], "held_on": ["1", "1", "0001"]}
    )
    assert f"Date of the supervision {OUT_OF_RANGE}" in page_text(page)
    assert _records(app) == 0


@pytest.mark.parametrize(
    "dates", [["--from", "0001-01-01", "--to", "2026-01-01"], ["--from", "2026-01-01", "--to", "9999-12-31"]]
)
def test_the_scheduled_report_command_refuses_such_a_date_in_words(app, tmp_path, dates):
    result = app.test_cli_runner().invoke(args=["report", "themed", *dates, "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and "the date must be between 1900 and 2100" in result.output
    assert not (tmp_path / "r.pdf").exists()


# Ids no database can hold ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.LEADER, f"/audits/?team={HUGE}"),
        (Role.LEADER, f"/audits/?tool={HUGE}"),
        (Role.LEADER, f"/audits/?page={HUGE}"),
        (Role.LEADER, "/audits/?page=-1"),
        (Role.LEADER, f"/reports/?team={HUGE}&tool={HUGE}"),
        (Role.LEADER, f"/supervision/browse?team={HUGE}&worker={HUGE}&supervisor={HUGE}"),
        (Role.LEADER, f"/supervision/browse?page={HUGE}"),
        (Role.MODERATOR, f"/moderation/?team={HUGE}&tool={HUGE}&page={HUGE}"),
        (Role.ADMIN, f"/admin/cases?team={HUGE}&page={HUGE}"),
        (Role.PRACTITIONER, f"/cases/?page={HUGE}"),
    ],
)
def test_a_huge_id_in_a_query_string_matches_no_record(client, make, role, url):
    client.sign_in_as(make.user(role, team=make.team()))
    client.get_page(url)


def test_a_huge_worker_id_is_refused_as_not_on_the_list(app, client, team):
    client.sign_in_as(team["supervisor"])
    page = client.post_page("/supervision/new", data={"kind": "case", "workers": [HUGE], "held_on": _d(TODAY)})
    assert "Select who was supervised from the list" in page_text(page)
    assert _records(app) == 0


def test_a_huge_case_id_is_refused_and_nothing_else_is_lost(app, client, team, make):
    record = make.supervision(team["supervisor"], team["worker"])
    client.sign_in_as(team["supervisor"])
    page = client.post_page(
        f"/supervision/{record.id}/edit/all",
        data=_session(version=str(record.version), cases=[HUGE], previous_actions_review="Kept."),
    )
    assert "Select only cases allocated to Pat Worker" in page_text(page)
    saved = _record(app, record.id)
    assert saved.cases == [] and saved.previous_actions_review == "Kept."


def test_a_huge_owner_id_for_an_action_is_refused(app, client, team, make):
    record = make.supervision(team["supervisor"], team["worker"], cases=[team["case"]])
    client.sign_in_as(team["supervisor"])
    page = client.post_page(
        f"/supervision/{record.id}/actions/new",
        data={"description": "Visit dad.", "owner": HUGE, "case": HUGE, "due_date": _d(TODAY + timedelta(days=7))},
    )
    assert page.select_one(".govuk-error-summary")
    assert _record(app, record.id).actions == []


# The same worker twice (IntegrityError) ----------------------------------------------------------


def test_the_same_worker_twice_is_one_worker_not_a_group(app, client, team):
    client.sign_in_as(team["supervisor"])
    worker = str(team["worker"].id)
    page = client.post_page(
        "/supervision/new", data={"kind": "group", "workers": [worker, worker], "held_on": _d(TODAY)}
    )
    assert "Select at least two workers for group supervision" in page_text(page)
    assert _records(app) == 0


# Text no database can store: NUL, lone surrogates ---------------------------------------------------


def _post_json(client, url: str, body: dict, **headers: str):
    """A JSON body, as a script (or an attacker) may send one: Flask-WTF reads it as the form.
    Only JSON can carry a lone surrogate; a url-encoded post is UTF-8, which cannot."""
    token = client.csrf_token()
    return client.open(
        url, method="POST", json={**body, "csrf_token": token}, headers={"X-CSRFToken": token, **headers}
    )


def test_sign_in_with_a_nul_in_the_email_is_an_error_on_the_field(client, make):
    make.user(email="pat@test.example")
    page = client.post_page("/sign-in", data={"email": f"pat{NUL}@test.example", "password": "anything at all"})
    assert f"Email address {UNSTORABLE}" in page_text(page)
    assert page.select_one("input[name=email]")["value"] == "pat@test.example"  # the rest of what was typed


def test_sign_in_posted_as_json_with_lone_surrogates_is_an_error_on_each_field(client):
    response = _post_json(
        client, "/sign-in", {"email": f"pat{SURROGATE}@test.example", "password": f"pass{SURROGATE}word"}
    )
    text = page_text(client._page(response, 200))
    assert f"Email address {UNSTORABLE}" in text and f"Password {UNSTORABLE}" in text


def test_a_query_string_with_a_nul_is_a_clear_400(client, leader):
    client.sign_in_as(leader)
    for url in ("/audits/?grade=good%00", "/cases/?q=HOS%00", "/reports/?theme=x%00&to=2026-01-01"):
        page = client.get_page(url, expected_status=400)
        assert "The web address has characters in it that the service cannot read" in page_text(page)


def _audit_in_progress(app, make, team):
    return make.audit(team["case"], team["auditor"], status=AuditStatus.IN_PROGRESS)


def _answer(app, audit_id, question_id):
    with app.app_context():
        return db.session.scalar(select(Answer).where(Answer.audit_id == audit_id, Answer.question_id == question_id))


@pytest.mark.parametrize("value", [NUL, SURROGATE])
def test_an_audit_post_with_unstorable_evidence_keeps_the_rest_of_what_was_typed(app, client, make, team, value):
    audit = _audit_in_progress(app, make, team)
    question = first_graded_question(app, audit.id)
    client.sign_in_as(team["auditor"])
    data = complete_post(app, audit.id)
    data[f"q{question}_evidence"] = f"Dad was seen{value} at home."
    if value == SURROGATE:
        response = _post_json(client, f"/audits/{audit.id}/edit/all", data)
    else:
        response = client.post(f"/audits/{audit.id}/edit/all", data=data)
    page = client._page(response, 200)
    assert UNSTORABLE in page_text(page)
    box = page.select_one(f"textarea[name=q{question}_evidence]")
    assert box is not None and box.get_text() == "Dad was seen at home."  # what was typed, less the character
    assert _answer(app, audit.id, question) is None or _answer(app, audit.id, question).evidence is None
    assert "The child's voice is clear throughout." in page.get_text()


@pytest.mark.parametrize("kind", ["audit", "supervision"])
def test_autosave_of_a_json_body_with_a_lone_surrogate_saves_the_rest_and_names_the_field(
    app, client, make, team, kind
):
    if kind == "audit":
        audit = _audit_in_progress(app, make, team)
        question = first_graded_question(app, audit.id)
        user, url, version = team["auditor"], f"/audits/{audit.id}/autosave", audit.version
        bad, good = f"q{question}_evidence", "strengths"
    else:
        record = make.supervision(team["supervisor"], team["worker"], kind="reflective")
        user, url, version = team["supervisor"], f"/supervision/{record.id}/autosave", record.version
        bad, good = "reflection", "previous_actions_review"
    client.sign_in_as(user)
    response = _post_json(
        client,
        url,
        {"version": str(version), bad: f"half an emoji {SURROGATE} here", good: "Saved all the same."},
        Accept="application/json",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    answer = response.get_json()
    assert UNSTORABLE in answer["field_problems"][bad]
    assert good not in answer["field_problems"]
    if kind == "audit":
        assert _answer(app, audit.id, question) is None or _answer(app, audit.id, question).evidence is None
    else:
        saved = _record(app, record.id)
        assert saved.reflection is None and saved.previous_actions_review == "Saved all the same."


@pytest.mark.parametrize("body", ['["a", "list"]', '{"version": 1}', '{"reflection": {"nested": "x"}}', "{not json"])
def test_autosave_of_a_json_body_no_form_sends_is_a_400_the_script_can_show(client, make, team, body):
    record = make.supervision(team["supervisor"], team["worker"], kind="reflective")
    client.sign_in_as(team["supervisor"])
    response = client.open(
        f"/supervision/{record.id}/autosave",
        method="POST",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": client.csrf_token(), "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "unreadable",
        "message": "What was sent could not be read as a form. Reload the page and try again.",
    }


def test_a_supervision_post_with_a_nul_keeps_the_rest_of_what_was_typed(app, client, make, team):
    record = make.supervision(team["supervisor"], team["worker"], kind="reflective", reflection="Saved before.")
    client.sign_in_as(team["supervisor"])
    page = client.post_page(
        f"/supervision/{record.id}/edit/all",
        data=_session(version=str(record.version), reflection=f"Typed{NUL} again.", experience="A hard visit."),
    )
    assert f"{UNSTORABLE}" in page_text(page)
    assert page.select_one("textarea[name=reflection]").get_text() == "Typed again."
    saved = _record(app, record.id)
    assert saved.reflection == "Saved before." and saved.experience == "A hard visit."


def test_a_nul_in_a_concern_or_an_acknowledgement_is_an_error_not_a_failed_save(app, client, make, team):
    audit = _audit_in_progress(app, make, team)
    client.sign_in_as(team["auditor"])
    page = client.post_page(f"/audits/{audit.id}/concern", data={"details": f"Bruising{NUL} seen on the arm."})
    assert f"What is the concern {UNSTORABLE}" in page_text(page)
    assert page.select_one("textarea[name=details]").get_text() == "Bruising seen on the arm."

    record = make.supervision(team["supervisor"], team["worker"], status="completed")
    client.sign_in_as(team["worker"])
    page = client.post_page(
        f"/supervision/{record.id}/acknowledge", data={"agrees": "no", "comment": f"Not{NUL} what I said."}
    )
    assert UNSTORABLE in page_text(page)
    assert _record(app, record.id).attendees[0].acknowledged_at is None


# A newly ticked case with a typo (AttributeError after a partial save) -------------------------------


def test_ticking_a_case_with_a_typo_shows_the_form_again_and_changes_the_cases_only_once_correct(
    app, client, make, team
):
    record = make.supervision(team["supervisor"], team["worker"], cases=[team["case"]], duration_minutes=60)
    client.sign_in_as(team["supervisor"])
    both = [str(team["case"].id), str(team["second_case"].id)]
    data = {
        **_session(version=str(record.version), cases=both, previous_actions_review="Typed with the new case."),
        **_case_fields(team["case"].id),
        "duration_minutes": "90 mins",
    }
    page = client.post_page(f"/supervision/{record.id}/edit/all", data=data)
    assert "Duration in minutes must be a whole number, like 90" in page_text(page)
    assert page.select_one(f"input[name=cases][value='{team['second_case'].id}']").has_attr("checked")
    saved = _record(app, record.id)
    # The draft is saved as any post with an error is (the typo keeps its saved value); the cases
    # discussed are not changed behind a page drawn for the old ones.
    assert [case.case_id for case in saved.cases] == [team["case"].id]
    assert saved.previous_actions_review == "Typed with the new case." and saved.duration_minutes == 60

    corrected = {**data, "duration_minutes": "90", "version": str(saved.version)}
    response = client.post(f"/supervision/{record.id}/edit/all", data=corrected)
    assert response.status_code == 302 and response.headers["Location"].endswith("#cases-discussed")
    saved = _record(app, record.id)
    assert sorted(case.case_id for case in saved.cases) == sorted(int(case_id) for case_id in both)
    assert saved.duration_minutes == 90
    assert "HOS-000002" in page_text(client.get_page(f"/supervision/{record.id}/edit/all"))
