"""Email notifications: written with the event, delivered through a real SMTP server, never naming a
child, held for a daily digest when the person asks, retried when the mail service is down and
shown to admins with their state."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from audit.clock import today, utcnow
from audit.config import EmailSettings
from audit.domain import audits, notifications
from audit.extensions import db
from audit.jobs import tasks
from audit.models import (
    Action,
    AuditStatus,
    Notification,
    NotificationKind,
    NotificationStatus,
    Role,
    SafeguardingConcern,
    User,
)
from tests.audit_forms import complete_post
from tests.conftest import page_text
from tests.mail_server import MailServer


@pytest.fixture
def smtp(app):
    server = MailServer().start()
    saved = app.config["EMAIL"]
    app.config["EMAIL"] = replace(
        EmailSettings(),
        backend="smtp",
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        sender="audit@test.example",
        retry_base_seconds=1,
        retry_max_seconds=2,
    )
    try:
        yield server
    finally:
        app.config["EMAIL"] = saved
        server.stop()


@pytest.fixture
def people(make):
    team = make.team("Notice Team")
    other_team = make.team("Other Notice Team")
    return {
        "team": team,
        "manager": make.user(Role.SUPERVISOR, team=team),
        "other_manager": make.user(Role.SUPERVISOR, team=other_team),
        "leader": make.user(Role.LEADER),
        "auditor": make.user(Role.AUDITOR, team=make.team("Notice Quality")),
        "worker": make.user(Role.PRACTITIONER, team=team),
        "admin": make.user(Role.ADMIN),
    }


def _notices(kind: NotificationKind) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


def _deliver_everything() -> list[str]:
    return [tasks.deliver(notification_id) for notification_id in notifications.due_for_delivery()]


def test_an_auditor_assigned_an_audit_gets_an_email_with_a_link_and_no_child_details(app, make, people, smtp):
    case = make.case(people["team"], worker=people["worker"], reference="NOTE-000123", ethnicity="White Irish")
    with app.app_context():
        auditor = db.session.get(User, people["auditor"].id)
        leader = db.session.get(User, people["leader"].id)
        version = make.tool_version("assessment-and-planning")
        due = today() + timedelta(days=14)
        audit = audits.start_audit(
            case=db.session.get(type(case), case.id),
            tool_version=db.session.merge(version),
            auditor=auditor,
            created_by=leader,
            due_date=due,
        )
        db.session.commit()
        audit_id = audit.id
        [notice] = _notices(NotificationKind.AUDIT_ASSIGNED)
        assert notice.user_id == auditor.id and notice.status == NotificationStatus.QUEUED

        assert _deliver_everything() == ["sent"]

        db.session.refresh(notice)
        assert notice.status == NotificationStatus.SENT and notice.attempts == 1
    [email] = smtp.messages_to(people["auditor"].email)
    assert email["Subject"] == "An audit has been assigned to you"
    assert email["From"] == "audit@test.example"
    body = email.get_content()
    assert f"http://127.0.0.1:5000/audits/{audit_id}" in body
    assert f"due by {due.day} " in body
    # No child details: not the case reference, nothing about the child.
    assert "NOTE-000123" not in email.as_string() and "Irish" not in email.as_string()


def test_an_auditor_who_starts_their_own_audit_is_not_emailed(app, make, people):
    case = make.case(people["team"])
    with app.app_context():
        auditor = db.session.get(User, people["auditor"].id)
        audits.start_audit(
            case=db.session.get(type(case), case.id),
            tool_version=db.session.merge(make.tool_version()),
            auditor=auditor,
            created_by=auditor,
        )
        db.session.commit()
        assert _notices(NotificationKind.AUDIT_ASSIGNED) == []


def test_a_concern_emails_the_team_manager_and_leaders_at_once_and_again_when_escalated(
    app, client, make, people, smtp
):
    case = make.case(people["team"], worker=people["worker"], reference="NOTE-000456")
    audit = make.audit(case, people["auditor"], tool="assessment-and-planning", status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(people["auditor"])
    details = "The stepfather has moved back in, against the safety plan."
    response = client.post(f"/audits/{audit.id}/concern", data={"details": details})
    assert response.status_code == 302

    with app.app_context():
        raised = _notices(NotificationKind.CONCERN_RAISED)
        assert {notice.user_id for notice in raised} == {people["manager"].id, people["leader"].id}
        assert _deliver_everything() == ["sent", "sent"]
    for person in ("manager", "leader"):
        [email] = smtp.messages_to(people[person].email)
        assert email["Subject"].startswith("Safeguarding concern raised: please respond by ")
        assert "http://127.0.0.1:5000/audits/concerns" in email.get_content()
        assert details not in email.as_string() and "NOTE-000456" not in email.as_string()
    assert smtp.messages_to(people["other_manager"].email) == []  # another team's manager

    with app.app_context():
        concern = db.session.scalar(select(SafeguardingConcern).where(SafeguardingConcern.audit_id == audit.id))
        concern.raised_at = utcnow() - timedelta(days=10)
        db.session.commit()
    first = app.test_cli_runner().invoke(args=["jobs", "daily"])
    assert "escalate-concerns: 1" in first.output, first.output
    again = app.test_cli_runner().invoke(args=["jobs", "daily"])
    assert "escalate-concerns: 0" in again.output  # each concern once, however often it runs
    assert "Today's digests and measure values were already done." in again.output
    with app.app_context():
        # Even if the escalation ran again on another day, the notice is keyed to the concern.
        concern = db.session.scalar(select(SafeguardingConcern).where(SafeguardingConcern.audit_id == audit.id))
        notifications.concern_escalated(concern, today())
        db.session.commit()
        escalated = _notices(NotificationKind.CONCERN_ESCALATED)
        assert {notice.user_id for notice in escalated} == {people["manager"].id, people["leader"].id}
        assert len(escalated) == 2
        assert sorted(_deliver_everything()) == ["sent", "sent"]
    [email] = [m for m in smtp.messages_to(people["leader"].email) if "escalated" in m["Subject"]]
    assert email["Subject"] == "Safeguarding concern not yet acknowledged: escalated to leaders"
    assert details not in email.as_string()


def test_submitting_an_audit_asks_the_cases_worker_for_their_reflection(app, client, make, people):
    case = make.case(people["team"], worker=people["worker"])
    audit = make.audit(case, people["auditor"], tool="assessment-and-planning", status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(people["auditor"])
    data = complete_post(app, audit.id, grade="good")
    response = client.post(f"/audits/{audit.id}/edit/all", data={**data, "action": "submit"})
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        [notice] = _notices(NotificationKind.REFLECTION_REQUESTED)
        assert notice.user_id == people["worker"].id
        assert f"/audits/{audit.id}" in notice.body


def test_due_and_overdue_notices_are_sent_once_each(app, make, people):
    case = make.case(people["team"])
    soon = make.audit(case, people["auditor"], due_date=today() + timedelta(days=3), created_by=people["leader"])
    late = make.audit(case, people["auditor"], due_date=today() - timedelta(days=1), created_by=people["leader"])
    make.audit(case, people["auditor"], due_date=today() + timedelta(days=10), created_by=people["leader"])
    with app.app_context():
        db.session.add(
            Action(
                audit_id=late.id,
                description="Update the chronology",
                owner_id=people["worker"].id,
                due_date=today() - timedelta(days=2),
                created_by_id=people["auditor"].id,
            )
        )
        db.session.commit()
        assert notifications.queue_due_and_overdue() == 3
        assert notifications.queue_due_and_overdue() == 0  # a second run (or worker) adds nothing
        db.session.commit()
        assert [n.body.count(f"/audits/{soon.id}") for n in _notices(NotificationKind.AUDIT_DUE_SOON)] == [1]
        assert [n.body.count(f"/audits/{late.id}") for n in _notices(NotificationKind.AUDIT_OVERDUE)] == [1]
        [action] = _notices(NotificationKind.ACTION_OVERDUE)
        assert action.user_id == people["worker"].id and "Update the chronology" not in action.body


def test_a_person_who_chooses_the_daily_summary_gets_one_email_for_the_day(app, client, make, people, smtp):
    client.sign_in_as(people["auditor"])
    page = client.get_page("/account/email")
    assert "Safeguarding emails cannot be turned off" in page.get_text()
    assert page.find("input", {"name": "concern_raised"}) is None  # not a choice
    saved = client.post(
        "/account/email",
        data={
            kind.value: "digest" if kind == NotificationKind.AUDIT_ASSIGNED else "now"
            for kind in notifications.CHOOSABLE_KINDS
        }
        | {"concern_raised": "digest"},
    )
    assert saved.status_code == 302
    assert (
        client.get_page("/account/email")
        .find("input", {"name": "audit_assigned", "value": "digest"})
        .has_attr("checked")
    )

    case = make.case(people["team"])
    with app.app_context():
        auditor = db.session.get(User, people["auditor"].id)
        leader = db.session.get(User, people["leader"].id)
        for _ in range(2):
            audits.start_audit(
                case=db.session.get(type(case), case.id),
                tool_version=db.session.merge(make.tool_version()),
                auditor=auditor,
                created_by=leader,
            )
        db.session.commit()
        held = _notices(NotificationKind.AUDIT_ASSIGNED)
        assert [notice.in_digest for notice in held] == [True, True]
        assert _deliver_everything() == []  # nothing goes on its own
        assert notifications.claim(held[0].id) is None

        [digest] = notifications.compose_digests()
        db.session.commit()
        assert _deliver_everything() == ["sent"]
        for notice in held:
            db.session.refresh(notice)
            assert notice.status == NotificationStatus.SENT and notice.digest_id == digest.id
    [email] = smtp.messages_to(people["auditor"].email)
    assert email["Subject"].startswith("Your daily summary")
    assert email.get_content().count("An audit has been assigned to you") == 2


def test_a_mail_service_that_is_down_delays_the_email_and_the_admin_sees_why_and_can_send_again(
    app, client, make, people, smtp
):
    case = make.case(people["team"])
    smtp.stop()
    with app.app_context():
        audits.start_audit(
            case=db.session.get(type(case), case.id),
            tool_version=db.session.merge(make.tool_version()),
            auditor=db.session.get(User, people["auditor"].id),
            created_by=db.session.get(User, people["leader"].id),
        )
        db.session.commit()
        [notice] = _notices(NotificationKind.AUDIT_ASSIGNED)
        assert _deliver_everything() == ["failed"]
        db.session.refresh(notice)
        assert notice.status == NotificationStatus.FAILED and notice.attempts == 1
        assert notice.last_error == "Could not reach the mail server: ConnectionRefusedError"
        assert notice.next_attempt_at > utcnow()
        notice_id = notice.id

    client.sign_in_as(people["admin"])
    listing = page_text(client.get("/admin/notifications?status=failed"))
    assert "An audit has been assigned to you" in listing
    assert "Could not reach the mail server: ConnectionRefusedError. Tried 1 time" in listing
    assert client.get("/admin/notifications?status=nonsense&page=-5").status_code == 200

    smtp.start()
    resent = client.post(f"/admin/notifications/{notice_id}/resend")
    assert resent.status_code == 302
    with app.app_context():
        assert tasks.deliver(notice_id) == "sent"
        assert tasks.deliver(notice_id) == "skipped"  # exactly once
    assert len(smtp.messages_to(people["auditor"].email)) == 1
    assert "Sent" in page_text(client.get("/admin/notifications?status=sent"))
    assert client.post("/admin/notifications/999999999/resend").status_code == 404
    client.sign_in_as(people["leader"])
    assert client.get("/admin/notifications").status_code == 403


def test_a_moderation_outcome_and_a_completed_supervision_record_each_tell_the_person(app, make, people):
    from audit.domain import moderation, supervision
    from audit.domain.audits import audit_with_everything

    case = make.case(people["team"], worker=people["worker"])
    audit = make.audit(case, people["auditor"], tool="assessment-and-planning", status=AuditStatus.SUBMITTED)
    make.judgements(audit, grades="good", overall="good")
    moderator = make.user(Role.MODERATOR)
    record = make.supervision(
        people["manager"],
        people["worker"],
        cases=[case],
        start_time=time(10, 0),
        duration_minutes=60,
        next_supervision_date=today() + timedelta(days=28),
    )
    with app.app_context():
        loaded = audit_with_everything(audit.id)
        good = next(grade.id for grade in loaded.tool_version.scale.grades if grade.key == "good")
        overall = (good, None) if loaded.tool_version.asks_overall_grade else None
        sections = {section.id: (good, False, None) for section in loaded.tool_version.sections}
        moderation.record_moderation(loaded, db.session.get(User, moderator.id), sections, overall)
        [outcome] = _notices(NotificationKind.MODERATION_OUTCOME)
        assert outcome.user_id == people["auditor"].id and f"/audits/{audit.id}" in outcome.body

        full = supervision.record_with_everything(record.id)
        problems = supervision.complete(full, db.session.get(User, people["manager"].id))
        assert problems == [], problems
        [waiting] = _notices(NotificationKind.SUPERVISION_TO_ACKNOWLEDGE)
        assert waiting.user_id == people["worker"].id
        assert f"/supervision/{record.id}" in waiting.body
        assert people["manager"].name in waiting.body  # who wrote it; nothing of what was discussed
