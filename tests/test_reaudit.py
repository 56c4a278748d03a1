"""Re-audits: an Inadequate audit schedules a follow-up of the same case after a set number of weeks,
despite the sampler's six-month exclusion, and the re-audits completed in a period count as
improved, the same or worse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from audit.clock import today
from audit.config import FollowThroughSettings
from audit.domain.programme import recently_audited
from audit.extensions import db
from audit.models import Audit, AuditStatus, Measure, Role
from audit.reporting import measures
from audit.reporting.figures import ReportScope
from audit.reporting.reaudit import Movement, reaudit_outcomes
from tests.audit_forms import complete_post
from tests.conftest import page_text
from tests.test_moderation import WITH_OVERALL, form_data, tool

TOOL = "assessment-and-planning"


@pytest.fixture
def rule(app, monkeypatch):
    def set_rule(**values):
        monkeypatch.setitem(app.config, "FOLLOW_THROUGH", FollowThroughSettings(sample_key="key", **values))

    set_rule()
    return set_rule


@pytest.fixture
def setting(make):
    team = make.team("Re-audit Team")
    worker = make.user(Role.PRACTITIONER, team=team)
    case = make.case(team, worker=worker, reference="CS-RE-001")
    auditor = make.user(Role.AUDITOR, team=make.team(), name="Ada Auditor")
    return team, case, auditor


def follow_ups(app, audit_id: int) -> list[Audit]:
    with app.app_context():
        found = db.session.scalars(select(Audit).where(Audit.follows_audit_id == audit_id)).all()
        db.session.expunge_all()
        return list(found)


def submit(app, client, audit, grade: str) -> None:
    data = complete_post(app, audit.id, grade=grade) | {"action": "submit"}
    response = client.post(f"/audits/{audit.id}/edit/all", data=data)
    assert response.status_code == 302, page_text(response)[:1000]


def test_an_inadequate_audit_schedules_a_follow_up_after_the_set_weeks_despite_the_exclusion(
    app, client, make, setting, rule
):
    _team, case, auditor = setting
    audit = make.audit(case, auditor, tool=TOOL)
    client.sign_in_as(auditor)
    submit(app, client, audit, "inadequate")

    [follow_up] = follow_ups(app, audit.id)
    assert follow_up.case_id == case.id and follow_up.auditor_id == auditor.id
    assert follow_up.status == AuditStatus.ASSIGNED
    assert follow_up.due_date == today() + timedelta(weeks=12)
    # The case was audited this week, so the sampler leaves it out, yet the re-audit is scheduled.
    with app.app_context():
        assert case.id in db.session.scalars(recently_audited(today())).all()

    # Both audits say how they are linked.
    first_page = page_text(client.get(f"/audits/{audit.id}"))
    assert "A re-audit of this case is planned: not started, due" in first_page
    assert "This is a re-audit of the case, following the audit submitted on" in page_text(
        client.get(f"/audits/{follow_up.id}")
    )


def test_requires_improvement_is_followed_up_only_when_the_setting_says_so(app, client, make, setting, rule):
    team, _case, auditor = setting
    client.sign_in_as(auditor)
    good_enough = make.audit(make.case(team), auditor, tool=TOOL)
    submit(app, client, good_enough, "requires-improvement")
    assert follow_ups(app, good_enough.id) == []
    good = make.audit(make.case(team), auditor, tool=TOOL)
    submit(app, client, good, "good")
    assert follow_ups(app, good.id) == []

    rule(reaudit_requires_improvement=True, reaudit_after_weeks=6)
    flagged = make.audit(make.case(team), auditor, tool=TOOL)
    submit(app, client, flagged, "requires-improvement")
    [follow_up] = follow_ups(app, flagged.id)
    assert follow_up.due_date == today() + timedelta(weeks=6)


def test_the_follow_up_goes_to_the_programme_lead_or_the_least_busy_auditor(app, make, setting, rule):
    from audit.domain import reaudit

    team, case, auditor = setting
    lead = make.user(Role.LEADER, Role.AUDITOR, team=make.team(), name="Lee Lead")
    busy = make.user(Role.AUDITOR, team=make.team(), name="Busy Auditor")
    idle = make.user(Role.AUDITOR, team=make.team(), name="Idle Auditor")
    make.audit(make.case(team), busy)  # one open audit
    make.audit(make.case(team), lead)
    make.audit(make.case(team), lead)
    programme = make.programme(lead, [(case, auditor, AuditStatus.SUBMITTED)], tool=WITH_OVERALL)

    with app.app_context():
        audit = db.session.scalar(select(Audit).where(Audit.programme_id == programme.id))
        assert reaudit.follow_up_auditor(audit).id == auditor.id
        audit.auditor.active = False  # the original auditor has left
        db.session.flush()
        assert reaudit.follow_up_auditor(audit).id == lead.id
        audit.programme.created_by.active = False
        db.session.flush()
        assert reaudit.follow_up_auditor(audit).id == idle.id  # fewest open audits
        db.session.rollback()


def test_a_moderator_grading_inadequate_schedules_a_follow_up(app, client, make, setting, rule):
    _team, case, auditor = setting
    audit = make.judgements(make.audit(case, auditor, tool=WITH_OVERALL, status=AuditStatus.SUBMITTED))
    mash = tool(app, make, WITH_OVERALL)
    client.sign_in_as(make.user(Role.MODERATOR))
    data = form_data(mash, overall=("inadequate", "The child was left at risk for a week."))
    assert client.post(f"/moderation/{audit.id}", data=data).status_code == 302
    [follow_up] = follow_ups(app, audit.id)
    assert follow_up.auditor_id == auditor.id


def _pair(make, team, auditor, first: str, later: str, reference: str):
    case = make.case(team, reference=reference)
    first_audit = make.judgements(
        make.audit(case, auditor, tool=WITH_OVERALL, status=AuditStatus.SUBMITTED), first, first
    )
    reaudit = make.judgements(make.audit(case, auditor, tool=WITH_OVERALL, status=AuditStatus.SUBMITTED), later, later)
    return first_audit, reaudit


def test_reaudits_count_as_improved_the_same_or_worse(app, client, make, setting, rule):
    team, _case, auditor = setting
    pairs = [
        _pair(make, team, auditor, "inadequate", "good", "CS-BETTER"),
        _pair(make, team, auditor, "inadequate", "requires-improvement", "CS-BETTER-2"),
        _pair(make, team, auditor, "inadequate", "inadequate", "CS-SAME"),
        _pair(make, team, auditor, "requires-improvement", "inadequate", "CS-WORSE"),
    ]
    other_team = make.team()
    pairs.append(_pair(make, other_team, auditor, "inadequate", "outstanding", "CS-ELSEWHERE"))
    with app.app_context():
        for first, later in pairs:
            db.session.get(Audit, later.id).follows_audit_id = first.id
        db.session.commit()

    scope = ReportScope(start=today() - timedelta(days=30), end=today())
    manager = make.user(Role.SUPERVISOR, team=team)
    leader = make.user(Role.LEADER)
    with app.app_context():
        found = reaudit_outcomes(scope, db.session.get(type(manager), manager.id))
        assert (found.improved, found.same, found.worse, found.not_comparable) == (3, 1, 1, 0)
        assert found.percent_improved == 60.0
        # The team's manager sees their team's cases only; the counts are the same for everyone.
        assert [case.reference for case in found.cases] == ["CS-BETTER", "CS-BETTER-2", "CS-SAME", "CS-WORSE"]
        better = found.cases[0]
        assert (better.first_grade, better.reaudit_grade, better.movement) == ("Inadequate", "Good", Movement.IMPROVED)
        everyone = reaudit_outcomes(scope, db.session.get(type(leader), leader.id))
        assert "CS-ELSEWHERE" in [case.reference for case in everyone.cases]
        assert reaudit_outcomes(scope).cases == []
        # Narrowed to a team; and a period before any re-audit has nothing to compare.
        assert reaudit_outcomes(ReportScope(scope.start, scope.end, team_ids=(other_team.id,))).improved == 1
        assert reaudit_outcomes(ReportScope(scope.start - timedelta(days=60), scope.start)).percent_improved is None

        # The improvement plan can measure it.
        figure = measures.FIGURES["reaudit_improved"]
        reading = figure.read(Measure(), scope)
        assert (reading.value, reading.count) == (60.0, 5)


def test_the_moderated_grade_is_the_one_compared(app, client, make, setting, rule):
    team, _case, auditor = setting
    first, later = _pair(make, team, auditor, "inadequate", "good", "CS-MODERATED")
    with app.app_context():
        db.session.get(Audit, later.id).follows_audit_id = first.id
        db.session.commit()
    mash = tool(app, make, WITH_OVERALL)
    client.sign_in_as(make.user(Role.MODERATOR))
    data = form_data(mash, overall=("inadequate", "Nothing changed for the child."))
    assert client.post(f"/moderation/{later.id}", data=data).status_code == 302
    with app.app_context():
        found = reaudit_outcomes(ReportScope(start=today() - timedelta(days=1), end=today()))
        assert (found.improved, found.same) == (0, 1)
