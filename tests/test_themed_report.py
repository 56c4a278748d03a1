"""The themed audit report: what it gathers (checked against the hand-worked council of
tests/test_report_figures.py), the PDF a leader downloads, the command for scheduled runs, and
the bad input each refuses clearly."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import AccessLogEntry, Audit, Measure, Priority, ReportDownload, Role
from audit.reporting import evidence, narrative, themed
from audit.reporting.figures import ReportScope
from tests.pages import pdf_text
from tests.querycount import count_queries
from tests.test_report_figures import council  # noqa: F401  (the hand-worked fixture)

APRIL_TO_JUNE = ReportScope(date(2026, 4, 1), date(2026, 6, 30))


@pytest.fixture
def leader(make):
    return make.user(Role.LEADER, name="Lena Leader")


def test_evidence_quotes_the_best_and_weakest_grades_once_each(app, council):  # noqa: F811
    with app.app_context():
        found = evidence.theme_evidence(ReportScope(date(2026, 1, 1), date(2026, 6, 30)))
        references = dict(db.session.execute(select(Audit.id, Audit.case_id)).all())
    fathers = found["Fathers' engagement"]
    # Audit 3's two fathers' sections are good; audits 1 and 2 share the same section, whose
    # identical evidence is quoted once. By final grades both are RI (audit 2's auditor said
    # inadequate, its moderator RI), so the latest, audit 2, is quoted with both grades.
    assert [quote.grade for quote in fathers.strengths] == ["Good", "Good"]
    assert [(quote.grade, quote.auditor_grade) for quote in fathers.areas] == [
        ("Requires improvement to be good", "Inadequate")
    ]
    assert fathers.areas[0].text == "Auditor's evidence for Fathers' engagement."
    assert all(references[quote.audit_id] == quote.case_id for quote in fathers.strengths + fathers.areas)
    voice = found["Child's voice"]
    # Audit 1 (auditor outstanding, moderator good) and audit 2 (good) share one text: by final
    # grades both are good, so it is quoted once, from the later audit, where the two agreed.
    assert [(quote.grade, quote.auditor_grade) for quote in voice.strengths] == [("Good", None)]
    assert voice.areas == []


def test_the_report_compares_with_the_previous_period(app, council):  # noqa: F811
    with app.app_context():
        report = themed.build_report(APRIL_TO_JUNE)
    assert (report.counts.completed, report.previous_counts.completed) == (1, 2)
    fathers = {theme.name: theme for theme in report.themes}["Fathers' engagement"]
    # Now audit 3: good, good. Before: audits 1 and 2, RI and RI (final: audit 2's inadequate
    # was moderated to RI).
    assert (fathers.movement.now, fathers.movement.before, fathers.movement.in_words) == (100.0, 0.0, "up 100 points")
    assert [(row.group, row.percent_good_or_better) for row in fathers.trend] == [
        ("2026-01", 0.0),
        ("2026-02", 0.0),
        ("2026-04", 100.0),
    ]
    assert report.trend_first_period == "2026-04"
    # Overall grades per tool: the assessment tool had 1 of 2 good or better before, none now.
    overall = {tool.name: tool.movement for tool in report.overall_by_tool}
    assert {name: (move.now, move.before) for name, move in overall.items()} == {
        "Assessment and planning audit": (None, 50.0)
    }
    assert [theme.name for theme in report.themes] == ["Fathers' engagement"]


def test_movement_in_words():
    assert themed.Movement(60.0, 50.0).in_words == "up 10 points"
    assert themed.Movement(49.0, 50.0).in_words == "down 1 point"
    assert themed.Movement(50.0, 50.0).in_words == "no change"
    assert themed.Movement(50.0, None).in_words == "no earlier figure"
    assert themed.Movement(None, None).in_words == "–"


def test_a_leader_downloads_the_themed_report(app, client, council, leader):  # noqa: F811
    with app.app_context():
        priority = Priority(title="Fathers", owner_id=leader.id, target_date=date(2027, 3, 31), created_by_id=leader.id)
        priority.measures.append(
            Measure(
                title="Fathers engaged in plans",
                figure="theme_good_or_better",
                theme="Fathers' engagement",
                baseline_value=40.0,
                baseline_on=date(2026, 1, 1),
                target_value=75.0,
                target_on=date(2027, 3, 31),
            )
        )
        db.session.add(priority)
        db.session.commit()
        # Only the quotes a lead chose are printed (issue 14): choose a strength and an area.
        fathers = evidence.theme_evidence(ReportScope(date(2026, 1, 1), date(2026, 6, 30)))["Fathers' engagement"]
        for quote in (fathers.strengths[0], fathers.areas[0]):
            narrative.choose_quote(
                ReportScope(date(2026, 1, 1), date(2026, 6, 30)),
                "Fathers' engagement",
                quote.judgement_id,
                True,
                leader.id,
            )
        db.session.commit()
    client.sign_in_as(leader)

    response = client.get("/reports/themed.pdf?from=2026-01-01&to=2026-06-30")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename="themed-audit-report-2026-01-01-to-2026-06-30.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data, layout=True)
    for expected in (
        app.config["COUNCIL_NAME"],
        "Themed audit report",
        "Audits completed 1 January 2026 to 30 June 2026",
        "Contents",
        "Executive summary",
        "Fathers' engagement",
        "Strengths",
        "Areas for development",
        "Auditor's evidence for Fathers' engagement.",
        "Moderation findings",
        "Improvement plan measures this theme feeds",
        "Fathers engaged in plans",
        "Page 1 of",
    ):
        assert expected in text, expected
    with app.app_context():
        download = db.session.scalars(select(ReportDownload)).one()
        quoted = db.session.scalar(
            select(func.count()).where(AccessLogEntry.user_id == leader.id, AccessLogEntry.action == "export")
        )
    assert (download.report, download.user_id, download.via) == ("themed-pdf", leader.id, "web")
    assert json.loads(download.filters) == {"from": "2026-01-01", "to": "2026-06-30"}
    assert quoted == 3  # the two audits quoted, and the one more an action listed is from


def test_an_empty_period_says_there_is_no_data(client, leader):
    client.sign_in_as(leader)

    response = client.get("/reports/themed.pdf?from=2030-01-01&to=2030-03-31")

    assert response.status_code == 200
    text = pdf_text(response.data, layout=True)
    assert "There is no data for this period" in text
    assert "Findings by theme" not in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-07-01&to=2026-06-01", "The ‘to’ date must be the same as or after the ‘from’ date"),
        ("from=2026-02-30", "From must be a real date"),
        ("team=99999", "Select a team from the list"),
        ("tool=99999", "Select an audit tool from the list"),
        ("theme=Astrology", "Select a theme from the list"),
    ],
)
def test_bad_filters_get_a_clear_error_not_a_pdf(app, client, leader, query, message):
    client.sign_in_as(leader)

    response = client.get(f"/reports/themed.pdf?{query}")

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert message in " ".join(response.get_data(as_text=True).split())
    with app.app_context():
        assert db.session.scalar(select(func.count(ReportDownload.id))) == 0


def test_the_reports_queries_do_not_grow_with_the_audits(app, make, council):  # noqa: F811
    def counted() -> int:
        with count_queries(app) as queries, app.app_context():
            themed.build_report(ReportScope(date(2026, 1, 1), date(2026, 6, 30)))
        return queries.count

    before = counted()
    team = make.team("Team C")
    auditor = make.user(Role.AUDITOR, team=team)
    for _ in range(3):
        audit = make.judgements(make.audit(make.case(team), auditor, tool="assessment-and-planning"), "good")
        with app.app_context():
            saved = db.session.get(Audit, audit.id)
            saved.status, saved.submitted_at = "submitted", date(2026, 5, 1)
            db.session.commit()

    assert counted() == before


def test_the_command_writes_the_report_for_a_scheduled_run(app, council, tmp_path):  # noqa: F811
    out = tmp_path / "report.pdf"

    result = app.test_cli_runner().invoke(
        args=[
            "report",
            "themed",
            "--from",
            "2026-01-01",
            "--to",
            "2026-06-30",
            "--team",
            "team a",
            "--theme",
            "Fathers' engagement",
            "--out",
            str(out),
        ]
    )

    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes(), layout=True)
    assert "Themed audit report: Fathers' engagement" in text
    assert "Team A" in text and "Team B" not in text.split("Moderation findings")[0]
    with app.app_context():
        download = db.session.scalars(select(ReportDownload)).one()
    assert (download.report, download.user_id, download.via) == ("themed-pdf", None, "command")
    assert json.loads(download.filters)["themes"] == "Fathers' engagement"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2026-07-01", "--to", "2026-06-01"], "the --to date must be the same as or after the --from date"),
        (["--from", "2026-02-30", "--to", "2026-06-01"], "does not match the format"),
        (["--from", "2026-01-01", "--to", "2026-06-01", "--team", "Nowhere"], "there is no team called 'Nowhere'"),
        (["--from", "2026-01-01", "--to", "2026-06-01", "--tool", "x"], "there is no audit tool called 'x'"),
        (["--from", "2026-01-01", "--to", "2026-06-01", "--theme", "Astrology"], "there is no theme called"),
    ],
)
def test_the_command_refuses_bad_input_clearly(app, tmp_path, arguments, message):
    out = tmp_path / "report.pdf"

    result = app.test_cli_runner().invoke(args=["report", "themed", *arguments, "--out", str(out)])

    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not out.exists()


def test_an_admin_sees_who_downloaded_which_report(app, client, make, council, leader, tmp_path):  # noqa: F811
    client.sign_in_as(leader)
    client.get(f"/reports/answers.csv?from=2026-01-01&to=2026-06-30&team={council['team_a'].id}")
    app.test_cli_runner().invoke(
        args=["report", "themed", "--from", "2026-01-01", "--to", "2026-03-31", "--out", str(tmp_path / "r.pdf")]
    )
    client.sign_in_as(make.user(Role.ADMIN))

    response = client.get("/admin/downloads")

    assert response.status_code == 200
    rows = [" ".join(row.split()) for row in response.get_data(as_text=True).split("<tr")[2:]]
    assert "Command line (scheduled run)" in rows[0] and "Themed audit report (PDF)" in rows[0]
    assert "2026-01-01 to 2026-03-31" in rows[0]
    assert "Lena Leader" in rows[1] and "Answers export (CSV)" in rows[1]
    assert "teams: Team A" in rows[1]
