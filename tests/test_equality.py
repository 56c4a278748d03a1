"""Equality figures (issue 14): % good or better by the child's ethnicity, disability, age band and
gender, by final overall grades, with small groups suppressed so that none can be worked out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from audit.clock import today, utcnow
from audit.extensions import db
from audit.models import Audit, AuditStatus, Moderation, Role, ScaleGrade
from audit.reporting.equality import NOT_RECORDED, SUPPRESS_BELOW, equality_breakdown
from audit.reporting.figures import ReportScope
from tests.conftest import page_text
from tests.querycount import count_queries

TOOL = "assessment-and-planning"  # asks for an overall grade


def _scope(**filters) -> ReportScope:
    return ReportScope(today() - timedelta(days=30), today(), **filters)


def _audit(make, team, auditor, overall: str, **case_fields):
    audit = make.audit(make.case(team, **case_fields), auditor, tool=TOOL, status=AuditStatus.SUBMITTED)
    return make.judgements(audit, "good", overall)


def _moderate_overall(app, audit, moderator, key: str) -> None:
    with app.app_context():
        saved = db.session.get(Audit, audit.id)
        grade_id = db.session.scalar(
            select(ScaleGrade.id).where(ScaleGrade.scale_id == saved.tool_version.scale_id, ScaleGrade.key == key)
        )
        db.session.add(Moderation(audit_id=saved.id, moderator_id=moderator.id, overall_grade_id=grade_id))
        saved.status = AuditStatus.MODERATED.value
        saved.moderated_at = utcnow()
        db.session.commit()


@pytest.fixture
def council(app, make):
    """By ethnicity: A 6 audits (4 good or better by final grade), B 5 (5), C 2 (1), not recorded
    7 (3). Gender: every case "Girl". Age band: "Under 1" 6, "1 to 4" 3, not recorded 11 (6)."""
    team = make.team("Equality team")
    other = make.team("Other team")
    auditor = make.user(Role.AUDITOR, team=team)
    moderator = make.user(Role.MODERATOR)
    made = []
    # Group A: five good by the auditor, one RI; the moderator makes one of the good ones RI.
    for overall in ["good", "good", "good", "outstanding", "good", "requires-improvement"]:
        made.append(_audit(make, team, auditor, overall, ethnicity="Group A", gender="Girl", age_band="Under 1"))
    _moderate_overall(app, made[0], moderator, "requires-improvement")
    for index in range(5):
        _audit(
            make, team, auditor, "good", ethnicity="Group B", gender="Girl", age_band="1 to 4" if index < 3 else None
        )
    _audit(make, team, auditor, "good", ethnicity="Group C", gender="Girl")
    _audit(make, team, auditor, "inadequate", ethnicity="Group C", gender="Girl")
    for overall in ["good", "good", "good", "requires-improvement", "inadequate", "inadequate", "inadequate"]:
        _audit(make, other, auditor, overall, ethnicity=None, gender="Girl")
    # Outside the figures: submitted long ago; not submitted; a tool that asks for no overall grade.
    old = _audit(make, team, auditor, "good", ethnicity="Group A", gender="Girl")
    with app.app_context():
        db.session.get(Audit, old.id).submitted_at = utcnow() - timedelta(days=400)
        db.session.commit()
    make.audit(make.case(team, ethnicity="Group A"), auditor, tool=TOOL)
    make.judgements(make.audit(make.case(team, ethnicity="Group A"), auditor, status=AuditStatus.SUBMITTED), "good")
    return {"team": team, "other": other}


def _groups(breakdown, key):
    characteristic = next(found for found in breakdown.characteristics if found.key == key)
    return {group.name: (group.good_or_better, group.graded) for group in characteristic.groups}


def test_good_or_better_by_ethnicity_by_final_overall_grades_with_small_groups_suppressed(app, council):
    with app.app_context():
        breakdown = equality_breakdown(_scope())

    assert breakdown.audits == 20
    # C has 2 audits: suppressed; B (5) is then the smallest other group, so it is hidden too, or
    # C would be 20 - 6 - 7 = 7 - 5 = 2 by subtraction.
    assert _groups(breakdown, "ethnicity") == {
        "Group A": (4, 6),  # 5 good by the auditors, one made RI by the moderator
        "Group B": (None, None),
        "Group C": (None, None),
        NOT_RECORDED: (3, 7),
    }
    ethnicity = breakdown.characteristics[0]
    assert [group.name for group in ethnicity.groups][-1] == NOT_RECORDED
    assert ethnicity.groups[0].percent_good_or_better == 66.7
    assert all(group.percent_good_or_better is None for group in ethnicity.groups if group.suppressed)
    assert "as recorded on the case now" in breakdown.rule


def test_one_group_alone_is_shown_and_two_small_groups_hide_only_themselves(app, council):
    with app.app_context():
        breakdown = equality_breakdown(_scope())

    assert _groups(breakdown, "gender") == {"Girl": (13, 20)}
    # "Under 1" 6 and "1 to 4" 3: one small group, so the next smallest ("Under 1") goes too;
    # not recorded (11) stays.
    assert _groups(breakdown, "age_band") == {"Under 1": (None, None), "1 to 4": (None, None), NOT_RECORDED: (6, 11)}
    assert list(_groups(breakdown, "age_band")) == ["Under 1", "1 to 4", NOT_RECORDED]


def test_the_figures_follow_the_filters(app, council):
    with app.app_context():
        team_only = equality_breakdown(_scope(team_ids=(council["team"].id,)))
        nothing = equality_breakdown(ReportScope(date(2001, 1, 1), date(2001, 12, 31)))

    assert team_only.audits == 13
    assert NOT_RECORDED not in _groups(team_only, "ethnicity")
    # The not-recorded group was the other team's: now A (6) is shown and B and C suppressed.
    assert _groups(team_only, "ethnicity")["Group A"] == (4, 6)
    assert nothing.audits == 0 and all(not found.groups for found in nothing.characteristics)


def test_no_group_under_the_threshold_is_ever_shown(app, make):
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=team)
    for _ in range(SUPPRESS_BELOW - 1):
        _audit(make, team, auditor, "good", disability="Yes")
    with app.app_context():
        breakdown = equality_breakdown(_scope())
    assert _groups(breakdown, "disability") == {"Yes": (None, None)}


def test_one_query_whatever_the_number_of_audits(app, make, council):
    with app.app_context(), count_queries(app) as few:
        equality_breakdown(_scope())
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=team)
    for index in range(8):
        _audit(make, team, auditor, "good", ethnicity=f"Group {index}", disability="No", age_band="5 to 9")
    with app.app_context(), count_queries(app) as many:
        equality_breakdown(_scope())
    assert few.count == many.count == 1


def test_the_dashboard_shows_the_equality_figures_with_fewer_than_5(app, client, make, council):
    leader = make.user(Role.LEADER, team=make.team())
    client.sign_in_as(leader)

    text = page_text(client.get("/reports/"))

    assert "Good or better by the child’s characteristics" in text
    assert "Group A 66.7% (4 of 6) — few to count" in text
    assert "Group B fewer than 5" in text and "Group C fewer than 5" in text
    assert "Not recorded 42.9% (3 of 7) — few to count" in text
