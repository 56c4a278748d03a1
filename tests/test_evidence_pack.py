"""The inspection evidence pack (issue 14): one part per judgement area with what we know, how we
know it and what we are doing, and the case references behind the figures; as a PDF and as a Word
document, each read back here, with the figures the figure functions give. Checked on the
hand-worked council of tests/test_report_figures.py (its tools evidence "help and protection")."""

from __future__ import annotations

import json
from datetime import date
from io import BytesIO

import pytest
from docx import Document
from sqlalchemy import select

from audit.extensions import db
from audit.models import AccessLogEntry, Audit, AuditTool, Case, Measure, Priority, ReportDownload, Role
from audit.reporting import agreement, evidence_pack, figures
from audit.reporting.figures import ReportScope
from tests.pages import pdf_text
from tests.querycount import count_queries
from tests.test_report_figures import council  # noqa: F401  (the hand-worked fixture)

JAN_TO_JUNE = ReportScope(date(2026, 1, 1), date(2026, 6, 30))
QUERY = "from=2026-01-01&to=2026-06-30"
HELP = "The experiences and progress of children who need help and protection"


@pytest.fixture
def leader(make):
    return make.user(Role.LEADER, name="Lena Leader")


@pytest.fixture
def plan(app, council, leader):  # noqa: F811
    with app.app_context():
        priority = Priority(
            title="Fathers seen and assessed",
            owner_id=leader.id,
            target_date=date(2027, 3, 31),
            created_by_id=leader.id,
        )
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


def _area_tools(app, name: str) -> tuple[int, ...]:
    with app.app_context():
        pack = evidence_pack.build_pack(JAN_TO_JUNE)
        area = next(area for area in pack.areas if area.name == name)
        ids = db.session.scalars(select(AuditTool.id).where(AuditTool.name.in_(area.tools))).all()
    return tuple(sorted(ids))


def _expected(app) -> dict[str, object]:
    """The help-and-protection figures as the figure functions give them for the area's tools."""
    scope = ReportScope(JAN_TO_JUNE.start, JAN_TO_JUNE.end, tool_ids=_area_tools(app, HELP))
    with app.app_context():
        themes = {grades.name: grades for grades in figures.theme_grades(scope)}
        found = agreement.moderation_agreement(scope)
        references = set(db.session.scalars(select(Case.reference).join(Audit, Audit.case_id == Case.id)))
    return {"themes": themes, "agreement": found, "references": references}


def test_the_pack_gathers_each_area_once(app, council, plan):  # noqa: F811
    with app.app_context():
        pack = evidence_pack.build_pack(JAN_TO_JUNE)
    expected = _expected(app)
    areas = {area.name: area for area in pack.areas}
    assert HELP in areas and len(pack.areas) >= 4  # the areas are data: every one gets a part
    help_ = areas[HELP]
    assert help_.sample is not None and help_.sample.completed == 3
    fathers = {theme.name: theme for theme in help_.themes}["Fathers' engagement"]
    assert fathers.grades.percent_good_or_better == expected["themes"]["Fathers' engagement"].percent_good_or_better
    assert help_.agreement.percent_exact == expected["agreement"].percent_exact == 60.0
    assert [line.priority.title for line in help_.priorities] == ["Fathers seen and assessed"]
    assert {case.reference for case in help_.cases} == expected["references"]
    # Care leavers: no tool of the council's audits evidences it, so nothing is counted there.
    care_leavers = areas["The experiences and progress of care leavers"]
    assert not care_leavers.has_audits and care_leavers.cases == []


