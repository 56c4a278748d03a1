"""The quality lead's voice in the themed report (issue 14): each theme's analysis and "what we are
doing", versioned per report scope; quotes chosen or excluded, with a quote from another theme or
outside the scope refused; only chosen quotes printed; actions under one theme only; the movement
and trend fixes. Checked on the hand-worked council of tests/test_report_figures.py."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import AccessLogEntry, QuoteChoice, Role, SectionJudgement, ThemeNarrative, ToolSection
from audit.reporting import evidence, narrative, themed
from audit.reporting.figures import ReportScope
from tests.pages import page_text, parse, pdf_text
from tests.test_report_figures import council  # noqa: F401  (the hand-worked fixture)

JAN_TO_JUNE = ReportScope(date(2026, 1, 1), date(2026, 6, 30))
QUERY = "from=2026-01-01&to=2026-06-30"


@pytest.fixture
def leader(make):
    return make.user(Role.LEADER, name="Lena Leader")


def _judgement(app, theme: str, evidence_text: str | None = None) -> int:
    with app.app_context():
        query = (
            select(SectionJudgement.id)
            .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
            .where(ToolSection.theme == theme, SectionJudgement.evidence.is_not(None))
            .order_by(SectionJudgement.id)
        )
        return db.session.scalars(query).first()


def _theme_prefix(page, theme: str) -> str:
    heading = next(h for h in parse(page).select("section h2") if h.get_text(strip=True) == theme)
    return heading["id"].removeprefix("theme-").removesuffix("-title")


def _save(client, page, theme: str, analysis: str, doing: str, version: str = "0"):
    prefix = _theme_prefix(page, theme)
    return client.post(
        f"/reports/narrative?{QUERY}",
        data={
            "which": prefix,
            f"{prefix}-theme": theme,
            f"{prefix}-version": version,
            f"{prefix}-analysis": analysis,
            f"{prefix}-doing": doing,
        },
    )


def test_the_lead_writes_versions_and_they_appear_in_the_pdf_escaped(app, client, council, leader):  # noqa: F811
    client.sign_in_as(leader)
    page = client.get(f"/reports/narrative?{QUERY}")
    assert page.status_code == 200
    assert "Fathers' engagement" in page_text(page)

    first = _save(client, page, "Fathers' engagement", "Fathers are named but rarely <b>seen</b>.", "Training in May.")
    assert first.status_code == 302
    second = _save(client, page, "Fathers' engagement", "Fathers are now seen in most cases.", "Training done.", "1")
    assert second.status_code == 302

    with app.app_context():
        rows = db.session.scalars(select(ThemeNarrative).order_by(ThemeNarrative.version)).all()
        assert [(row.version, row.analysis, row.written_by_id) for row in rows] == [
            (1, "Fathers are named but rarely <b>seen</b>.", leader.id),
            (2, "Fathers are now seen in most cases.", leader.id),
        ]
    history = client.get(f"/reports/narrative?{QUERY}")
    assert "History: 2 versions" in page_text(history)
    assert "Fathers are named but rarely &lt;b&gt;seen&lt;/b&gt;." in history.text  # escaped, kept

    text = pdf_text(client.get(f"/reports/themed.pdf?{QUERY}").data)
    assert "Fathers are now seen in most cases." in text
    assert "Training done." in text
    assert "Written by Lena Leader" in text and "(version 2)" in text
    assert "rarely" not in text  # only the latest version is printed
    # Another period's report does not print these words.
    other = pdf_text(client.get("/reports/themed.pdf?from=2026-01-01&to=2026-03-31").data)
    assert "Fathers are now seen" not in other


def test_a_stale_save_is_a_conflict_that_keeps_what_was_typed(app, client, council, leader, make):  # noqa: F811
    client.sign_in_as(leader)
    page = client.get(f"/reports/narrative?{QUERY}")
    assert _save(client, page, "Child's voice", "First words.", "").status_code == 302

    stale = _save(client, page, "Child's voice", "My words from an old tab.", "Doing this.", "0")

    assert stale.status_code == 409
    assert "Someone saved this theme after you opened the page" in page_text(stale)
    assert "My words from an old tab." in page_text(stale)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ThemeNarrative)) == 1


def test_an_invalid_field_keeps_what_was_typed(app, client, council, leader):  # noqa: F811
    client.sign_in_as(leader)
    page = client.get(f"/reports/narrative?{QUERY}")
    too_long = "x" * (narrative.TEXT_LIMIT + 1)

    refused = _save(client, page, "Child's voice", too_long, "Kept words about what we do.")

    assert refused.status_code == 400
    assert f"Analysis must be {narrative.TEXT_LIMIT:,} characters or fewer" in page_text(refused)
    assert "Kept words about what we do." in page_text(refused)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ThemeNarrative)) == 0


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.MODERATOR, Role.PRACTITIONER, Role.SUPERVISOR])
def test_only_leaders_write(app, client, council, make, role):  # noqa: F811
    client.sign_in_as(make.user(role))
    assert client.get(f"/reports/narrative?{QUERY}").status_code == 403
    response = client.post(
        f"/reports/narrative?{QUERY}", data={"which": "t1", "t1-theme": "Child's voice", "t1-version": "0"}
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ThemeNarrative)) == 0


def test_chosen_quotes_only_are_printed_and_logged(app, client, council, leader):  # noqa: F811
    client.sign_in_as(leader)
    before = pdf_text(client.get(f"/reports/themed.pdf?{QUERY}").data)
    assert "Auditor's evidence for Fathers' engagement." not in before
    assert "No area for development has been chosen to quote for this theme." in before

    with app.app_context():
        suggested = evidence.theme_evidence(JAN_TO_JUNE)["Fathers' engagement"].areas[0]
    response = client.post(
        f"/reports/narrative/quote?{QUERY}",
        data={"theme": "Fathers' engagement", "judgement": suggested.judgement_id, "choice": "chosen"},
    )
    assert response.status_code == 302
    with app.app_context():
        db.session.execute(select(AccessLogEntry)).all()
        logged_before = db.session.scalar(select(func.count()).where(AccessLogEntry.action == "export"))

    after = pdf_text(client.get(f"/reports/themed.pdf?{QUERY}").data)
    assert "Auditor's evidence for Fathers' engagement." in after
    with app.app_context():
        logged = db.session.scalars(
            select(AccessLogEntry.record_id).where(AccessLogEntry.action == "export").offset(logged_before)
        ).all()
    assert suggested.audit_id in logged  # the quoted audit is logged as exported


def test_a_quote_from_another_theme_is_refused(app, client, council, leader):  # noqa: F811
    client.sign_in_as(leader)
    voice = _judgement(app, "Child's voice")

    response = client.post(
        f"/reports/narrative/quote?{QUERY}",
        data={"theme": "Fathers' engagement", "judgement": voice, "choice": "chosen"},
    )

    assert response.status_code == 400
    # And one from outside the period.
    outside = client.post(
        "/reports/narrative/quote?from=2026-03-01&to=2026-03-31",
        data={"theme": "Child's voice", "judgement": voice, "choice": "chosen"},
    )
    assert outside.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuoteChoice)) == 0
        with pytest.raises(narrative.QuoteMismatch):
            narrative.choose_quote(JAN_TO_JUNE, "Domestic abuse", voice, True, leader.id)


def test_an_excluded_quote_is_no_longer_suggested(app, client, council, leader):  # noqa: F811
    client.sign_in_as(leader)
    with app.app_context():
        quote = evidence.theme_evidence(JAN_TO_JUNE)["Fathers' engagement"].areas[0]
    client.post(
        f"/reports/narrative/quote?{QUERY}",
        data={"theme": "Fathers' engagement", "judgement": quote.judgement_id, "choice": "excluded"},
    )
    page = client.get(f"/reports/narrative?{QUERY}")
    assert "1 excluded." in page_text(page)
    with app.app_context():
        viewed = set(
            db.session.scalars(
                select(AccessLogEntry.record_id).where(
                    AccessLogEntry.action == "view", AccessLogEntry.user_id == leader.id
                )
            )
        )
        shown = evidence.theme_evidence(JAN_TO_JUNE, per_theme=5)
    # Every audit whose evidence the page shows is logged as viewed, and only those.
    quoted = {q.audit_id for found in shown.values() for q in (*found.strengths, *found.areas)}
    assert viewed and viewed <= quoted
    with app.app_context():
        assert narrative.quote_choices(JAN_TO_JUNE) == {("Fathers' engagement", quote.judgement_id): False}
        assert narrative.chosen_quotes(JAN_TO_JUNE) == {}


def test_actions_are_shown_under_one_theme_only(app, council):  # noqa: F811
    # Audit 1's lowest final grade is management oversight (inadequate), audit 2's culture
    # (inadequate): each audit's two actions go under that theme alone.
    with app.app_context():
        found = evidence.theme_actions(JAN_TO_JUNE)
        examples = evidence.theme_action_examples(JAN_TO_JUNE)
        report = themed.build_report(JAN_TO_JUNE)
    assert set(found) == {"Management oversight and supervision", "Culture, religion and identity"}
    assert found["Management oversight and supervision"].total == 2
    assert found["Culture, religion and identity"].total == 2
    assert sum(len(items) for items in examples.values()) == 4  # four actions, each listed once
    by_name = {theme.name: theme for theme in report.themes}
    assert by_name["Fathers' engagement"].actions is None


def test_no_previous_audits_says_so_once_not_on_every_row(app, client, council, leader):  # noqa: F811
    client.sign_in_as(leader)
    text = pdf_text(client.get("/reports/themed.pdf?from=2026-01-01&to=2026-12-31").data)
    assert "no earlier figure" not in text
    assert "No audits were completed in the previous period (1 January 2025 to 31 December 2025)" in text


def test_a_trend_period_the_dates_barely_cover_is_not_charted(app, council):  # noqa: F811
    # 1 February to 5 April, by month: April's column would hold 5 of its 30 days (audit 3, on
    # 5 April), so it is left off the chart, and said to be; the audit still counts in the figures.
    with app.app_context():
        report = themed.build_report(ReportScope(date(2026, 2, 1), date(2026, 4, 5)))
    assert report.trend_by == "month"
    assert report.trend_left_off == ["2026-04"]
    assert all(row.group != "2026-04" for theme in report.themes for row in theme.trend)
    fathers = {theme.name: theme for theme in report.themes}["Fathers' engagement"]
    assert (fathers.grades.graded, [row.group for row in fathers.trend]) == (2, ["2026-01", "2026-02"])
