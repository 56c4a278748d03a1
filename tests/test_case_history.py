"""A child's case page shows their history: audits with grades, the supervision discussions about
them (to the parties and leaders only), actions and safeguarding concerns, newest first."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import (
    AccessLogEntry,
    Action,
    Audit,
    AuditStatus,
    Moderation,
    Role,
    SafeguardingConcern,
    ScaleGrade,
)
from tests.pages import page_text, text_of
from tests.querycount import queries_for

TOOL = "assessment-and-planning"  # asks for an overall grade
EMPTY = "No audits, supervision discussions, actions or concerns have been recorded for this case yet."


def _cards(page: BeautifulSoup) -> list[str]:
    """The titles of the history's cards, in the order shown."""
    return [text_of(title) for title in page.select(".govuk-summary-card__title")]


def _card(page: BeautifulSoup, title: str) -> str:
    """The text of the one card with this title."""
    cards = [card for card in page.select(".govuk-summary-card") if text_of(card.h3) == title]
    assert len(cards) == 1, (title, _cards(page))
    return text_of(cards[0])


def _links(page: BeautifulSoup) -> list[str]:
    return [str(link["href"]) for link in page.select(".govuk-summary-card__actions a")]


def _update(app: Any, model: Any, record_id: int, **values: Any) -> None:
    with app.app_context():
        record = db.session.get(model, record_id)
        for name, value in values.items():
            setattr(record, name, value)
        db.session.commit()


def _add(app: Any, record: Any) -> int:
    with app.app_context():
        db.session.add(record)
        db.session.commit()
        return int(record.id)


def _grade_id(app: Any, key: str) -> int:
    with app.app_context():
        return int(db.session.scalar(select(ScaleGrade.id).where(ScaleGrade.key == key).limit(1)))


class Child:
    """A case in the East team with a worker, the worker's supervisor, another supervisor in the
    team, an auditor from elsewhere, and a leader and an admin."""

    def __init__(self, make: Any) -> None:
        self.team = make.team("Safeguarding East")
        elsewhere = make.team("Quality assurance")
        self.worker = make.user(Role.PRACTITIONER, team=self.team, name="Wren Worker")
        self.other_worker = make.user(Role.PRACTITIONER, team=self.team, name="Olive Otherworker")
        self.supervisor = make.user(Role.SUPERVISOR, team=self.team, name="Sam Supervisor")
        self.other_supervisor = make.user(Role.SUPERVISOR, team=self.team, name="Oscar Othersupervisor")
        self.auditor = make.user(Role.AUDITOR, team=elsewhere, name="Ada Auditor")
        self.moderator = make.user(Role.MODERATOR, name="Mo Moderator")
        self.leader = make.user(Role.LEADER, name="Lee Leader")
        self.admin = make.user(Role.ADMIN, name="Ali Admin")
        self.case = make.case(self.team, worker=self.worker, reference="SE-700")

    def submitted_audit(self, make: Any, app: Any, submitted_at: datetime, grade: str = "good") -> Audit:
        audit = make.audit(self.case, self.auditor, tool=TOOL, status=AuditStatus.SUBMITTED)
        make.judgements(audit, overall=grade)
        _update(app, Audit, audit.id, submitted_at=submitted_at, started_at=submitted_at, created_at=submitted_at)
        return audit

    def supervision(self, make: Any, held_on: date, **fields: Any) -> Any:
        fields.setdefault("status", "completed")
        return make.supervision(self.supervisor, self.worker, held_on=held_on, cases=[self.case], **fields)


@pytest.fixture
def child(make: Any) -> Child:
    return Child(make)