def test_a_leader_downloads_the_pack_as_pdf_and_reads_the_figures(app, client, council, plan, leader):  # noqa: F811
    client.sign_in_as(leader)

    response = client.get(f"/reports/evidence-pack.pdf?{QUERY}")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename="inspection-evidence-pack-2026-01-01-to-2026-06-30.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    rows = pdf_text(response.data, layout=True)  # a table's cells on their row
    expected = _expected(app)
    parts = ("What we know", "How we know it", "What we are doing", "Cases an inspector can sample")
    for words in ("Inspection evidence pack", HELP, *parts, "Fathers seen and assessed", "Fathers engaged in plans"):
        assert words in text, words
    fathers = expected["themes"]["Fathers' engagement"]
    assert (
        f"Fathers' engagement {fathers.percent_good_or_better:g}% {fathers.good_or_better} of {fathers.graded}" in rows
    )
    assert f"Exact agreement {expected['agreement'].percent_exact:g}%" in rows
    for reference in expected["references"]:
        assert reference in text
    with app.app_context():
        download = db.session.scalars(select(ReportDownload)).one()
        exported = set(
            db.session.scalars(
                select(AccessLogEntry.record_id).where(
                    AccessLogEntry.action == "export", AccessLogEntry.user_id == leader.id
                )
            )
        )
        completed = set(db.session.scalars(select(Audit.id).where(Audit.submitted_at.is_not(None))))
    assert (download.report, download.user_id) == ("evidence-pack-pdf", leader.id)
    assert json.loads(download.filters) == {"from": "2026-01-01", "to": "2026-06-30"}
    assert exported == completed  # every audit named in the pack is logged as exported


def test_the_word_document_has_real_headings_and_tables_with_the_same_figures(app, client, council, plan, leader):  # noqa: F811
    client.sign_in_as(leader)

    response = client.get(f"/reports/evidence-pack.docx?{QUERY}")

    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    document = Document(BytesIO(response.data))
    headings = {(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")}
    assert ("Heading 1", HELP) in headings
    assert {("Heading 2", "What we know"), ("Heading 2", "How we know it"), ("Heading 2", "What we are doing"),
            ("Heading 2", "Cases an inspector can sample")} <= headings  # fmt: skip
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    expected = _expected(app)
    fathers = expected["themes"]["Fathers' engagement"]
    assert [
        "Fathers' engagement",
        f"{fathers.percent_good_or_better:g}%",
        f"{fathers.good_or_better} of {fathers.graded}",
        "–",
        "–",
    ] in rows
    found = expected["agreement"]
    assert ["Exact agreement", f"{found.percent_exact:g}%", f"{found.exact} of {found.pairs}"] in rows
    assert {row[0] for row in rows} >= expected["references"]
    with app.app_context():
        assert db.session.scalars(select(ReportDownload.report)).one() == "evidence-pack-docx"


def test_the_pdf_and_the_word_document_say_the_same(app, client, council, plan, leader):  # noqa: F811
    client.sign_in_as(leader)
    text = " ".join(pdf_text(client.get(f"/reports/evidence-pack.pdf?{QUERY}").data).split())
    document = Document(BytesIO(client.get(f"/reports/evidence-pack.docx?{QUERY}").data))
    for paragraph in document.paragraphs:
        if paragraph.style.name.startswith("Heading") or paragraph.text.startswith(("Priority:", "The sample")):
            assert " ".join(paragraph.text.split()) in text, paragraph.text


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.MODERATOR, Role.PRACTITIONER, Role.SUPERVISOR, Role.ADMIN])
def test_only_leaders_download_the_pack(client, council, make, role):  # noqa: F811
    client.sign_in_as(make.user(role))
    assert client.get(f"/reports/evidence-pack.pdf?{QUERY}").status_code == 403
    assert client.get(f"/reports/evidence-pack.docx?{QUERY}").status_code == 403


def test_bad_filters_get_an_error_not_a_pack(client, leader):
    client.sign_in_as(leader)
    response = client.get("/reports/evidence-pack.docx?from=2026-06-30&to=2026-01-01")
    assert response.status_code == 400
    assert "The ‘to’ date must be the same as or after the ‘from’ date" in response.text


def test_the_packs_and_the_narrative_pages_queries_do_not_grow_with_the_audits(app, client, make, council, leader):  # noqa: F811
    client.sign_in_as(leader)

    def counted() -> tuple[int, int]:
        with count_queries(app) as pack_queries, app.app_context():
            evidence_pack.build_pack(JAN_TO_JUNE)
        with count_queries(app) as page_queries:
            assert client.get(f"/reports/narrative?{QUERY}").status_code == 200
        return pack_queries.count, page_queries.count

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
