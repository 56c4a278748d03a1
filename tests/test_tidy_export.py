"""The tidy exports reproduce the dashboard: the audits and section judgements downloaded through
the service are enough to work out every headline figure again with plain Python, and the result
agrees with the figure functions and with the numbers the dashboard shows.

The council is tests/test_question_figures.py's, worked out by hand there: two audit tools (so
overall grades per tool), a theme shared by two sections of one tool (counted once per audit, with
the worst final grade), moderated audits whose final grades differ from the auditors', an audit
submitted at 00:30 UK time on the first day of the period and one at 00:30 on the day after it.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path

from sqlalchemy import func, select

from audit.extensions import db
from audit.models import AccessLogEntry, ReportDownload, Role
from audit.reporting import agreement, dictionary, figures, tidy_export
from audit.templating import format_percent
from tests.pages import assert_well_formed_page, page_text
from tests.querycount import count_queries
from tests.test_question_figures import Q1, QUERY, RI, council  # noqa: F401  (the fixture)

NOT_APPLICABLE = "Not applicable"


def _rows(client, path: str, query: str = QUERY) -> list[dict[str, str]]:
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _themes_from(judgements: list[dict[str, str]]) -> dict[str, dict[str, int]]:
    """The data dictionary's recipe, in plain Python: per theme, audits graded, good or better
    (final and auditors' alone) and not applicable, each audit once per theme."""
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in judgements:
        groups[row["audit_id"], row["theme"]].append(row)
    themes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (_audit, theme), rows in groups.items():
        final = [row["final_good_or_better"] for row in rows if row["final_good_or_better"]]
        auditors = [row["auditor_good_or_better"] for row in rows if row["auditor_good_or_better"]]
        counts = themes[theme]
        if final:
            counts["graded"] += 1
            counts["good"] += all(flag == "yes" for flag in final)
        elif all(row["final_not_applicable"] == "yes" for row in rows):
            counts["not_applicable"] += 1
        if auditors:
            counts["auditor_graded"] += 1
            counts["auditor_good"] += all(flag == "yes" for flag in auditors)
    return themes


def _tools_from(audits: list[dict[str, str]]) -> dict[str, tuple[int, int]]:
    tools: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in audits:
        if row["final_overall_good_or_better"]:
            tools[row["tool"]][0] += row["final_overall_good_or_better"] == "yes"
            tools[row["tool"]][1] += 1
    return {tool: (good, graded) for tool, (good, graded) in tools.items()}


def test_the_dashboard_is_recomputed_from_the_exports_alone(app, client, council):  # noqa: F811
    client.sign_in_as(council.leader)
    audits = _rows(client, "/reports/audits.csv")
    judgements = _rows(client, "/reports/judgements.csv")
    assert tuple(audits[0]) == tidy_export.AUDIT_HEADER and tuple(judgements[0]) == tidy_export.JUDGEMENT_HEADER

    # The scope: seven audits completed in the quarter on UK dates (the one at 00:30 on 1 April is not).
    assert len(audits) == 7 and len({row["audit_id"] for row in judgements}) == 7
    assert audits[0]["submitted_on"] == "2026-01-01"  # 00:30 UTC on 1 January: the UK date too
    assert {row["submitted_on"] for row in audits} <= {f"2026-{m:02d}-{d:02d}" for m in (1, 2, 3) for d in range(1, 32)}

    themes = _themes_from(judgements)
    tools = _tools_from(audits)
    moderated = sum(row["moderated"] == "yes" for row in audits)
    pairs = [
        row
        for row in judgements
        if row["section_moderated"] == "yes"
        and row["auditor_grade"] not in ("", NOT_APPLICABLE)
        and row["moderated_grade"] not in ("", NOT_APPLICABLE)
    ]
    exact = sum(row["auditor_grade"] == row["moderated_grade"] for row in pairs)

    with app.app_context():
        theme_figures = {found.name: found for found in figures.theme_grades(Q1)}
        tool_figures = {tool.slug: tool.grades for tool in figures.overall_grades_by_tool(Q1)}
        counts = figures.audit_counts(Q1)
        agreed = agreement.moderation_agreement(Q1)

    # Per theme, from the judgements: the figure functions' counts, final and auditors' alone.
    assert set(themes) == set(theme_figures)
    for theme, found in theme_figures.items():
        mine = themes[theme]
        assert (mine["good"], mine["graded"], mine["not_applicable"]) == (
            found.good_or_better,
            found.graded,
            found.not_applicable,
        ), theme
        assert (mine["auditor_good"], mine["auditor_graded"]) == (found.auditor_good_or_better, found.auditor_graded)
        assert _percent(mine["good"], mine["graded"]) == found.percent_good_or_better
    # The shared theme counts audits, with the worst final grade: 3 of 4 (by sections, 7 of 8).
    assert (themes["Test voice"]["good"], themes["Test voice"]["graded"]) == (3, 4)
    # Moderation moved it: the auditors' grades alone give 2 of 4.
    assert (themes["Test voice"]["auditor_good"], themes["Test voice"]["auditor_graded"]) == (2, 4)

    # Overall grades per tool, from the audits: never blended.
    assert tools == {slug: (grades.good_or_better, grades.graded) for slug, grades in tool_figures.items()}
    assert tools == {"test-questions": (2, 5), "test-second": (1, 2)}
    # Final overall grades differ from the auditors' where a moderator re-graded (a2: good -> RI).
    changed = [row for row in audits if row["auditor_overall_grade"] != row["final_overall_grade"]]
    assert [(row["auditor_overall_grade"], row["final_overall_grade"]) for row in changed] == [
        ("Good", "Requires improvement to be good")
    ]

    # Moderation counts and agreement.
    assert (len(audits), moderated) == (counts.completed, counts.moderated) == (7, 2)
    assert (len(pairs), exact) == (agreed.pairs, agreed.exact)

    # The dashboard shows the same numbers: each theme's and each tool's percentage beside its name.
    response = client.get(f"/reports/?{QUERY}")
    text = page_text(assert_well_formed_page(response))
    for theme, mine in themes.items():
        shown = format_percent(_percent(mine["good"], mine["graded"]))
        assert re.search(re.escape(theme) + r"\W[^%]{0,80}?" + re.escape(shown), text), (theme, shown)
    for name, slug in (("Test questions audit", "test-questions"), ("Test second audit", "test-second")):
        shown = format_percent(_percent(*tools[slug]))
        assert re.search(re.escape(name) + r"\W[^%]{0,120}?" + re.escape(shown), text), (name, shown)


def test_the_exports_honour_the_theme_and_team_filters(app, client, council):  # noqa: F811
    client.sign_in_as(council.leader)
    voice = _rows(client, "/reports/judgements.csv", QUERY + "&theme=Test+voice")
    assert voice and {row["theme"] for row in voice} == {"Test voice"}
    # Only audits whose tool covers the theme: the second tool's two audits are left out.
    audits = _rows(client, "/reports/audits.csv", QUERY + "&theme=Test+voice")
    assert {row["tool"] for row in audits} == {"test-questions"} and len(audits) == 5
    team_a = _rows(client, "/reports/audits.csv", QUERY + f"&team={council.team_a.id}")
    assert {row["team"] for row in team_a} == {"Question Team A"} and len(team_a) == 4


def test_each_audit_exported_is_logged_and_the_download_recorded(app, client, council):  # noqa: F811
    client.sign_in_as(council.leader)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AccessLogEntry))
    audits = _rows(client, "/reports/audits.csv")
    _rows(client, "/reports/judgements.csv")
    with app.app_context():
        logged = db.session.scalars(
            select(AccessLogEntry.record_id).where(
                AccessLogEntry.action == "export", AccessLogEntry.user_id == council.leader.id
            )
        ).all()
        assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == before + 2 * len(audits)
        downloads = db.session.scalars(select(ReportDownload.report).order_by(ReportDownload.id)).all()
    assert sorted(logged) == sorted([int(row["audit_id"]) for row in audits] * 2)
    assert downloads[-2:] == ["audits-csv", "judgements-csv"]


