"""Moderation: a moderator re-grades a submitted audit beside the auditor's grades, and it closes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from audit.domain import moderation as moderation_data
from audit.domain.audits import audit_with_everything
from audit.extensions import db
from audit.models import (
    Audit,
    AuditStatus,
    AuditToolVersion,
    ModeratedSection,
    Moderation,
    Role,
    ScaleGrade,
    SectionJudgement,
    User,
)
from tests.conftest import page_text
from tests.pages import assert_well_formed_page, parse, text_of
from tests.querycount import queries_for

WITH_OVERALL = "front-door-mash"  # asks for an overall grade
WITHOUT_OVERALL = "fathers-engagement-themed"


@dataclass(frozen=True)
class Tool:
    sections: list[tuple[int, str, str]]  # (id, key, title), in order
    grades: dict[str, int]  # grade key -> id

    def section_id(self, key: str) -> int:
        return next(section_id for section_id, section_key, _title in self.sections if section_key == key)


def tool(app, make, slug: str) -> Tool:
    version = make.tool_version(slug)
    with app.app_context():
        version = db.session.get(AuditToolVersion, version.id)
        return Tool(
            sections=[(section.id, section.key, section.title) for section in version.sections],
            grades={grade.key: grade.id for grade in version.scale.grades},
        )


@pytest.fixture
def people(make):
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=make.team())
    moderator = make.user(Role.MODERATOR, name="Morgan Moderator")
    case = make.case(team, reference="CS-MOD-001")
    return team, auditor, moderator, case


def submitted(make, case, auditor, slug: str = WITH_OVERALL, grades="good", overall="good") -> Audit:
    audit = make.audit(case, auditor, tool=slug, status=AuditStatus.SUBMITTED)
    return make.judgements(audit, grades, overall)


def form_data(
    tool: Tool,
    grade: str = "good",
    reason: str = "",
    overall: tuple[str, str] | None = ("good", ""),
    **overrides: str,
) -> dict[str, str]:
    """A moderation form's post: the same grade and reason for every section unless overridden by
    field name; ``overall`` is (grade key, reason). Agreement is never posted: it is worked out."""
    data: dict[str, str] = {}
    for section_id, _key, _title in tool.sections:
        data[f"s{section_id}_grade"] = "na" if grade == "na" else str(tool.grades[grade])
        data[f"s{section_id}_reason"] = reason
    if overall is not None:
        data["overall_grade"] = str(tool.grades[overall[0]])
        data["overall_reason"] = overall[1]
    data.update(overrides)
    return data


def saved_audit(app, audit_id: int) -> Audit:
    with app.app_context():
        audit = audit_with_everything(audit_id)
        db.session.expunge_all()
        return audit


def moderation_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Moderation))


def error_summary_links(html: str) -> list[str]:
    """The fields the error summary links to (their ids), in order."""
    summary = parse(html).select_one("div.govuk-error-summary")
    assert summary, "no error summary"
    return [str(link["href"]).removeprefix("#") for link in summary.select('a[href^="#"]')]


# Moderating --------------------------------------------------------------------------------------


def test_moderator_moderates_an_audit_and_it_closes_with_both_sets_of_grades(app, client, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    first, second = mash.sections[0], mash.sections[1]
    audit = submitted(make, case, auditor, grades="good", overall="good")
    client.sign_in_as(moderator)

    page = client.get(f"/moderation/{audit.id}")
    assert page.status_code == 200
    assert_well_formed_page(page)
    text = page_text(page)
    assert f"Auditor's evidence for {first[2]}." in text  # the auditor's work, beside the form
    assert "Auditor's reasons for the overall grade." in text

    data = form_data(
        mash,
        overall=("requires-improvement", "Drift after the strategy discussion was not challenged."),
        **{
            f"s{second[0]}_grade": str(mash.grades["requires-improvement"]),
            f"s{second[0]}_reason": "  Consent was overridden without recorded reasons.  ",
            f"s{first[0]}_reason": "Agree: clear and timely.",  # an optional comment on the same grade
        },
    )
    response = client.post(f"/moderation/{audit.id}", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/moderation/"
    queue = client.get("/moderation/")
    assert "You moderated the audit of CS-MOD-001. The audit is now closed." in page_text(queue)
    assert "govuk-notification-banner--success" in queue.get_data(as_text=True)

    closed = saved_audit(app, audit.id)
    assert closed.status == AuditStatus.MODERATED.value
    assert closed.moderated_at is not None
    # The auditor's grades are untouched.
    assert closed.overall_grade_id == mash.grades["good"]
    assert {judgement.grade_id for judgement in closed.judgements} == {mash.grades["good"]}
    # The moderator's sit beside them.
    moderation = closed.moderation
    assert moderation.moderator.id == moderator.id
    assert (moderation.overall_grade_id, moderation.overall_agrees) == (mash.grades["requires-improvement"], False)
    assert moderation.overall_reason == "Drift after the strategy discussion was not challenged."
    by_section = {item.section_id: item for item in moderation.section_grades}
    assert set(by_section) == {section_id for section_id, _key, _title in mash.sections}
    assert by_section[second[0]].grade_id == mash.grades["requires-improvement"]
    assert by_section[second[0]].agrees is False
    assert by_section[second[0]].reason == "Consent was overridden without recorded reasons."
    assert by_section[first[0]].agrees is True
    assert by_section[first[0]].reason == "Agree: clear and timely."
    assert all(not item.not_applicable for item in moderation.section_grades)


def test_a_tool_without_an_overall_grade_is_moderated_without_one(app, client, make, people):
    _team, auditor, moderator, case = people
    fathers = tool(app, make, WITHOUT_OVERALL)
    audit = submitted(make, case, auditor, slug=WITHOUT_OVERALL, grades="na")
    client.sign_in_as(moderator)

    page = client.get(f"/moderation/{audit.id}")
    assert 'name="overall_grade"' not in page.get_data(as_text=True)
    assert "Not applicable" in page_text(page)  # the scale's label is offered

    response = client.post(f"/moderation/{audit.id}", data=form_data(fathers, grade="na", overall=None))
    assert response.status_code == 302
    moderation = saved_audit(app, audit.id).moderation
    assert moderation.overall_grade_id is None and moderation.overall_agrees is None
    assert all(item.not_applicable and item.grade_id is None for item in moderation.section_grades)
    # Both not applicable is agreement, and needed no reason.
    assert all(item.agrees and item.reason is None for item in moderation.section_grades)


def test_a_different_grade_without_a_reason_is_an_error_and_everything_else_is_kept(app, client, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    section_id, _key, title = mash.sections[2]
    audit = submitted(make, case, auditor)
    client.sign_in_as(moderator)

    data = form_data(
        mash,
        overall=("good", "Overall this is sound."),
        **{
            f"s{section_id}_grade": str(mash.grades["inadequate"]),
            f"s{mash.sections[0][0]}_reason": "First section: kept after the error.",
        },
    )
    response = client.post(f"/moderation/{audit.id}", data=data)

    assert response.status_code == 200
    assert_well_formed_page(response)
    html = response.get_data(as_text=True)
    assert f"{title}: enter why your grade differs from the auditor's" in page_text(response)
    assert error_summary_links(html) == [f"s{section_id}_reason"]
    assert f'id="s{section_id}_reason"' in html
    assert "First section: kept after the error." in html
    assert "Overall this is sound." in html
    page = parse(html)
    inadequate = page.find("input", attrs={"name": f"s{section_id}_grade", "value": str(mash.grades["inadequate"])})
    assert inadequate and inadequate.has_attr("checked")
    assert saved_audit(app, audit.id).status == AuditStatus.SUBMITTED.value
    assert moderation_count(app) == 0


def test_every_missing_answer_is_listed_and_linked_to_its_field(app, client, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    audit = submitted(make, case, auditor)
    client.sign_in_as(moderator)

    response = client.post(f"/moderation/{audit.id}", data={})

    assert response.status_code == 200
    assert_well_formed_page(response)
    html = response.get_data(as_text=True)
    links = error_summary_links(html)
    # Only the grades: agreement is not asked, and no reason is due until a grade is given.
    assert links == [*(f"s{section_id}_grade" for section_id, *_ in mash.sections), "overall_grade"]
    for anchor in links:
        assert f'id="{anchor}"' in html, f"the error summary links to #{anchor}, which is not on the page"
    assert response.get_data(as_text=True).count("govuk-error-message") == len(links)


def test_the_page_asks_only_for_grades_and_says_when_a_reason_is_needed(app, client, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    audit = submitted(make, case, auditor, grades="good", overall="requires-improvement")
    client.sign_in_as(moderator)

    page = client.get_page(f"/moderation/{audit.id}")

    assert not page.select("input[name$='_agrees']"), "agreement is worked out, not asked"
    assert "Agree" not in [label.get_text(strip=True) for label in page.select("label")]
    first_id = mash.sections[0][0]
    label = page.select_one(f"label[for='s{first_id}_reason']")
    assert label and label.get_text(strip=True) == "Why is your grade different?"
    hint = page.select_one(f"#s{first_id}_reason-hint")
    assert hint and "Needed only if your grade differs from the auditor's (Good)" in hint.get_text()
    overall_hint = page.select_one("#overall_reason-hint")
    assert (
        overall_hint
        and "Needed only if your overall grade differs from the auditor's (Requires improvement to be good)"
        in (overall_hint.get_text())
    )
    assert page.select_one(f"textarea#s{first_id}_reason[aria-describedby~='s{first_id}_reason-hint']")


def test_the_same_grade_is_recorded_as_agreeing_without_a_reason(app, client, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    audit = submitted(make, case, auditor, grades="good", overall="good")
    client.sign_in_as(moderator)

    response = client.post(f"/moderation/{audit.id}", data=form_data(mash, grade="good", overall=("good", "")))

    assert response.status_code == 302
    moderation = saved_audit(app, audit.id).moderation
    assert all(item.agrees and item.reason is None for item in moderation.section_grades)
    assert len(moderation.section_grades) == len(mash.sections)
    assert (moderation.overall_agrees, moderation.overall_reason) == (True, None)


def test_each_different_grade_without_a_reason_is_named_in_the_error_summary(app, client, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    (first, _k1, first_title), (third, _k3, third_title) = mash.sections[0], mash.sections[2]
    audit = submitted(make, case, auditor, grades="good", overall="good")
    client.sign_in_as(moderator)

    data = form_data(
        mash,
        overall=("inadequate", ""),
        **{f"s{first}_grade": str(mash.grades["outstanding"]), f"s{third}_grade": "na"},
    )
    response = client.post(f"/moderation/{audit.id}", data=data)

    assert response.status_code == 200
    assert_well_formed_page(response)
    summary = text_of(parse(response).select_one("div.govuk-error-summary"))
    for where in (first_title, third_title, "Overall grade"):
        assert f"{where}: enter why your grade differs from the auditor's" in summary
    assert error_summary_links(response.get_data(as_text=True)) == [
        f"s{first}_reason",
        f"s{third}_reason",
        "overall_reason",
    ]
    assert moderation_count(app) == 0


def test_a_different_grade_with_a_reason_is_recorded_as_disagreeing(app, client, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    first, second = mash.sections[0][0], mash.sections[1][0]
    audit = submitted(
        make,
        case,
        auditor,
        grades={key: "na" if index == 1 else "good" for index, (_id, key, _t) in enumerate(mash.sections)},
        overall="good",
    )
    client.sign_in_as(moderator)

    data = form_data(
        mash,
        overall=("requires-improvement", "The plan has no timescales."),
        **{
            f"s{first}_grade": str(mash.grades["outstanding"]),
            f"s{first}_reason": "Exceptional, timely work.",
            # the auditor said not applicable; a grade differs from that
            f"s{second}_grade": str(mash.grades["good"]),
            f"s{second}_reason": "The section applies: there was a strategy discussion.",
        },
    )
    assert client.post(f"/moderation/{audit.id}", data=data).status_code == 302

    moderation = saved_audit(app, audit.id).moderation
    by_section = {item.section_id: item for item in moderation.section_grades}
    assert (by_section[first].agrees, by_section[first].reason) == (False, "Exceptional, timely work.")
    assert by_section[first].grade_id == mash.grades["outstanding"]
    assert by_section[second].agrees is False and not by_section[second].not_applicable
    assert [item.agrees for id_, item in by_section.items() if id_ not in (first, second)] == [True] * (
        len(mash.sections) - 2
    )
    assert (moderation.overall_grade_id, moderation.overall_agrees, moderation.overall_reason) == (
        mash.grades["requires-improvement"],
        False,
        "The plan has no timescales.",
    )


def test_an_overall_grade_the_same_as_the_auditors_needs_no_reason_and_a_different_one_does(app, client, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    audit = submitted(make, case, auditor, grades="good", overall="requires-improvement")
    client.sign_in_as(moderator)

    different = client.post(f"/moderation/{audit.id}", data=form_data(mash, overall=("good", "   ")))
    assert "Overall grade: enter why your grade differs from the auditor's" in page_text(different)
    assert error_summary_links(different.get_data(as_text=True)) == ["overall_reason"]

    same = client.post(f"/moderation/{audit.id}", data=form_data(mash, overall=("requires-improvement", "")))
    assert same.status_code == 302
    moderation = saved_audit(app, audit.id).moderation
    assert (moderation.overall_agrees, moderation.overall_reason) == (True, None)


def test_a_reason_that_is_too_long_names_its_section(app, client, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    section_id, _key, title = mash.sections[1]
    audit = submitted(make, case, auditor)
    client.sign_in_as(moderator)

    data = form_data(mash, **{f"s{section_id}_reason": "x" * (moderation_data.REASON_MAX + 1)})
    response = client.post(f"/moderation/{audit.id}", data=data)

    assert f"{title}: your reason must be 5,000 characters or fewer" in page_text(response)
    assert error_summary_links(response.get_data(as_text=True)) == [f"s{section_id}_reason"]
    assert moderation_count(app) == 0


def test_the_domain_works_out_agreement_whatever_it_is_given(app, make, people):
    _team, auditor, moderator, case = people
    fathers = tool(app, make, WITHOUT_OVERALL)
    audit = submitted(make, case, auditor, slug=WITHOUT_OVERALL, grades="good")
    good, outstanding = fathers.grades["good"], fathers.grades["outstanding"]
    (first, _k, first_title), (second, *_rest) = fathers.sections[0], fathers.sections[1]
    section_grades = {section_id: (good, False, None) for section_id, *_ in fathers.sections}

    with app.app_context():
        loaded = audit_with_everything(audit.id)
        moderator_user = db.session.get(User, moderator.id)
        section_grades[first] = (outstanding, False, None)
        with pytest.raises(moderation_data.ModerationProblems) as error:
            moderation_data.record_moderation(loaded, moderator_user, section_grades, None)
        assert error.value.problems == [
            (f"s{first}_reason", f"{first_title}: enter why your grade differs from the auditor's")
        ]
        section_grades[first] = (outstanding, False, "Better than judged.")
        section_grades[second] = (None, True, None)  # not applicable, where the auditor graded it
        with pytest.raises(moderation_data.ModerationProblems, match="enter why your grade differs"):
            moderation_data.record_moderation(loaded, moderator_user, section_grades, None)
        section_grades[second] = (good, False, "  ")
        moderation = moderation_data.record_moderation(loaded, moderator_user, section_grades, None)
        agrees = {item.section_id: (item.agrees, item.reason) for item in moderation.section_grades}
    assert agrees[first] == (False, "Better than judged.")
    assert agrees[second] == (True, None)


def test_a_grade_not_on_the_scale_is_rejected(app, client, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    section_id, _key, title = mash.sections[1]
    audit = submitted(make, case, auditor)
    with app.app_context():
        not_on_scale = str(db.session.scalar(select(func.max(ScaleGrade.id))) + 1000)
    client.sign_in_as(moderator)

    data = form_data(mash, **{f"s{section_id}_grade": not_on_scale, "overall_grade": not_on_scale})
    response = client.post(f"/moderation/{audit.id}", data=data)

    assert response.status_code == 200
    text = page_text(response)
    assert f"{title}: select a grade from the Ofsted four-point scale" in text
    assert "Overall grade: select a grade from the Ofsted four-point scale" in text
    assert error_summary_links(response.get_data(as_text=True)) == [f"s{section_id}_grade", "overall_grade"]
    assert moderation_count(app) == 0


def test_the_domain_refuses_a_grade_id_from_outside_the_tools_scale(app, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    audit = submitted(make, case, auditor)
    good = mash.grades["good"]
    section_grades = {section_id: (good, False, None) for section_id, *_ in mash.sections}
    first = mash.sections[0][0]
    section_grades[first] = (good + 1000, False, "A grade from nowhere")

    with app.app_context():
        loaded = audit_with_everything(audit.id)
        with pytest.raises(moderation_data.ModerationProblems) as error:
            moderation_data.record_moderation(
                loaded, db.session.get(User, moderator.id), section_grades, (good + 1000, "Nowhere")
            )
        assert error.value.problems == [
            (f"s{first}_grade", f"{mash.sections[0][2]}: select a grade from the Ofsted four-point scale"),
            ("overall_grade", "Overall grade: select a grade from the Ofsted four-point scale"),
        ]
        assert db.session.get(Audit, audit.id).status == AuditStatus.SUBMITTED.value


def test_the_domain_refuses_an_overall_grade_the_tool_does_not_ask_for(app, make, people):
    _team, auditor, moderator, case = people
    fathers = tool(app, make, WITHOUT_OVERALL)
    audit = submitted(make, case, auditor, slug=WITHOUT_OVERALL)
    good = fathers.grades["good"]
    section_grades = {section_id: (good, False, None) for section_id, *_ in fathers.sections}

    with app.app_context():
        loaded = audit_with_everything(audit.id)
        with pytest.raises(moderation_data.ModerationProblems, match="does not ask for an overall grade"):
            moderation_data.record_moderation(loaded, db.session.get(User, moderator.id), section_grades, (good, None))


def test_an_audit_amended_since_the_moderator_opened_it_must_be_looked_at_again(app, client, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    audit = submitted(make, case, auditor)
    client.sign_in_as(moderator)
    opened_version = saved_audit(app, audit.id).version

    with app.app_context():  # an amendment lands meanwhile
        db.session.get(Audit, audit.id).strengths = "Amended"
        db.session.commit()
    response = client.post(f"/moderation/{audit.id}", data=form_data(mash, version=str(opened_version)))

    assert "The audit has changed since you opened it" in page_text(response)
    assert moderation_count(app) == 0
    # Having seen it, submitting again works.
    current = str(parse(response).find("input", attrs={"name": "version"})["value"])
    again = client.post(f"/moderation/{audit.id}", data=form_data(mash, version=current))
    assert again.status_code == 302


# Who may moderate what ---------------------------------------------------------------------------


def test_a_moderator_who_completed_the_audit_is_refused(app, client, make, people):
    _team, _auditor, _moderator, case = people
    both = make.user(Role.AUDITOR, Role.MODERATOR, team=make.team())
    mash = tool(app, make, WITH_OVERALL)
    audit = submitted(make, case, both)
    client.sign_in_as(both)

    page = client.get(f"/moderation/{audit.id}")
    assert page.status_code == 403
    assert_well_formed_page(page)
    assert "You completed this audit, so another moderator must moderate it." in page_text(page)
    assert client.post(f"/moderation/{audit.id}", data=form_data(mash)).status_code == 403
    queue = page_text(client.get("/moderation/"))
    assert "CS-MOD-001" in queue and "You audited this" in queue

    with app.app_context(), pytest.raises(moderation_data.ModerationRefused, match="another moderator must"):
        moderation_data.record_moderation(audit_with_everything(audit.id), db.session.get(User, both.id), {}, None)
    assert moderation_count(app) == 0


@pytest.mark.parametrize("status", [AuditStatus.ASSIGNED, AuditStatus.IN_PROGRESS])
def test_an_audit_not_yet_submitted_cannot_be_moderated(app, client, make, people, status):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    audit = make.audit(case, auditor, tool=WITH_OVERALL, status=status)
    client.sign_in_as(moderator)

    page = client.get(f"/moderation/{audit.id}")
    assert page.status_code == 409
    assert_well_formed_page(page)
    assert "This audit has not been submitted yet." in page_text(page)
    assert client.post(f"/moderation/{audit.id}", data=form_data(mash)).status_code == 409
    assert saved_audit(app, audit.id).status == status.value
    assert moderation_count(app) == 0


def test_an_audit_is_moderated_only_once(app, client, make, people):
    _team, auditor, moderator, case = people
    other_moderator = make.user(Role.MODERATOR)
    mash = tool(app, make, WITH_OVERALL)
    audit = submitted(make, case, auditor)
    client.sign_in_as(moderator)
    assert client.post(f"/moderation/{audit.id}", data=form_data(mash)).status_code == 302

    client.sign_in_as(other_moderator)
    again = client.post(f"/moderation/{audit.id}", data=form_data(mash, grade="outstanding", reason="x"))
    assert again.status_code == 409
    assert "Morgan Moderator moderated this audit on " in page_text(again)
    assert moderation_count(app) == 1


def test_an_unknown_audit_is_not_found(client, make):
    client.sign_in_as(make.user(Role.MODERATOR))
    assert client.get("/moderation/999999").status_code == 404


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.MODERATOR], ids=str)
def test_only_moderators_may_moderate(app, client, make, people, role):
    team, auditor, _moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    audit = submitted(make, case, auditor)
    client.sign_in_as(make.user(role, team=team))

    assert client.get("/moderation/").status_code == 403
    assert client.get(f"/moderation/{audit.id}").status_code == 403
    assert client.post(f"/moderation/{audit.id}", data=form_data(mash)).status_code == 403
    assert moderation_count(app) == 0


def test_signed_out_users_are_sent_to_sign_in(client, make, people):
    _team, auditor, _moderator, case = people
    audit = submitted(make, case, auditor)
    response = client.get(f"/moderation/{audit.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


# The queue ---------------------------------------------------------------------------------------


def _rows(html: str, table_id: str) -> str:
    """The text of the table with this id; "" when there is no such table."""
    return text_of(parse(html).find("table", id=table_id))


def test_the_queue_lists_only_submitted_audits_awaiting_moderation(app, client, make, people):
    team, auditor, moderator, _case = people
    cases = {status: make.case(team, reference=f"CS-{status.value.upper()}") for status in AuditStatus}
    for status, case in cases.items():
        make.audit(case, auditor, tool=WITH_OVERALL, status=status)
    # A moderated audit, moderated properly, for the "recently moderated" list.
    mash = tool(app, make, WITH_OVERALL)
    done = submitted(make, make.case(team, reference="CS-DONE"), auditor)
    client.sign_in_as(moderator)
    assert client.post(f"/moderation/{done.id}", data=form_data(mash)).status_code == 302

    page = client.get("/moderation/")
    assert page.status_code == 200
    assert_well_formed_page(page)
    html = page.get_data(as_text=True)
    awaiting = _rows(html, "awaiting-moderation")
    assert "CS-SUBMITTED" in awaiting
    for reference in ("CS-ASSIGNED", "CS-IN_PROGRESS", "CS-MODERATED", "CS-DONE"):
        assert reference not in awaiting
    assert "Awaiting moderation: 1 audit" in page_text(page)
    recent = _rows(html, "recently-moderated")
    assert "CS-DONE" in recent and "Morgan Moderator" in recent
    assert f"{len(mash.sections)} of {len(mash.sections)} sections, overall agreed" in recent


def test_the_queue_filters_by_team_and_tool(app, client, make, people):
    team, auditor, moderator, _case = people
    other_team = make.team()
    make.audit(make.case(team, reference="CS-MASH"), auditor, tool=WITH_OVERALL, status=AuditStatus.SUBMITTED)
    make.audit(
        make.case(other_team, reference="CS-FATHERS"), auditor, tool=WITHOUT_OVERALL, status=AuditStatus.SUBMITTED
    )
    client.sign_in_as(moderator)

    by_team = _rows(client.get(f"/moderation/?team={other_team.id}").get_data(as_text=True), "awaiting-moderation")
    assert "CS-FATHERS" in by_team and "CS-MASH" not in by_team
    mash_tool_id = make.tool_version(WITH_OVERALL).tool_id
    by_tool = _rows(client.get(f"/moderation/?tool={mash_tool_id}").get_data(as_text=True), "awaiting-moderation")
    assert "CS-MASH" in by_tool and "CS-FATHERS" not in by_tool


def _fill_queue(make, team, moderator_to_avoid, count: int) -> None:
    teams = [team, make.team(), make.team()]
    for number in range(count):
        auditor = make.user(Role.AUDITOR, team=teams[number % 3])
        case = make.case(teams[number % 3])
        tool_slug = WITH_OVERALL if number % 2 else WITHOUT_OVERALL
        make.audit(case, auditor, tool=tool_slug, status=AuditStatus.SUBMITTED)
        assert auditor.id != moderator_to_avoid.id


def test_the_queue_makes_the_same_number_of_queries_for_2_and_30_audits(app, client, make, people):
    team, _auditor, moderator, _case = people
    client.sign_in_as(moderator)

    _fill_queue(make, team, moderator, 2)
    few = queries_for(app, client, "/moderation/")
    _fill_queue(make, team, moderator, 28)
    many = queries_for(app, client, "/moderation/")

    assert "Awaiting moderation: 30 audits" in page_text(client.get("/moderation/"))
    assert many.count == few.count, f"2 audits: {few}\n30 audits: {many}"


def test_moderating_records_who_opened_and_changed_the_childs_audit(app, client, make, people):
    from audit.models import AccessLogEntry

    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    audit = submitted(make, case, auditor)
    client.sign_in_as(moderator)
    client.get(f"/moderation/{audit.id}")
    client.post(f"/moderation/{audit.id}", data=form_data(mash))

    with app.app_context():
        entries = db.session.execute(
            select(AccessLogEntry.action, AccessLogEntry.case_id).where(
                AccessLogEntry.user_id == moderator.id, AccessLogEntry.record_id == audit.id
            )
        ).all()
    assert sorted(entries) == [("update", case.id), ("view", case.id)]


def test_the_auditors_grades_are_not_rewritten(app, client, make, people):
    _team, auditor, moderator, case = people
    mash = tool(app, make, WITH_OVERALL)
    audit = submitted(make, case, auditor, grades="requires-improvement", overall="requires-improvement")
    with app.app_context():
        before = db.session.execute(
            select(SectionJudgement.section_id, SectionJudgement.grade_id, SectionJudgement.evidence).where(
                SectionJudgement.audit_id == audit.id
            )
        ).all()
    client.sign_in_as(moderator)
    data = form_data(mash, grade="good", reason="Better than judged.", overall=("good", "Ditto."))
    assert client.post(f"/moderation/{audit.id}", data=data).status_code == 302

    with app.app_context():
        after = db.session.execute(
            select(SectionJudgement.section_id, SectionJudgement.grade_id, SectionJudgement.evidence).where(
                SectionJudgement.audit_id == audit.id
            )
        ).all()
        moderated = db.session.scalars(select(ModeratedSection.grade_id)).all()
    assert sorted(after) == sorted(before)
    assert set(moderated) == {mash.grades["good"]}


def test_the_domain_refuses_someone_without_the_moderator_role(app, make, people):
    team, auditor, _moderator, case = people
    leader = make.user(Role.LEADER, Role.AUDITOR, team=team)
    audit = submitted(make, case, auditor)

    with app.app_context(), pytest.raises(moderation_data.ModerationRefused, match="is not an active moderator"):
        moderation_data.record_moderation(audit_with_everything(audit.id), db.session.get(User, leader.id), {}, None)
