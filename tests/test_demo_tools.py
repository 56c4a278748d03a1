"""The demo council audits each team with the tool for its work, so that every tool shows in the
reports; its plan has measures bound to a question's answers and to one tool's overall grade."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from audit.clock import today
from audit.extensions import db
from audit.models import Audit, AuditTool, AuditToolVersion, Measure, Team
from audit.reporting import figures, questions
from audit.reporting.figures import ReportScope
from audit.reporting.measures import FIGURES
from tests.pages import page_text


def _tools_by_team(app) -> dict[str, set[str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Team.name, AuditTool.slug)
            .join(Audit, Audit.team_id == Team.id)
            .join(AuditToolVersion, AuditToolVersion.id == Audit.tool_version_id)
            .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        ).all()
    found: dict[str, set[str]] = defaultdict(set)
    for team, slug in rows:
        found[team].add(slug)
    return found


def test_seed_demo_audits_each_team_with_the_tool_for_its_work(app, client):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--cases", "150", "--audits", "400"])
    assert result.exit_code == 0, result.output
    by_team = _tools_by_team(app)

    # The children in care team: the children in care tool (and audits of supervision records),
    # never the assessment tool; the leaving care team likewise with the care leavers tool.
    assert "children-in-care" in by_team["Children in care"]
    assert by_team["Children in care"] <= {"children-in-care", "supervision-quality"}
    assert "care-leavers" in by_team["Leaving care"]
    assert by_team["Leaving care"] <= {"care-leavers", "supervision-quality"}
    assert by_team["MASH and front door"] <= {"front-door-mash", "early-help", "supervision-quality"}
    assert "child-protection" in by_team["Safeguarding East"] | by_team["Safeguarding West"]

    with app.app_context():
        every_tool = set(db.session.scalars(select(AuditTool.slug)))
        versions = select(AuditTool.slug, AuditToolVersion.id).join(AuditToolVersion).order_by(AuditToolVersion.version)
        newest = dict(db.session.execute(versions).all())  # slug -> its highest version (ordered last)
        used_versions = set(db.session.scalars(select(Audit.tool_version_id).distinct()))
        year = ReportScope(today() - timedelta(days=365), today())
        completed = {tool.slug for tool in figures.overall_grades_by_tool(year)}
        asked = {figure.tool_slug for figure in questions.question_figures(year)}
        tools_with_questions = {slug for slug, _key in questions.known_questions()}
    # Every tool is used, each at its newest version, and completed audits of each reach the reports.
    assert set().union(*by_team.values()) == every_tool
    assert used_versions <= set(newest.values())
    assert completed == every_tool
    assert asked == tools_with_questions  # every tool's yes/no and choice questions are counted

    # The demo plan's measures are all bound to figures that exist, one to a question's answers.
    with app.app_context():
        bound = set(db.session.scalars(select(Measure.figure)))
        assert all(key in FIGURES for key in bound)
    assert "question:assessment-and-planning:seen-alone:seen-alone" in bound
    assert "overall:children-in-care" in bound


def test_the_demo_dashboard_shows_every_tool(app, client):
    assert app.test_cli_runner().invoke(args=["seed-demo", "--cases", "150", "--audits", "400"]).exit_code == 0
    from audit.domain import people

    with app.app_context():
        leader = people.user_by_email("leader@demo.example")
        names = list(db.session.scalars(select(AuditTool.name)))
    client.sign_in_as(leader)
    start = today() - timedelta(days=365)
    text = page_text(client.get_page(f"/reports/?from={start.isoformat()}&to={today().isoformat()}"))
    overall = text[text.index("Overall grades Per audit tool") : text.index("Question-level figures")]
    questions_part = text[text.index("Question-level figures") : text.index("Moderation agreement")]
    for name in names:
        # Every tool that asks for an overall grade has its own; every tool's questions are listed.
        assert name in overall or name == "Themed audit: fathers' engagement", name
        assert name in questions_part, name