@pytest.fixture
def full_history(app: Any, make: Any, child: Child) -> dict[str, int]:
    """One of each kind, on different days in 2025 (so every due date has passed)."""
    audit = child.submitted_audit(make, app, datetime(2025, 1, 10, 12, 0))
    _add(
        app,
        Moderation(
            audit_id=audit.id,
            moderator_id=child.moderator.id,
            overall_grade_id=_grade_id(app, "requires-improvement"),
            overall_agrees=False,
            overall_reason="The plan does not name the father.",
            created_at=datetime(2025, 1, 20, 9, 0),
        ),
    )
    _update(app, Audit, audit.id, status=AuditStatus.MODERATED, moderated_at=datetime(2025, 1, 20, 9, 0))
    concern = _add(
        app,
        SafeguardingConcern(
            audit_id=audit.id,
            team_id=child.team.id,
            details="The child said they are afraid to go home.",
            raised_by_id=child.auditor.id,
            raised_at=datetime(2025, 1, 11, 10, 0),
            acknowledged_by_id=child.supervisor.id,
            acknowledged_at=datetime(2025, 1, 12, 9, 0),
            action_taken="Strategy discussion held the same day.",
        ),
    )
    audit_action = _add(
        app,
        Action(
            audit_id=audit.id,
            description="Invite the father to the next core group.",
            owner_id=child.worker.id,
            due_date=date(2025, 2, 1),
            created_by_id=child.auditor.id,
            created_at=datetime(2025, 1, 13, 15, 0),
        ),
    )
    record = child.supervision(make, date(2025, 2, 5))
    supervision_action = _add(
        app,
        Action(
            supervision_id=record.id,
            supervision_case_id=child.case.id,
            description="Visit the child at school and see them alone.",
            owner_id=child.worker.id,
            due_date=date(2025, 2, 12),
            created_by_id=child.supervisor.id,
            created_at=datetime(2025, 2, 6, 11, 0),
            completed_at=datetime(2025, 2, 10, 16, 0),
            completed_by_id=child.worker.id,
        ),
    )
    draft = make.audit(child.case, child.auditor, tool=TOOL, status=AuditStatus.IN_PROGRESS)
    _update(app, Audit, draft.id, started_at=datetime(2025, 3, 3, 9, 0), created_at=datetime(2025, 3, 1, 9, 0))
    return {
        "audit": audit.id,
        "draft": draft.id,
        "concern": concern,
        "audit_action": audit_action,
        "record": record.id,
        "supervision_action": supervision_action,
    }


AUDIT_TITLE = "10 January 2025: audit (Assessment and planning audit)"
CONCERN_TITLE = "11 January 2025: safeguarding concern"
AUDIT_ACTION_TITLE = "13 January 2025: action from an audit"
SUPERVISION_TITLE = "5 February 2025: case supervision discussion"
SUPERVISION_ACTION_TITLE = "6 February 2025: action from supervision"
DRAFT_TITLE = "3 March 2025: audit (Assessment and planning audit)"


def test_the_history_lists_each_kind_newest_first_with_its_words(client, child, full_history):
    client.sign_in_as(child.leader)
    page = client.get_page(f"/cases/{child.case.id}")

    assert _cards(page) == [
        DRAFT_TITLE,
        SUPERVISION_ACTION_TITLE,
        SUPERVISION_TITLE,
        AUDIT_ACTION_TITLE,
        CONCERN_TITLE,
        AUDIT_TITLE,
    ]
    assert EMPTY not in page_text(page)

    audit = _card(page, AUDIT_TITLE)
    assert "Status Moderated" in audit
    assert "Auditor Ada Auditor" in audit
    assert "Submitted 10 January 2025" in audit
    assert "Auditor's overall grade Good" in audit
    assert "Moderator's overall grade Requires improvement to be good (moderated 20 January 2025)" in audit

    draft = _card(page, DRAFT_TITLE)
    assert "Status In progress" in draft
    assert "Submitted Not submitted yet" in draft
    assert "Auditor's overall grade Not graded until submitted" in draft
    assert "Moderator's" not in draft

    concern = _card(page, CONCERN_TITLE)
    assert "Raised 11 January 2025 by Ada Auditor" in concern
    assert "Status Acknowledged" in concern
    assert "Acknowledged by Sam Supervisor on 12 January 2025" in concern
    assert "afraid to go home" not in concern  # the details are on the audit, not on the case page

    action = _card(page, AUDIT_ACTION_TITLE)
    assert "Action Invite the father to the next core group." in action
    assert "Owner Wren Worker" in action
    assert "Due 1 February 2025" in action
    assert "Done Overdue Not done yet" in action

    supervision = _card(page, SUPERVISION_TITLE)
    assert "Held on 5 February 2025" in supervision
    assert "Kind Case supervision" in supervision
    assert "Supervisor Sam Supervisor" in supervision
    assert "Supervised Wren Worker" in supervision
    assert "Status Awaiting acknowledgement" in supervision

    done = _card(page, SUPERVISION_ACTION_TITLE)
    assert "Done Done on 10 February 2025" in done
    assert "Overdue" not in done

    audit_link = f"/audits/{full_history['audit']}"
    record_link = f"/supervision/{full_history['record']}"
    assert _links(page) == [
        f"/audits/{full_history['draft']}",
        record_link,
        record_link,
        audit_link,
        audit_link,  # an acknowledged concern is read on its audit
        audit_link,
    ]
    # Each link says which item it opens to a screen reader.
    assert "Open the audit (10 January 2025: audit (Assessment and planning audit))" in page_text(page)


