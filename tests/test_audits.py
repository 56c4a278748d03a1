"""The auditor's journey: start, save, autosave, conflicts, submit, lock, amend; nothing lost."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Answer, Audit, AuditAmendment, AuditStatus, Role, SectionJudgement
from tests.audit_forms import audit_structure, complete_post, first_graded_question
from tests.conftest import page_text
from tests.factories import PASSWORD
from tests.pages import heading, parse, text_of


@pytest.fixture
def setting(make):
    """A case in one team, audited by an auditor from another team."""
    team = make.team("Safeguarding Test")
    worker = make.user(Role.PRACTITIONER, team=team)
    case = make.case(team, worker=worker, reference="AUD-000001")
    auditor = make.user(Role.AUDITOR, team=make.team("Quality Test"), email="auditor@test.example")
    return {"team": team, "worker": worker, "case": case, "auditor": auditor}


def _audit(app, audit_id) -> Audit:
    with app.app_context():
        audit = db.session.get(Audit, audit_id)
        db.session.expunge(audit)
        return audit


def _count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def test_auditor_starts_an_audit_of_a_case(app, client, setting, make):
    # Only a case in the auditor's own team (tests/test_disclosure.py): others come by the programme.
    auditor = make.user(Role.AUDITOR, team=setting["team"])
    client.sign_in_as(auditor)
    tool = make.tool_version("assessment-and-planning")
    response = client.post("/audits/new", data={"case_reference": " aud-000001 ", "tool": str(tool.id)})
    assert response.status_code == 302
    audit_id = int(response.headers["Location"].split("/")[2])
    audit = _audit(app, audit_id)
    assert (audit.case_id, audit.auditor_id, audit.tool_version_id) == (
        setting["case"].id,
        auditor.id,
        tool.id,
    )
    page = client.get(f"/audits/{audit_id}/edit")
    assert f"Assessment and planning audit (version {tool.version})" in page_text(page)
    assert "Child's voice" in page_text(page)


@pytest.mark.parametrize(
    ("status", "link"),
    [(AuditStatus.ASSIGNED, "Start the audit"), (AuditStatus.IN_PROGRESS, "Continue the audit")],
)
def test_the_audit_page_offers_to_start_or_continue(client, setting, make, status, link):
    audit = make.audit(setting["case"], setting["auditor"], status=status)
    client.sign_in_as(setting["auditor"])

    page = parse(client.get(f"/audits/{audit.id}"))

    edit_links = [text_of(a) for a in page.find_all("a", href=f"/audits/{audit.id}/edit")]
    assert edit_links == [link]


def test_nobody_audits_their_own_case_or_a_team_they_manage(client, setting, make):
    tool = make.tool_version()
    worker_auditor = make.user(Role.AUDITOR, Role.PRACTITIONER, team=setting["team"])
    own_case = make.case(setting["team"], worker=worker_auditor, reference="AUD-OWN")
    client.sign_in_as(worker_auditor)
    response = client.post("/audits/new", data={"case_reference": "AUD-OWN", "tool": str(tool.id)})
    assert "is the case's allocated worker and cannot audit it" in page_text(response)
    assert 'value="AUD-OWN"' in response.get_data(as_text=True)
    del own_case

    manager = make.user(Role.AUDITOR, Role.SUPERVISOR, team=setting["team"])
    client.sign_in_as(manager)
    response = client.post("/audits/new", data={"case_reference": "AUD-000001", "tool": str(tool.id)})
    assert "manages the case's team and cannot audit it" in page_text(response)

    response = client.post("/audits/new", data={"case_reference": "NO-SUCH", "tool": str(tool.id)})
    assert "There is no case with that reference" in page_text(response)


def test_save_and_come_back_later_keeps_a_partial_draft(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"])
    client.sign_in_as(setting["auditor"])
    question = first_graded_question(app, audit.id)
    response = client.post(
        f"/audits/{audit.id}/edit/all",
        data={
            "version": "1",
            f"q{question}_grade": "good",
            f"q{question}_evidence": "Seen alone twice.",
            "action": "save",
        },
    )
    assert response.headers["Location"] == "/audits/mine"
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.audit_id == audit.id, Answer.question_id == question))
        assert answer.grade.key == "good"
        assert answer.evidence == "Seen alone twice."
        assert db.session.get(Audit, audit.id).status == AuditStatus.IN_PROGRESS.value
    page = client.get(f"/audits/{audit.id}/edit/all").get_data(as_text=True)
    assert "Seen alone twice." in page
    assert 'value="good" checked' in page


def test_submitting_an_incomplete_audit_lists_every_problem_and_locks_nothing(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], tool="assessment-and-planning")
    client.sign_in_as(setting["auditor"])
    question = first_graded_question(app, audit.id)
    response = client.post(
        f"/audits/{audit.id}/edit/all", data={"version": "1", f"q{question}_grade": "good", "action": "submit"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert "<title>Error: " in html
    assert f'href="#q{question}_evidence"' in html  # graded but no evidence
    assert "Select the overall grade" in html
    assert "Enter the strengths you found" in html
    assert 'value="good" checked' in html  # what was posted is kept
    assert _audit(app, audit.id).status == AuditStatus.IN_PROGRESS.value


def test_complete_audit_submits_and_is_then_read_only(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], tool="assessment-and-planning")
    client.sign_in_as(setting["auditor"])
    data = complete_post(app, audit.id) | {"action": "submit"}
    response = client.post(f"/audits/{audit.id}/edit/all", data=data)
    assert response.status_code == 302, page_text(response)[:2000]
    submitted = _audit(app, audit.id)
    assert submitted.status == AuditStatus.SUBMITTED.value
    assert submitted.submitted_at is not None
    assert _count(app, SectionJudgement, audit_id=audit.id) == len(audit_structure(app, audit.id)["sections"])

    # Locked: the form redirects to the audit; a post changes nothing; autosave refuses.
    assert client.get(f"/audits/{audit.id}/edit/all").headers["Location"] == f"/audits/{audit.id}"
    client.post(f"/audits/{audit.id}/edit/all", data=data | {"strengths": "Changed after submission"})
    assert _audit(app, audit.id).strengths == "The child's voice is clear throughout."
    locked = client.post(f"/audits/{audit.id}/autosave", data=data, headers={"Accept": "application/json"})
    assert locked.status_code == 409


def test_overall_grade_above_an_inadequate_section_needs_a_reason(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], tool="assessment-and-planning")
    client.sign_in_as(setting["auditor"])
    data = complete_post(app, audit.id) | {"action": "submit"}
    first_section = audit_structure(app, audit.id)["sections"][0][0]
    data[f"s{first_section}_grade"] = "inadequate"
    response = client.post(f"/audits/{audit.id}/edit/all", data=data)
    assert "Explain why the overall grade is higher than the inadequate judgement" in page_text(response)
    data["overall_above_inadequate_reason"] = "The immediate risk was managed well by the duty team."
    data["version"] = str(_audit(app, audit.id).version)
    assert client.post(f"/audits/{audit.id}/edit/all", data=data).status_code == 302


def test_bad_values_get_clear_errors_and_everything_else_is_saved(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], tool="assessment-and-planning")
    client.sign_in_as(setting["auditor"])
    structure = audit_structure(app, audit.id)
    graded = [qid for _sid, questions in structure["sections"] for qid, kind in questions if kind == "grade"]
    dated = [qid for _sid, questions in structure["sections"] for qid, kind in questions if kind == "date"]
    data = {
        "version": "1",
        "action": "save",
        f"q{graded[0]}_grade": "brilliant",  # not on the scale
        f"q{graded[1]}_grade": "good",
        f"q{graded[1]}_evidence": "x" * 5001,  # over the limit
        f"q{graded[2]}_grade": "inadequate",
        f"q{graded[2]}_evidence": "Kept despite the other errors",
        f"q{dated[0]}_date": ["1", "1", "2999"],  # in the future
        "q999999_grade": "good",  # a question of no tool: not a field, ignored
    }
    response = client.post(f"/audits/{audit.id}/edit/all", data=data)
    text = page_text(response)
    assert "Select a grade from the tool's scale" in text
    assert "Evidence must be 5,000 characters or fewer" in text
    assert "must be today or in the past" in text
    assert "Kept despite the other errors" in response.get_data(as_text=True)
    with app.app_context():
        saved = {
            answer.question_id: answer
            for answer in db.session.scalars(select(Answer).where(Answer.audit_id == audit.id))
        }
        assert saved[graded[2]].evidence == "Kept despite the other errors"
        assert saved[graded[0]].grade_id is None
        assert 999999 not in saved


def test_a_question_from_another_tool_version_cannot_be_answered(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], tool="fathers-engagement-themed")
    other = make.audit(setting["case"], setting["auditor"], tool="front-door-mash")
    foreign_question = first_graded_question(app, other.id)
    client.sign_in_as(setting["auditor"])
    client.post(
        f"/audits/{audit.id}/edit/all",
        data={"version": "1", "action": "save", f"q{foreign_question}_grade": "good"},
    )
    assert _count(app, Answer, audit_id=audit.id, question_id=foreign_question) == 0


def test_a_conflict_with_someone_elses_save_names_them(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"])
    question = first_graded_question(app, audit.id)
    colleague = make.user(Role.AUDITOR, team=make.team(), name="Casey Colleague")
    with app.app_context():  # a save by someone else since the auditor opened version 1
        saved = db.session.get(Audit, audit.id)
        saved.updated_by_id = colleague.id
        saved.overall_rationale = "Saved by a colleague"
        db.session.commit()
    client.sign_in_as(setting["auditor"])

    stale = client.post(
        f"/audits/{audit.id}/edit/all",
        data={"version": "1", "action": "save", f"q{question}_evidence": "Typed in the stale copy"},
    )
    text = page_text(stale)
    assert "Someone else changed this audit" in text and "Casey Colleague saved it at" in text
    refused = client.post(
        f"/audits/{audit.id}/autosave",
        data={"version": "1", f"q{question}_evidence": "Stale autosave"},
        headers={"Accept": "application/json"},
    )
    assert refused.get_json()["message"].startswith("Casey Colleague saved this audit at ")


def test_two_people_saving_the_same_audit_get_a_conflict_not_an_overwrite(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"])
    question = first_graded_question(app, audit.id)
    client.sign_in_as(setting["auditor"])
    other_tab = app.test_client()
    other_tab.sign_in_as(setting["auditor"])

    first = other_tab.post(
        f"/audits/{audit.id}/edit/all",
        data={"version": "1", "action": "save", f"q{question}_evidence": "Saved first in the other tab"},
    )
    assert first.status_code == 302
    stale = client.post(
        f"/audits/{audit.id}/edit/all",
        data={"version": "1", "action": "save", f"q{question}_evidence": "Typed in the stale copy"},
    )
    assert stale.status_code == 200
    # The other save was the same user's own, so the page says so rather than naming them.
    assert "You changed this audit in another tab or window" in page_text(stale)
    assert "Someone else" not in page_text(stale)
    assert "Typed in the stale copy" in stale.get_data(as_text=True)
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.audit_id == audit.id, Answer.question_id == question))
        assert answer.evidence == "Saved first in the other tab"

    # Autosave from the stale copy is refused in the same way.
    refused = client.post(
        f"/audits/{audit.id}/autosave",
        data={"version": "1", f"q{question}_evidence": "Stale autosave"},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 409
    assert refused.get_json()["message"].startswith("You saved this audit in another tab or window at ")

    # Having seen the conflict, the user saves deliberately over it (the page carries the version).
    overwrite = stale.get_data(as_text=True).split('name="overwrite" type="hidden" value="')[1].split('"')[0]
    again = client.post(
        f"/audits/{audit.id}/edit/all",
        data={
            "version": "1",
            "overwrite": overwrite,
            "action": "save",
            f"q{question}_evidence": "Typed in the stale copy",
        },
    )
    assert again.status_code == 302
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.audit_id == audit.id, Answer.question_id == question))
        assert answer.evidence == "Typed in the stale copy"


def test_autosave_saves_a_draft_and_returns_the_new_version(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"])
    question = first_graded_question(app, audit.id)
    client.sign_in_as(setting["auditor"])
    response = client.post(
        f"/audits/{audit.id}/autosave",
        data={"version": "1", f"q{question}_grade": "outstanding", f"q{question}_evidence": "Autosaved words"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == 2
    assert body["problems"] == []
    second = client.post(
        f"/audits/{audit.id}/autosave",
        data={"version": "2", f"q{question}_evidence": "More words"},
        headers={"Accept": "application/json"},
    )
    assert second.get_json()["version"] == 3


def test_autosave_when_signed_out_answers_401(client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"])
    response = client.post(
        f"/audits/{audit.id}/autosave", data={"version": "1"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 401


def test_only_the_assigned_auditor_edits(client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"])
    other_auditor = make.user(Role.AUDITOR, team=setting["team"])
    client.sign_in_as(other_auditor)
    assert client.get(f"/audits/{audit.id}/edit/all").status_code == 404
    assert client.post(f"/audits/{audit.id}/autosave", data={"version": "1"}).status_code == 404
    assert client.get("/audits/999999/edit").status_code == 404


def test_expired_csrf_on_submit_loses_nothing_and_saves_after_returning(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"])
    question = first_graded_question(app, audit.id)
    client.sign_in_as(setting["auditor"])
    response = client.post(
        f"/audits/{audit.id}/edit/all",
        data={
            "version": "1",
            "action": "submit",
            f"q{question}_grade": "good",
            f"q{question}_evidence": "Typed for two hours",
            "csrf_token": "expired",
        },
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},  # posted from our own page
    )
    assert response.headers["Location"] == f"/audits/{audit.id}/edit/all"
    page = client.get(f"/audits/{audit.id}/edit/all")
    assert "Typed for two hours" in page.get_data(as_text=True)
    assert "We saved what you entered" in page_text(page)
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.audit_id == audit.id, Answer.question_id == question))
        assert answer.evidence == "Typed for two hours"


def test_expired_session_on_save_keeps_everything_through_sign_in(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"])
    question = first_graded_question(app, audit.id)
    client.sign_in_as(setting["auditor"])
    with client.session_transaction() as session:
        session["last_active"] -= 3 * 3600
    response = client.post(
        f"/audits/{audit.id}/edit/all",
        data={"version": "1", "action": "save", f"q{question}_evidence": "Written before lunch"},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},  # posted from our own page
    )
    location = response.headers["Location"]
    assert location.startswith("/sign-in")
    response = client.post(location, data={"email": "auditor@test.example", "password": PASSWORD})
    assert response.headers["Location"] == f"/audits/{audit.id}/edit/all"
    client.get(response.headers["Location"])
    with app.app_context():
        answer = db.session.scalar(select(Answer).where(Answer.audit_id == audit.id, Answer.question_id == question))
        assert answer.evidence == "Written before lunch"


def test_largest_tool_with_every_answer_at_full_length_submits_without_413(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], tool="assessment-and-planning")
    client.sign_in_as(setting["auditor"])
    data = complete_post(app, audit.id) | {"action": "submit"}
    for name in list(data):
        if name.endswith(("_evidence", "_text")) or name in {"overall_rationale", "strengths", "areas_for_development"}:
            data[name] = ("é" + "x" * 4998 + "!")[:5000]
    data["child_family_feedback"] = "y" * 5000
    response = client.post(f"/audits/{audit.id}/edit/all", data=data)
    assert response.status_code == 302, page_text(response)[:1000]
    assert _audit(app, audit.id).status == AuditStatus.SUBMITTED.value


def test_amendments_record_who_when_what_and_why(app, client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], tool="assessment-and-planning")
    client.sign_in_as(setting["auditor"])
    data = complete_post(app, audit.id)
    client.post(f"/audits/{audit.id}/edit/all", data=data | {"action": "submit"})
    question = first_graded_question(app, audit.id)
    version = str(_audit(app, audit.id).version)

    no_reason = client.post(
        f"/audits/{audit.id}/amend", data=data | {"version": version, f"q{question}_grade": "outstanding"}
    )
    assert "Enter the reason for the amendment" in page_text(no_reason)
    assert _count(app, AuditAmendment, audit_id=audit.id) == 0

    amended = client.post(
        f"/audits/{audit.id}/amend",
        data=data
        | {"version": version, f"q{question}_grade": "outstanding", "amendment_reason": "Misread the chronology"},
    )
    assert amended.status_code == 302
    with app.app_context():
        amendments = db.session.scalars(select(AuditAmendment).where(AuditAmendment.audit_id == audit.id)).all()
        assert len(amendments) == 1
        assert (amendments[0].old_value, amendments[0].new_value) == ("Good", "Outstanding")
        assert amendments[0].reason == "Misread the chronology"
        assert amendments[0].user_id == setting["auditor"].id
    page = page_text(client.get(f"/audits/{audit.id}"))
    assert "Misread the chronology" in page

    # An amendment that would leave the audit incomplete is refused whole.
    broken = client.post(
        f"/audits/{audit.id}/amend",
        data=data | {"version": str(_audit(app, audit.id).version), "strengths": "", "amendment_reason": "Tidy"},
    )
    assert "Enter the strengths you found" in page_text(broken)
    assert _audit(app, audit.id).strengths


def test_amending_is_for_the_auditor_and_leaders(client, setting, make):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.SUBMITTED)
    client.sign_in_as(setting["worker"])
    assert client.get(f"/audits/{audit.id}/amend").status_code == 403
    client.sign_in_as(make.user(Role.LEADER))
    assert heading(client.get_page(f"/audits/{audit.id}/amend")) == "Amend the audit of AUD-000001"


def test_viewing_an_audit_is_logged_and_scoped_to_the_team(app, client, setting, make):
    from audit.models import AccessLogEntry

    audit = make.audit(setting["case"], setting["auditor"])
    client.sign_in_as(setting["worker"])
    assert client.get(f"/audits/{audit.id}").status_code == 200
    assert _count(app, AccessLogEntry, record_type="audit", record_id=audit.id, action="view") == 1
    outsider = make.user(Role.PRACTITIONER, team=make.team())
    client.sign_in_as(outsider)
    assert client.get(f"/audits/{audit.id}").status_code == 404


def _optional_and_required_dates(app, audit_id) -> tuple[list[int], list[int]]:
    with app.app_context():
        questions = [
            question
            for section in db.session.get(Audit, audit_id).tool_version.sections
            for question in section.questions
            if question.answer_type == "date"
        ]
        return [q.id for q in questions if not q.required], [q.id for q in questions if q.required]


def test_optional_questions_left_blank_do_not_stop_submission(app, client, setting, make):
    """Issue 10: "Leave blank if it has not yet been authorised" must not be refused with
    "enter the date", or auditors invent dates."""
    audit = make.audit(setting["case"], setting["auditor"], tool="assessment-and-planning")
    optional, _required = _optional_and_required_dates(app, audit.id)
    assert len(optional) == 2  # the date authorised and the date last discussed in supervision
    client.sign_in_as(setting["auditor"])

    page = client.get_page(f"/audits/{audit.id}/edit/all")
    for question_id in optional:
        legend = page.find(id=f"q{question_id}_date").find_parent("fieldset").legend
        assert legend.get_text(" ", strip=True).endswith("(optional)")

    data = complete_post(app, audit.id) | {"action": "submit"}
    for question_id in optional:
        data[f"q{question_id}_date"] = ["", "", ""]
    response = client.post(f"/audits/{audit.id}/edit/all", data=data)
    assert response.status_code == 302, page_text(response)[:2000]
    submitted = _audit(app, audit.id)
    assert submitted.status == AuditStatus.SUBMITTED.value
    with app.app_context():
        for question_id in optional:
            answer = db.session.scalar(
                select(Answer).where(Answer.audit_id == audit.id, Answer.question_id == question_id)
            )
            assert answer is None or answer.date_value is None


def test_an_optional_question_is_still_checked_and_a_required_one_still_blocks(app, client, setting, make):
    from audit.domain.audit_answers import submission_problems

    # The domain: an optional date that is given must still be a past date.
    audit = make.audit(setting["case"], setting["auditor"], tool="assessment-and-planning")
    optional, _required = _optional_and_required_dates(app, audit.id)
    client.sign_in_as(setting["auditor"])
    data = complete_post(app, audit.id) | {"action": "save"}
    for question_id in optional:
        data[f"q{question_id}_date"] = ["", "", ""]
    assert client.post(f"/audits/{audit.id}/edit/all", data=data).status_code == 302
    with app.app_context():
        saved = db.session.get(Audit, audit.id)
        assert submission_problems(saved) == []
        answer = next(answer for answer in saved.answers if answer.question_id == optional[0])
        answer.date_value = date(2999, 1, 1)  # as if stored before the form checked it
        assert [name for name, _ in submission_problems(saved)] == [f"q{optional[0]}_date"]
        db.session.rollback()

    # The page: a required date left blank still stops submission.
    other = make.audit(setting["case"], setting["auditor"], tool="front-door-mash")
    _optional, required = _optional_and_required_dates(app, other.id)
    assert required
    data = complete_post(app, other.id) | {"action": "submit"}
    data[f"q{required[0]}_date"] = ["", "", ""]
    response = client.post(f"/audits/{other.id}/edit/all", data=data)
    assert response.status_code == 200
    assert "enter the date" in page_text(response)
    assert f'href="#q{required[0]}_date"' in response.get_data(as_text=True)
    assert _audit(app, other.id).status != AuditStatus.SUBMITTED.value
