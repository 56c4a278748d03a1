"""Question-level figures, per-tool overall grades and a theme counted once per audit, checked
against a small council whose numbers are worked out by hand.

Two test tools are loaded from definitions written here (so the figures do not move when the
shipped tool files change):

  "Test questions audit" (test-questions), versions 1 and 2 (version 2 rewords seen-alone),
    section voice        theme "Test voice": seen-alone (yes/no/n.a.), dash-risk (choice:
                         standard, medium, high; optional)
    section voice-again  theme "Test voice" as well: plan-shared (yes/no/n.a.)
    asks an overall grade
  "Test second audit" (test-second), one section, theme "Test second theme", asks an overall grade

Audits submitted from 1 January to 31 March 2026 (UK dates):

  audit  team  version  seen-alone  dash-risk  voice / voice-again (auditor)  overall   moderated
  a1     A     1        yes         high       good / RI                      good      -
  a2     A     1        no          standard   good / good                    good      overall RI, sections as auditor
  a3     A     1        n.a.        (blank)    n.a. / n.a.                    RI        -
  a4     B     2        yes         high       outstanding / good             inadequate -
  a5     B     2        yes         medium     inadequate / good              good      voice good, voice-again good
  b1     A     (test-second)                                                  outstanding
  b2     B     (test-second)                                                  RI

Not counted: a6 (team A, version 2, seen-alone no) submitted at 23:30 UTC on 31 March 2026, which
is 00:30 on 1 April in the UK; a7, in progress, answered yes.

By hand:
  seen-alone: yes a1 a4 a5 = 3, no a2 = 1, n.a. a3 (left out) -> 75% (3 of 4), 1 not applicable;
    team A alone: 1 of 2 = 50%
  dash-risk: high a1 a4 = 2, standard a2 = 1, medium a5 = 1 (a3 blank, left out) -> of 4: 50% 25% 25%
  overall, Test questions audit, final: good, RI (moderated), RI, inadequate, good -> 2 of 5 = 40%;
    auditors alone: good, good, RI, inadequate, good -> 3 of 5 = 60%
  overall, Test second audit: outstanding, RI -> 1 of 2 = 50%
    (blended, the two tools would give 3 of 7: never shown)
  theme "Test voice", once per audit, worst final section grade: a1 RI, a2 good, a3 n.a., a4 good
    (outstanding / good), a5 good (moderated good / good) -> 3 of 4 = 75%, 1 not applicable;
    auditors alone: a5 inadequate -> 2 of 4 = 50%. Counted by sections it would have been 7 of 8.
  by team: A a1 RI, a2 good -> 50%; B a4 good, a5 good -> 100%
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from audit.domain.tools import load_definition
from audit.extensions import db
from audit.models import (
    Answer,
    Audit,
    AuditStatus,
    AuditTool,
    AuditToolVersion,
    ModeratedSection,
    Moderation,
    QuestionOption,
    Role,
    SectionJudgement,
)
from audit.reporting import figures, measures, questions
from audit.reporting.figures import ReportScope
from tests.pages import assert_well_formed_page, page_text, pdf_text
from tests.querycount import count_queries, queries_for

Q1 = ReportScope(date(2026, 1, 1), date(2026, 3, 31))
QUERY = "from=2026-01-01&to=2026-03-31"

SCALE = {
    "key": "ofsted-4",
    "name": "Ofsted four-point scale",
    "not_applicable": "Not applicable",
    "grades": [
        {"key": "outstanding", "label": "Outstanding", "good_or_better": True},
        {"key": "good", "label": "Good", "good_or_better": True},
        {"key": "requires-improvement", "label": "Requires improvement to be good", "good_or_better": False},
        {"key": "inadequate", "label": "Inadequate", "good_or_better": False},
    ],
}
SEEN_ALONE_V1 = "Was the child seen alone during the assessment?"
SEEN_ALONE_V2 = "Was the child seen on their own at least once?"


def _question_tool(version: int) -> dict:
    return {
        "slug": "test-questions",
        "name": "Test questions audit",
        "version": version,
        "description": "A tool for these tests.",
        "asks_overall_grade": True,
        "scale": SCALE,
        "sections": [
            {
                "key": "voice",
                "title": "Voice",
                "theme": "Test voice",
                "guidance": "Guidance.",
                "questions": [
                    {
                        "key": "seen-alone",
                        "text": SEEN_ALONE_V1 if version == 1 else SEEN_ALONE_V2,
                        "guidance": "Check the visits.",
                        "answer": "yes_no_na",
                    },
                    {
                        "key": "dash-risk",
                        "text": "What risk level did the DASH risk assessment give?",
                        "guidance": "As recorded.",
                        "answer": "choice",
                        "required": False,
                        "options": [
                            {"key": "standard", "label": "Standard"},
                            {"key": "medium", "label": "Medium"},
                            {"key": "high", "label": "High"},
                        ],
                    },
                ],
            },
            {
                "key": "voice-again",
                "title": "Voice in the plan",
                "theme": "Test voice",
                "guidance": "Guidance.",
                "questions": [
                    {"key": "plan-shared", "text": "Was the plan shared?", "guidance": "Look.", "answer": "yes_no_na"},
                ],
            },
        ],
    }


SECOND_TOOL = {
    "slug": "test-second",
    "name": "Test second audit",
    "version": 1,
    "description": "Another tool for these tests.",
    "asks_overall_grade": True,
    "scale": SCALE,
    "sections": [
        {
            "key": "only",
            "title": "Only section",
            "theme": "Test second theme",
            "guidance": "Guidance.",
            "questions": [{"key": "only-grade", "text": "How good?", "guidance": "Grade it.", "answer": "grade"}],
        }
    ],
}


class Council:
    """Builds audits with known answers, grades and moderation."""

    def __init__(self, app, make):
        self.app, self.make = app, make
        self.team_a, self.team_b = make.team("Question Team A"), make.team("Question Team B")
        self.auditor = make.user(Role.AUDITOR, team=make.team("Auditors' team"), name="Auditor Q")
        self.moderator = make.user(Role.MODERATOR, name="Moderator Q")
        self.leader = make.user(Role.LEADER, name="Leader Q")
        with app.app_context():
            for definition in (_question_tool(1), _question_tool(2), SECOND_TOOL):
                load_definition(definition, "test")
            db.session.commit()

    def _version_id(self, slug: str, version: int) -> int:
        return db.session.scalar(
            select(AuditToolVersion.id)
            .join(AuditTool)
            .where(AuditTool.slug == slug, AuditToolVersion.version == version)
        )

    def audit(self, team, *, slug="test-questions", version=1, answers=None, grades=None, overall=None,
              submitted=datetime(2026, 2, 10, 12), status=AuditStatus.SUBMITTED) -> int:  # fmt: skip
        """An audit with answers ({question key: "yes" | "no" | "na" | option key}), section grades
        ({section key: grade key | "na"}) and an overall grade key."""
        case = self.make.case(team)
        with self.app.app_context():
            version_id = self._version_id(slug, version)
            tool_version = db.session.get(AuditToolVersion, version_id)
            grade_ids = {grade.key: grade.id for grade in tool_version.scale.grades}
            audit = Audit(
                case_id=case.id,
                team_id=team.id,
                tool_version_id=version_id,
                auditor_id=self.auditor.id,
                created_by_id=self.auditor.id,
                status=status.value,
                submitted_at=submitted if status.is_locked else None,
                overall_grade_id=grade_ids[overall] if overall else None,
            )
            db.session.add(audit)
            db.session.flush()
            questions_by_key = {q.key: q for section in tool_version.sections for q in section.questions}
            for key, value in (answers or {}).items():
                question = questions_by_key[key]
                option_id = db.session.scalar(
                    select(QuestionOption.id).where(
                        QuestionOption.question_id == question.id, QuestionOption.key == value
                    )
                )
                db.session.add(
                    Answer(
                        audit_id=audit.id,
                        question_id=question.id,
                        choice=value if question.answer_type == "yes_no_na" else None,
                        option_id=option_id,
                    )
                )
            for section in tool_version.sections:
                grade = (grades or {}).get(section.key)
                if grade:
                    db.session.add(
                        SectionJudgement(
                            audit_id=audit.id,
                            section_id=section.id,
                            grade_id=None if grade == "na" else grade_ids[grade],
                            not_applicable=grade == "na",
                            evidence="Evidence.",
                        )
                    )
            db.session.commit()
            return audit.id

    def moderate(self, audit_id: int, grades: dict[str, str], overall: str) -> None:
        with self.app.app_context():
            audit = db.session.get(Audit, audit_id)
            grade_ids = {grade.key: grade.id for grade in audit.tool_version.scale.grades}
            moderation = Moderation(
                audit_id=audit_id, moderator_id=self.moderator.id, overall_grade_id=grade_ids[overall]
            )
            for section in audit.tool_version.sections:
                moderation.section_grades.append(
                    ModeratedSection(section_id=section.id, grade_id=grade_ids[grades[section.key]], agrees=True)
                )
            db.session.add(moderation)
            audit.status = AuditStatus.MODERATED.value
            audit.moderated_at = audit.submitted_at
            db.session.commit()


RI = "requires-improvement"


@pytest.fixture
def council(app, make) -> Council:
    council = Council(app, make)
    a, b = council.team_a, council.team_b
    council.audit(a, answers={"seen-alone": "yes", "dash-risk": "high"}, grades={"voice": "good", "voice-again": RI},
                  overall="good", submitted=datetime(2026, 1, 1, 0, 30))  # fmt: skip
    a2 = council.audit(a, answers={"seen-alone": "no", "dash-risk": "standard"},
                       grades={"voice": "good", "voice-again": "good"}, overall="good")  # fmt: skip
    council.moderate(a2, {"voice": "good", "voice-again": "good"}, overall=RI)
    council.audit(a, answers={"seen-alone": "na"}, grades={"voice": "na", "voice-again": "na"}, overall=RI)
    council.audit(b, version=2, answers={"seen-alone": "yes", "dash-risk": "high"},
                  grades={"voice": "outstanding", "voice-again": "good"}, overall="inadequate")  # fmt: skip
    a5 = council.audit(b, version=2, answers={"seen-alone": "yes", "dash-risk": "medium"},
                       grades={"voice": "inadequate", "voice-again": "good"}, overall="good",
                       submitted=datetime(2026, 3, 31, 22, 59))  # fmt: skip
    council.moderate(a5, {"voice": "good", "voice-again": "good"}, overall="good")
    council.audit(a, slug="test-second", grades={"only": "good"}, overall="outstanding")
    council.audit(b, slug="test-second", grades={"only": "good"}, overall=RI)
    # Not counted: 1 April in the UK (BST), and an audit still in progress.
    council.audit(a, version=2, answers={"seen-alone": "no"}, grades={"voice": RI, "voice-again": RI},
                  overall=RI, submitted=datetime(2026, 3, 31, 23, 30))  # fmt: skip
    council.audit(a, answers={"seen-alone": "yes"}, status=AuditStatus.IN_PROGRESS)
    return council


def _question(found, key):
    return next(figure for figure in found if (figure.tool_slug, figure.key) == ("test-questions", key))


# The figures, by hand -----------------------------------------------------------------------------


def test_a_yes_no_question_gives_the_percent_answering_yes_across_tool_versions(app, council):
    with app.app_context():
        found = questions.question_figures(Q1)
        team_a = questions.question_figures(ReportScope(Q1.start, Q1.end, team_ids=(council.team_a.id,)))
    seen = _question(found, "seen-alone")
    # Versions 1 and 2 are one figure, named as the newest version asks it.
    assert seen.text == SEEN_ALONE_V2 and seen.tool_name == "Test questions audit"
    assert (seen.yes.count, seen.yes.of, seen.yes.percent, seen.not_applicable) == (3, 4, 75.0, 1)
    assert [(share.key, share.count) for share in seen.shares] == [("yes", 3), ("no", 1)]
    assert seen.theme == "Test voice"
    # Team A alone: a1 yes, a2 no (a3 not applicable).
    assert _question(team_a, "seen-alone").yes.percent == 50.0


def test_a_choice_question_gives_each_options_share(app, council):
    with app.app_context():
        dash = _question(questions.question_figures(Q1), "dash-risk")
    assert [(share.label, share.count, share.of, share.percent) for share in dash.shares] == [
        ("Standard", 1, 4, 25.0),
        ("Medium", 1, 4, 25.0),
        ("High", 2, 4, 50.0),
    ]
    assert dash.yes is None
    assert dash.figure_key("high") == "question:test-questions:dash-risk:high"


def test_overall_grades_are_per_tool_never_blended(app, council):
    with app.app_context():
        by_tool = {tool.slug: tool for tool in figures.overall_grades_by_tool(Q1)}
    # Only the two test tools have audits in the period.
    assert set(by_tool) == {"test-questions", "test-second"}
    first = by_tool["test-questions"].grades
    assert first.name == "Test questions audit"
    assert (first.good_or_better, first.graded, first.percent_good_or_better) == (2, 5, 40.0)
    assert (first.auditor_good_or_better, first.auditor_graded, first.auditor_percent_good_or_better) == (3, 5, 60.0)
    second = by_tool["test-second"].grades
    assert (second.good_or_better, second.graded, second.percent_good_or_better) == (1, 2, 50.0)


def test_a_theme_counts_once_per_audit_with_its_worst_final_grade(app, council):
    with app.app_context():
        themes = {distribution.name: distribution for distribution in figures.theme_grades(Q1)}
        by_team = figures.theme_by_team(Q1)
        trend = figures.theme_trend(Q1, by="quarter")
    voice = themes["Test voice"]
    assert [(grade.key, grade.count) for grade in voice.grades] == [("good", 3), (RI, 1)]
    assert (voice.graded, voice.not_applicable, voice.percent_good_or_better) == (4, 1, 75.0)
    assert (voice.auditor_good_or_better, voice.auditor_graded) == (2, 4)
    rows = {row.group: (row.good_or_better, row.graded) for row in by_team if row.theme == "Test voice"}
    assert rows == {"Question Team A": (1, 2), "Question Team B": (2, 2)}
    assert [(row.group, row.good_or_better, row.graded, row.auditor_good_or_better) for row in trend
            if row.theme == "Test voice"] == [("2026 Q1", 3, 4, 2)]  # fmt: skip


# The dashboard, the themed PDF and the CSV show them ----------------------------------------------


def test_the_dashboard_shows_question_figures_and_each_tools_overall_grades(app, client, council):
    client.sign_in_as(council.leader)
    response = client.get(f"/reports/?{QUERY}")
    page = assert_well_formed_page(response)
    text = page_text(page)

    assert "Question-level figures" in text
    table = page.select_one('div[aria-label="Question-level figures: Test questions audit"]')
    rows = [page_text(str(row)) for row in table.select("tbody tr")]
    # Every figure over fewer than 10 carries the caution (issue 14).
    assert f"{SEEN_ALONE_V2} (Test voice) Yes 75% (3 of 4) — few to count 1 not applicable" in rows
    assert (
        "What risk level did the DASH risk assessment give? (Test voice) Standard 25% (1 of 4) — few to count" in rows
    )
    assert "Medium 25% (1 of 4) — few to count" in rows and "High 50% (2 of 4) — few to count" in rows
    # Each tool's overall grades under its own name; the blend (3 of 7, 42.9%) is not among them.
    # (The equality figures count every audit's own overall grade together, and say so: issue 14.)
    overall = text[
        text.index("Overall grades Per audit tool") : text.index("Good or better by the child’s characteristics")
    ]
    assert "Test questions audit 40% (2 of 5) — few to count (auditors’ grades alone: 60%, 3 of 5)" in overall
    assert "Test second audit 50% (1 of 2) — few to count" in overall
    assert "42.9%" not in overall
    # The theme counts audits, and the definitions say so.
    assert "Test voice 75% (3 of 4) — few to count (auditors’ grades alone: 50%, 2 of 4)" in text
    assert "Theme figures count audits" in text and "Question figures count audits" in text


def test_the_themed_pdf_shows_each_themes_question_figures_and_each_tools_overall(app, client, council):
    client.sign_in_as(council.leader)
    response = client.get(f"/reports/themed.pdf?{QUERY}")
    assert response.status_code == 200
    text = " ".join(pdf_text(response.data).split())

    rows = " ".join(pdf_text(response.data, layout=True).split())

    # The theme's page lists its questions' figures (read row by row from the laid-out text).
    assert "What the questions found" in text
    assert f"{SEEN_ALONE_V2} Yes 75% (3 of 4)" in rows and "1 not applicable" in text
    assert "What risk level did the DASH risk assessment give? Standard 25% (1 of 4)" in rows
    assert "Medium 25% (1 of 4)" in rows and "High 50% (2 of 4)" in rows
    assert "Test questions audit: 40% of audits were judged good or better overall" in text
    assert "Test second audit: 50% of audits were judged good or better overall" in text
    assert "good or better, 3 of 4 audits graded (1 not applicable)" in text
    assert "Unit: audits" in text and "Unit: sections" in text
    assert "42.9% of audits" not in text  # the equality chapter counts tools together, and says so


def test_the_answers_csv_names_a_chosen_option(app, client, council):
    client.sign_in_as(council.leader)
    response = client.get(f"/reports/answers.csv?{QUERY}")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    dash = [row["answer"] for row in rows if row["question"].startswith("What risk level")]
    assert sorted(dash) == ["High", "High", "Medium", "Standard"]


# Plan measures bound to them ----------------------------------------------------------------------


def _measure(make, council, figure: str):
    return make.measure(make.priority(council.leader), figure=figure, theme=None, target_value=80.0,
                        baseline_value=50.0, baseline_on=date(2026, 1, 1), target_on=date(2026, 12, 31))  # fmt: skip


def _evaluate(app, measure):
    from audit.models import Measure

    with app.app_context():
        saved = db.session.get(Measure, measure.id)
        return measures.evaluate(saved, themes=[], on=date(2026, 3, 31))  # window: 1 January to 31 March


def test_a_plan_measure_bound_to_a_question_figure(app, client, make, council):
    key = "question:test-questions:seen-alone:yes"
    with app.app_context():
        assert key in measures.FIGURES  # offered
        assert "question:test-questions:dash-risk:high" in dict(measures.FIGURES.items())
    result = _evaluate(app, _measure(make, council, key))
    assert (result.value, result.reading.count, result.reading.part) == (75.0, 4, 3)
    assert result.reading.basis == "4 audits answering yes or no"
    assert result.status == measures.Status.ON_TRACK  # 75% against a line at about 57% on 31 March
    choice = _evaluate(app, _measure(make, council, "question:test-questions:dash-risk:high"))
    assert (choice.value, choice.reading.count) == (50.0, 4)
    gone = _evaluate(app, _measure(make, council, "question:test-questions:no-such-question:yes"))
    assert gone.status == measures.Status.PROBLEM

    # A leader binds one on the form, and the plan page shows its value.
    client.sign_in_as(council.leader)
    priority = make.priority(council.leader, title="Children seen alone")
    form = client.get_page(f"/plan/priorities/{priority.id}/measures/new")
    offered = {option["value"]: option.get_text() for option in form.select("select[name=question] option")}
    assert offered[key] == f"% of audits answering yes: Test questions audit: {SEEN_ALONE_V2}"
    assert form.select_one(f'input[name=figure][value="{key}"]') is None  # the long list is a select, not radios
    assert form.select_one('input[name=figure][value="overall:test-questions"]') is not None
    unchosen = client.post(
        f"/plan/priorities/{priority.id}/measures/new",
        data={"title": "No question", "figure": "question", "question": "", "window_months": "3"},
    )
    assert "Select the question the measure counts" in page_text(unchosen)
    response = client.post(
        f"/plan/priorities/{priority.id}/measures/new",
        data={
            "title": "80% of children seen alone",
            "figure": "question",
            "question": key,
            "theme": "",
            "window_months": "3",
            "baseline_value": "50",
            "baseline_on": ["1", "1", "2026"],
            "target_value": "80",
            "target_on": ["31", "12", "2026"],
        },
    )  # fmt: skip
    assert response.status_code == 302, page_text(response)
    from audit.models import Measure

    with app.app_context():
        saved = db.session.scalar(select(Measure).where(Measure.title == "80% of children seen alone"))
        assert saved.figure == key


def test_a_plan_measure_of_one_tools_overall_grade_and_the_old_blended_one(app, make, council):
    one_tool = _evaluate(app, _measure(make, council, "overall:test-questions"))
    assert (one_tool.value, one_tool.reading.auditor_value, one_tool.reading.count) == (40.0, 60.0, 5)
    # A measure bound before overall grades were per tool: the audits counted come from two tools.
    blended = _evaluate(app, _measure(make, council, "overall_good_or_better"))
    assert blended.status == measures.Status.PROBLEM and blended.value is None
    assert "more than one audit tool (Test questions audit, Test second audit)" in blended.problem
    with app.app_context():
        assert "overall_good_or_better" not in dict(measures.FIGURES.items())  # no longer offered


# Queries do not grow with the data ----------------------------------------------------------------


def test_the_figures_and_dashboard_send_the_same_queries_for_more_audits(app, client, council):
    client.sign_in_as(council.leader)

    def counted() -> tuple[int, int, int]:
        with count_queries(app) as question_queries, app.app_context():
            questions.question_figures(Q1)
        with count_queries(app) as overall_queries, app.app_context():
            figures.overall_grades_by_tool(Q1)
        return question_queries.count, overall_queries.count, queries_for(app, client, f"/reports/?{QUERY}").count

    few = counted()
    for _ in range(6):
        council.audit(council.team_b, version=2, answers={"seen-alone": "no", "dash-risk": "medium"},
                      grades={"voice": "good", "voice-again": RI}, overall=RI)  # fmt: skip
    many = counted()
    assert few == many
    assert few[0] == 2 and few[1] == 1
    with app.app_context():
        assert _question(questions.question_figures(Q1), "seen-alone").yes.of == 10  # the six were counted