def test_an_open_concern_is_marked_open_and_offered_to_those_who_acknowledge_it(app, client, make, child):
    audit = child.submitted_audit(make, app, datetime(2025, 4, 1, 9, 0))
    concern = _add(
        app,
        SafeguardingConcern(
            audit_id=audit.id,
            team_id=child.team.id,
            details="Bruising seen on a visit.",
            raised_by_id=child.auditor.id,
            raised_at=datetime(2025, 4, 1, 10, 0),
        ),
    )
    title = "1 April 2025: safeguarding concern"

    client.sign_in_as(child.supervisor)
    page = client.get_page(f"/cases/{child.case.id}")
    assert "Status Open" in _card(page, title)
    assert "Acknowledged by" not in _card(page, title)
    assert f"/audits/concerns/{concern}" in _links(page)

    client.sign_in_as(child.worker)
    page = client.get_page(f"/cases/{child.case.id}")
    assert "Status Open" in _card(page, title)
    assert f"/audits/concerns/{concern}" not in _links(page)


@pytest.mark.parametrize("viewer", ["worker", "supervisor", "leader"])
def test_a_supervision_discussion_is_shown_to_its_parties_and_leaders(client, child, full_history, viewer):
    client.sign_in_as(getattr(child, viewer))
    page = client.get_page(f"/cases/{child.case.id}")
    titles = _cards(page)
    assert SUPERVISION_TITLE in titles
    assert SUPERVISION_ACTION_TITLE in titles
    assert f"/supervision/{full_history['record']}" in _links(page)


@pytest.mark.parametrize("viewer", ["other_supervisor", "other_worker", "admin", "moderator"])
def test_a_supervision_discussion_is_hidden_from_anyone_else(client, child, full_history, viewer):
    client.sign_in_as(getattr(child, viewer))
    page = client.get_page(f"/cases/{child.case.id}")
    titles = _cards(page)
    # The audits and what they set in motion are still there...
    assert AUDIT_TITLE in titles
    assert AUDIT_ACTION_TITLE in titles
    # ...but nothing of the supervision record: not the discussion, its action or a link.
    assert SUPERVISION_TITLE not in titles
    assert SUPERVISION_ACTION_TITLE not in titles
    assert "Visit the child at school" not in page_text(page)
    assert not [link for link in _links(page) if link.startswith("/supervision/")]


def test_only_actions_about_this_child_come_from_a_supervision_record(app, client, make, child):
    """A record discussing two children: the other child's action is not on this child's page."""
    sibling = make.case(child.team, worker=child.worker, reference="SE-701")
    record = make.supervision(
        child.supervisor, child.worker, status="completed", held_on=date(2025, 5, 1), cases=[child.case, sibling]
    )
    for case, words in ((child.case, "About this child."), (sibling, "About the sibling.")):
        _add(
            app,
            Action(
                supervision_id=record.id,
                supervision_case_id=case.id,
                description=words,
                owner_id=child.worker.id,
                due_date=date(2099, 1, 1),
                created_by_id=child.supervisor.id,
            ),
        )
    client.sign_in_as(child.supervisor)
    text = page_text(client.get_page(f"/cases/{child.case.id}"))
    assert "About this child." in text
    assert "About the sibling." not in text
    assert "Done Not done yet" in text  # due in 2099: not overdue


