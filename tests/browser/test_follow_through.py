"""Findings that drive follow-through, in Chromium with axe on every page: a moderator re-grades an
audit, its auditor is told and reads the moderator's grades, and the leader's dashboard moves,
because every figure counts final grades."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from audit.clock import today
from audit.domain import audit_answers
from audit.domain.audit_answers import AnswerValues, DraftValues, OverallValues, SectionValues
from audit.domain.audits import audit_with_everything, start_audit
from audit.domain.tools import latest_versions
from audit.extensions import db
from audit.models import Case, Team, User
from tests.browser.conftest import LiveServer, Tab

pytestmark = pytest.mark.browser

AUDITOR = "auditor@demo.example"
THEME = "Assessment quality"


def _submitted_good_audit(server: LiveServer) -> tuple[int, str, int]:
    """A case of the Safeguarding West team audited today by the demo auditor, everything Good."""
    with server.app.test_request_context():
        auditor = db.session.scalar(select(User).where(User.email == AUDITOR))
        team = db.session.scalar(select(Team).where(Team.name == "Safeguarding West"))
        case = db.session.scalars(select(Case).where(Case.team_id == team.id).order_by(Case.reference)).first()
        version = next(v for v in latest_versions() if v.tool.slug == "assessment-and-planning")
        audit = start_audit(case=case, tool_version=version, auditor=auditor, created_by=auditor)
        audit = audit_with_everything(audit.id)
        answers = {}
        for section in audit.tool_version.sections:
            for question in section.questions:
                answers[question.id] = {
                    "grade": AnswerValues(grade="good", evidence="Seen in the record."),
                    "yes_no_na": AnswerValues(choice="yes"),
                    "date": AnswerValues(date_value=today()),
                    "choice": AnswerValues(option=question.options[0].key if question.options else None),
                    "number": AnswerValues(number=question.number_min or 0),
                }.get(question.answer_type, AnswerValues(text="Seen in the record."))
        values = DraftValues(
            answers=answers,
            sections={
                s.id: SectionValues(grade="good", evidence="Good throughout.") for s in audit.tool_version.sections
            },
            overall=OverallValues(grade="good", rationale="The plan is making a difference."),
            strengths="The child's voice is clear.",
            areas_for_development="Contingency planning.",
        )
        audit_answers.save_draft(audit, values, auditor, audit.version)
        assert audit_answers.submit(audit, auditor) == []
        db.session.commit()
        return audit.id, case.reference, team.id


def _theme_percent(tab: Tab, team_id: int, name: str) -> str:
    day = today().isoformat()
    tab.goto(f"/reports/?from={day}&to={day}&team={team_id}", name)
    tab.page.locator("#theme-data summary").click()  # the chart's table, behind "Show the data"
    row = tab.page.locator("#theme-data table tr", has=tab.page.get_by_role("rowheader", name=THEME)).first
    match = re.search(r"\d+(\.\d+)?%", row.inner_text())
    assert match, row.inner_text()
    return match.group(0)


def test_a_moderators_regrade_reaches_the_auditor_and_moves_the_dashboard(live_server: LiveServer, open_tab) -> None:
    audit_id, reference, team_id = _submitted_good_audit(live_server)

    leader = open_tab(live_server)
    leader.sign_in("leader@demo.example", landing="home-leader")
    before = _theme_percent(leader, team_id, "follow-through-dashboard-before")

    moderator = open_tab(live_server)
    page = moderator.page
    moderator.sign_in("moderator@demo.example", landing="home-moderator")
    moderator.goto(f"/moderation/{audit_id}", "follow-through-moderation-form")
    names = page.locator("input[type=radio][name$='_grade']").evaluate_all(
        "inputs => [...new Set(inputs.map(input => input.name))]"
    )
    for name in names:
        # Values are grade ids; the scale lists its grades best first, Inadequate fourth.
        page.locator(f"input[type=radio][name='{name}']").nth(3).check()
    for reason in page.locator("textarea[name$='_reason']").all():
        reason.fill("No contingency plan, and the child was not seen alone.")
    moderator.follow(
        page.get_by_role("button", name="Submit moderation and close the audit"), "follow-through-moderated"
    )
    expect(page.locator(".govuk-notification-banner")).to_be_visible()

    # The auditor is told on their home page, reads the moderator's grades and reasons, and the
    # outcome is then marked read.
    auditor = open_tab(live_server)
    auditor.sign_in(AUDITOR, landing="home-auditor-outcome")
    outcomes = auditor.page.locator("#moderation-outcomes")
    expect(outcomes).to_be_visible()
    link = f"#moderation-outcomes ~ ul a[href='/audits/{audit_id}#moderation-outcome']"
    expect(auditor.page.locator(link)).to_have_text(f"Audit of {reference}")
    auditor.follow(auditor.page.locator(link), "follow-through-audit-outcome")
    main = auditor.page.locator("main")
    expect(main).to_contain_text("No contingency plan, and the child was not seen alone.")
    expect(main).to_contain_text("Inadequate")
    auditor.goto("/", "home-auditor-outcome-read")
    expect(auditor.page.locator(f"a[href='/audits/{audit_id}#moderation-outcome']")).to_have_count(0)

    after = _theme_percent(leader, team_id, "follow-through-dashboard-after")
    assert after != before, (before, after)
    assert float(after.rstrip("%")) < float(before.rstrip("%"))
    expect(leader.page.locator("main")).to_contain_text("auditors' grades alone")
