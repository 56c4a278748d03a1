"""Moderation sampling: the rule picks every best- and worst-graded audit and a reproducible random
share of the rest at submission, gives each to the least-loaded moderator with a due date, and the
queue puts overdue audits first; "sample achieved" counts the rule against what was done."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from audit.clock import today, utcnow
from audit.config import FollowThroughSettings
from audit.domain import moderation_sampling
from audit.extensions import db
from audit.models import Audit, AuditStatus, Moderation, ModerationAssignment, Role
from audit.reporting.moderation_sample import sample_achieved
from tests.audit_forms import complete_post
from tests.conftest import page_text
from tests.pages import assert_well_formed_page, parse, text_of

WITH_OVERALL = "front-door-mash"
KEY = "fixed-test-sample-key"


@pytest.fixture
def rule(app, monkeypatch):
    """Set the service-wide follow-through settings for one test."""

    def set_rule(**values):
        monkeypatch.setitem(app.config, "FOLLOW_THROUGH", FollowThroughSettings(sample_key=KEY, **values))

    set_rule()
    return set_rule


@pytest.fixture
def people(make):
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=make.team())
    return team, auditor


def select_for_moderation(app, audit_id: int) -> tuple[str, int | None, date] | None:
    with app.app_context():
        assignment = moderation_sampling.select_for_moderation(db.session.get(Audit, audit_id))
        db.session.commit()
        return assignment and (assignment.selected_because, assignment.moderator_id, assignment.due_date)


def submitted(make, team, auditor, overall: str | None, tool: str = WITH_OVERALL) -> Audit:
    audit = make.audit(make.case(team), auditor, tool=tool, status=AuditStatus.SUBMITTED)
    return make.judgements(audit, overall or "good", overall)


def test_the_random_draw_is_reproducible_and_about_the_percentage():
    drawn = [moderation_sampling.drawn_at_random(audit_id, 10, KEY) for audit_id in range(1, 4001)]
    assert 360 <= sum(drawn) <= 440  # about 10% of 4,000
    assert drawn == [moderation_sampling.drawn_at_random(audit_id, 10, KEY) for audit_id in range(1, 4001)]
    assert drawn != [moderation_sampling.drawn_at_random(audit_id, 10, "another key") for audit_id in range(1, 4001)]
    assert not any(moderation_sampling.drawn_at_random(audit_id, 0, KEY) for audit_id in range(1, 200))
    assert all(moderation_sampling.drawn_at_random(audit_id, 100, KEY) for audit_id in range(1, 200))


def test_every_outstanding_and_inadequate_audit_is_selected_and_about_the_percentage_of_the_rest(
    app, make, people, rule
):
    team, auditor = people
    make.user(Role.MODERATOR)
    rule(moderation_percent=25)
    extremes = [submitted(make, team, auditor, grade) for grade in ("outstanding", "inadequate") * 4]
    rest = [submitted(make, team, auditor, grade) for grade in ("good", "requires-improvement") * 12]

    for audit in extremes:
        assert select_for_moderation(app, audit.id)[0] == moderation_sampling.BY_GRADE
    chosen = [audit.id for audit in rest if select_for_moderation(app, audit.id)]
    # Exactly those the keyed draw picks: reproducible, and about a quarter of them.
    assert chosen == [audit.id for audit in rest if moderation_sampling.drawn_at_random(audit.id, 25, KEY)]
    assert 2 <= len(chosen) <= 12

    # The rule can leave the grades to chance; a programme's own rule beats the service's.
    rule(moderation_percent=0, moderate_best_and_worst=False)
    assert select_for_moderation(app, submitted(make, team, auditor, "inadequate").id) is None
    programme = make.programme(auditor, tool=WITH_OVERALL)
    audit_id = submitted(make, team, auditor, "good").id
    with app.app_context():
        db.session.get(Audit, audit_id).programme_id = programme.id
        db.session.get(type(programme), programme.id).moderation_percent = 100
        db.session.commit()
    assert select_for_moderation(app, audit_id)[0] == moderation_sampling.AT_RANDOM


def test_a_selected_audit_goes_to_the_least_loaded_moderator_with_a_due_date(app, make, people, rule):
    team, auditor = people
    rule(moderation_due_working_days=10)
    first = make.user(Role.MODERATOR, name="First Moderator")
    second = make.user(Role.MODERATOR, name="Second Moderator")
    make.user(Role.MODERATOR, active=False)
    both = make.user(Role.MODERATOR, Role.AUDITOR, team=make.team())

    moderators = [select_for_moderation(app, submitted(make, team, auditor, "inadequate").id)[1] for _ in range(4)]
    # Shared out: each of the three active moderators has some, nobody two more than another.
    assert sorted(moderators) == sorted([first.id, second.id, both.id, first.id])
    # Never the audit's own auditor.
    own = select_for_moderation(app, submitted(make, team, both, "outstanding").id)
    assert own[1] in {first.id, second.id}
    assert own[2] == moderation_sampling.add_working_days(today(), 10)
    # Decided once: asking again changes nothing.
    again = submitted(make, team, auditor, "inadequate")
    assert select_for_moderation(app, again.id) == select_for_moderation(app, again.id)


def test_working_days_skip_weekends():
    friday = date(2026, 11, 27)
    assert moderation_sampling.add_working_days(friday, 1) == date(2026, 11, 30)
    assert moderation_sampling.add_working_days(friday, 10) == date(2026, 12, 11)
    assert moderation_sampling.add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # from a Saturday


def test_submitting_an_inadequate_audit_puts_it_in_the_sample(app, client, make, people, rule):
    team, auditor = people
    moderator = make.user(Role.MODERATOR, name="Morgan Moderator")
    audit = make.audit(make.case(team), auditor, tool="assessment-and-planning")
    client.sign_in_as(auditor)
    data = complete_post(app, audit.id, grade="inadequate") | {"action": "submit"}
    assert client.post(f"/audits/{audit.id}/edit/all", data=data).status_code == 302

    with app.app_context():
        assignment = db.session.scalar(select(ModerationAssignment).where(ModerationAssignment.audit_id == audit.id))
        assert assignment.selected_because == moderation_sampling.BY_GRADE
        assert assignment.moderator_id == moderator.id
        assert assignment.due_date == moderation_sampling.add_working_days(today(), 10)


def _assign(app, audit_id: int, moderator_id: int, due: date) -> None:
    with app.app_context():
        db.session.add(
            ModerationAssignment(audit_id=audit_id, moderator_id=moderator_id, selected_because="random", due_date=due)
        )
        db.session.commit()


def test_the_queue_puts_overdue_first_with_ages_and_shows_the_sample_achieved(app, client, make, people, rule):
    team, auditor = people
    moderator = make.user(Role.MODERATOR, name="Morgan Moderator")
    on = today()
    not_sampled = make.audit(make.case(team, reference="CS-NOT-SAMPLED"), auditor, status=AuditStatus.SUBMITTED)
    due_later = make.audit(make.case(team, reference="CS-DUE-LATER"), auditor, status=AuditStatus.SUBMITTED)
    overdue = make.audit(make.case(team, reference="CS-OVERDUE"), auditor, status=AuditStatus.SUBMITTED)
    done_late = make.audit(make.case(team, reference="CS-DONE-LATE"), auditor, status=AuditStatus.MODERATED)
    _assign(app, due_later.id, moderator.id, on + timedelta(days=3))
    _assign(app, overdue.id, moderator.id, on - timedelta(days=4))
    _assign(app, done_late.id, moderator.id, on - timedelta(days=2))
    with app.app_context():
        db.session.add(Moderation(audit_id=done_late.id, moderator_id=moderator.id, created_at=utcnow()))
        db.session.commit()
    assert not_sampled.id  # submitted, but the rule did not select it

    client.sign_in_as(moderator)
    page = client.get("/moderation/")
    assert_well_formed_page(page)
    rows = parse(page.get_data(as_text=True)).select("#awaiting-moderation tbody tr")
    assert [text_of(row).split()[0] for row in rows] == ["CS-OVERDUE", "CS-DUE-LATER", "CS-NOT-SAMPLED"]
    assert "Overdue by 4 days" in text_of(rows[0]) and "Morgan Moderator" in text_of(rows[0])
    assert "Due in 3 days" in text_of(rows[1])
    assert "Not in the sample" in text_of(rows[2])
    assert "today" in text_of(rows[0])  # its age: submitted today

    with app.app_context():
        achieved = sample_achieved(on - timedelta(days=30), on)
    assert (achieved.completed, achieved.selected, achieved.moderated, achieved.on_time, achieved.overdue) == (
        4,
        3,
        1,
        0,
        1,
    )
    summary = text_of(parse(page.get_data(as_text=True)).select_one("#sample-achieved"))
    assert "Selected by the rule 3 (0 for their overall grade, 3 at random)" in summary
    assert "Moderated 1 of 3 (33%)" in summary
    assert "Moderated on time 0 of 3 (0%); 1 audit overdue" in summary
    assert "10% of the rest at random" in page_text(page)


def test_a_programme_sets_its_own_moderation_rule(app, client, make, rule):
    from audit.models import AuditProgramme
    from tests.test_programme import Council, _error_summary

    council = Council(make)
    client.sign_in_as(council.leader)
    page = client.get("/programme/new")
    assert "The service's rule: every audit graded the best or worst grade overall" in page_text(page)

    refused = client.post("/programme/new", data=council.form(moderation_percent="150"))
    assert _error_summary(refused) == ["Percentage to moderate must be a whole number from 0 to 100, like 10"]

    form = council.form(moderation_percent="25", moderate_best_and_worst="no")
    preview = client.post("/programme/new", data=form | {"action": "preview"})
    assert "Moderated 25% of completed audits at random" in page_text(preview)
    response = client.post("/programme/new", data=form)
    assert response.status_code == 302, _error_summary(response)
    with app.app_context():
        programme = db.session.scalar(select(AuditProgramme).order_by(AuditProgramme.id.desc()))
        assert (programme.moderation_percent, programme.moderate_best_and_worst) == (25, False)
        assert moderation_sampling.programme_rule(programme).percent == 25
    assert "Moderated 25% of completed audits at random" in page_text(client.get(response.headers["Location"]))

    # Left as it was, the programme follows the service's rule.
    response = client.post("/programme/new", data=council.form(name="Default rule", seed="7"))
    with app.app_context():
        programme = db.session.scalar(select(AuditProgramme).where(AuditProgramme.name == "Default rule"))
        assert (programme.moderation_percent, programme.moderate_best_and_worst) == (None, None)