def test_an_audit_from_the_cases_old_team_is_hidden_from_its_new_team(app, client, make, child):
    """Audits follow the team the case was in when audited (as ``audits.can_view`` says)."""
    north = make.team("Assessment North")
    old = make.audit(child.case, child.auditor, tool=TOOL, status=AuditStatus.IN_PROGRESS)
    _update(app, Audit, old.id, team_id=north.id)
    client.sign_in_as(child.worker)
    page = client.get_page(f"/cases/{child.case.id}")
    assert _cards(page) == []
    assert EMPTY in page_text(page)

    client.sign_in_as(child.leader)
    assert len(_cards(client.get_page(f"/cases/{child.case.id}"))) == 1


def test_an_empty_history_says_so(client, child):
    client.sign_in_as(child.worker)
    page = client.get_page(f"/cases/{child.case.id}")
    assert _cards(page) == []
    assert EMPTY in page_text(page)


def test_the_case_view_is_still_logged_once_and_another_teams_case_is_404(app, client, make, child, full_history):
    client.sign_in_as(child.worker)
    client.get_page(f"/cases/{child.case.id}")
    with app.app_context():
        rows = db.session.execute(select(AccessLogEntry.action, AccessLogEntry.record_type, AccessLogEntry.user_id))
        assert [tuple(row) for row in rows] == [("view", "case", child.worker.id)]

    stranger = make.user(Role.SUPERVISOR, team=make.team("Elsewhere"))
    client.sign_in_as(stranger)
    response = client.get(f"/cases/{child.case.id}")
    assert response.status_code == 404
    assert "SE-700" not in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 1


def _grow(app: Any, make: Any, child: Child, count: int) -> None:
    """Another audit with an action and a concern, and another supervision discussion with an action."""
    for n in range(count):
        audit = child.submitted_audit(make, app, datetime(2025, 6, 1 + n, 9, 0))
        _add(
            app,
            Action(
                audit_id=audit.id,
                description=f"Audit action {n}.",
                owner_id=child.worker.id,
                due_date=date(2025, 7, 1),
                created_by_id=child.auditor.id,
            ),
        )
        _add(
            app,
            SafeguardingConcern(
                audit_id=audit.id,
                team_id=child.team.id,
                details=f"Concern {n}.",
                raised_by_id=child.auditor.id,
                acknowledged_by_id=child.supervisor.id if n % 2 else None,
                acknowledged_at=datetime(2025, 6, 2 + n, 9, 0) if n % 2 else None,
            ),
        )
        record = child.supervision(make, date(2025, 6, 1 + n))
        _add(
            app,
            Action(
                supervision_id=record.id,
                supervision_case_id=child.case.id,
                description=f"Supervision action {n}.",
                owner_id=child.worker.id,
                due_date=date(2025, 7, 1),
                created_by_id=child.supervisor.id,
            ),
        )


@pytest.mark.parametrize("viewer", ["leader", "supervisor"])
def test_the_case_page_sends_the_same_queries_for_1_audit_as_for_10(app, client, make, child, viewer):
    client.sign_in_as(getattr(child, viewer))
    path = f"/cases/{child.case.id}"
    _grow(app, make, child, 1)
    client.get(path)  # anything done once per session (none expected) is not counted
    few = queries_for(app, client, path)
    assert len(_cards(client.get_page(path))) == 5

    _grow(app, make, child, 9)
    many = queries_for(app, client, path)
    assert len(_cards(client.get_page(path))) == 50

    assert many.count == few.count, f"1 audit:\n{few}\n\n10 audits:\n{many}"
    assert few.count <= 20, str(few)