def test_a_cell_that_would_be_a_formula_is_made_text(app, client, make):
    team = make.team('=HYPERLINK("http://example.org")')
    auditor = make.user(Role.AUDITOR, team=team)
    leader = make.user(Role.LEADER)
    from audit.models import AuditStatus

    make.judgements(make.audit(make.case(team), auditor, status=AuditStatus.SUBMITTED))
    client.sign_in_as(leader)
    for path in ("/reports/audits.csv", "/reports/judgements.csv"):
        rows = _rows(client, path, "")
        assert rows and all(row["team"] == '\'=HYPERLINK("http://example.org")' for row in rows)


def test_the_exports_send_the_same_queries_for_more_audits(app, client, council):  # noqa: F811
    client.sign_in_as(council.leader)

    def queries(path: str) -> int:
        with count_queries(app) as counted:
            assert client.get(f"{path}?{QUERY}").status_code == 200
        return counted.count

    before = {path: queries(path) for path in ("/reports/audits.csv", "/reports/judgements.csv")}
    for _ in range(6):
        council.audit(council.team_b, grades={"voice": "good", "voice-again": RI}, overall="good")
    assert {path: queries(path) for path in before} == before


def test_the_data_dictionary_defines_every_column_and_is_the_file_in_docs(client, make):
    for item in dictionary.EXPORTS:
        assert item.header == dictionary.headers()[item.path], item.path
        assert all(column.meaning and column.values for column in item.columns)
    written = Path(__file__).parent.parent / "docs" / "data-dictionary.md"
    assert written.read_text() == dictionary.markdown(), "run: python -c 'from audit.reporting import dictionary'"

    client.sign_in_as(make.user(Role.LEADER))
    page = assert_well_formed_page(client.get("/reports/data-dictionary"))
    text = page_text(page)
    for item in dictionary.EXPORTS:
        assert item.path in text
        for column in item.columns:
            assert page.find("code", string=column.name), column.name
    assert "% good or better for a theme" in text and "worst final grade" in text
    # The dashboard links each download and the dictionary, with a line saying what it is.
    dashboard = assert_well_formed_page(client.get("/reports/"))
    hrefs = [link["href"] for link in dashboard.select("a[href]")]
    assert any(href.startswith("/reports/audits.csv") for href in hrefs)
    assert any(href.startswith("/reports/judgements.csv") for href in hrefs)
    assert "/reports/data-dictionary" in hrefs
