"""The PDF of one audit for the child's file: what it says, who may download it, and that the one
PDF renderer fetches nothing but the service's own static files."""

from __future__ import annotations

import socket
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from audit.extensions import db
from audit.models import (
    AccessLogEntry,
    Action,
    Audit,
    AuditAmendment,
    AuditStatus,
    ModeratedSection,
    Moderation,
    Role,
    SafeguardingConcern,
)
from audit.pdf import BASE_URL, STATIC_DIR, ResourceRefused, StaticFileFetcher, render_pdf
from tests.pages import pdf_fonts, pdf_text
from tests.querycount import queries_for

FONT = "/static/dist/fonts/source-sans-3-latin-400-normal.woff2"
TYPED_HTML = '<b>bold</b><img src="file:///etc/passwd">'


def build_full_audit(app, make, *, case, auditor, moderator, leader, evidence: str = TYPED_HTML) -> Audit:
    """A moderated audit with every part filled in: answers, judgements (one requires
    improvement), findings, a reflection, an open and a done action, an acknowledged safeguarding
    concern, a moderation that disagrees on one section, and an amendment."""
    audit = make.audit(case, auditor, tool="assessment-and-planning", status=AuditStatus.MODERATED, due_date=None)
    make.answers(audit, grade="good", evidence="The record shows {question} was done well.")
    make.judgements(audit, grades="good", overall="good")
    with app.app_context():
        saved = db.session.get(Audit, audit.id)
        grades = {grade.key: grade for grade in saved.tool_version.scale.grades}
        sections = saved.tool_version.sections
        answers = {answer.question_id: answer for answer in saved.answers}
        judgements = {judgement.section_id: judgement for judgement in saved.judgements}
        answers[sections[0].questions[0].id].evidence = evidence
        second = judgements[sections[1].id]
        second.grade_id = grades["requires-improvement"].id
        second.evidence = "The child was seen but not alone; their words are not recorded."
        saved.started_at = datetime(2025, 3, 3, 9, 30)
        saved.submitted_at = datetime(2025, 3, 10, 16, 5)
        saved.moderated_at = datetime(2025, 3, 20, 11, 0)
        saved.due_date = date(2025, 3, 14)
        saved.overall_rationale = "Risks were identified early and the plan reduced them."
        saved.strengths = "Thorough chronology used in the analysis."
        saved.areas_for_development = "Record the child's own words."
        saved.child_family_feedback = "Mother said the worker listened."
        saved.practitioner_reflection = "I will use direct-work tools earlier."
        saved.reflection_by_id = case.worker_id
        saved.reflection_at = datetime(2025, 3, 12, 10, 0)
        db.session.add_all(
            [
                Action(
                    audit_id=saved.id,
                    description="Complete direct work with the child and record their views.",
                    owner_id=case.worker_id,
                    due_date=date(2025, 4, 1),
                    created_by_id=auditor.id,
                ),
                Action(
                    audit_id=saved.id,
                    description="Add the father's details to the plan.",
                    owner_id=case.worker_id,
                    due_date=date(2025, 3, 21),
                    created_by_id=auditor.id,
                    completed_at=datetime(2025, 3, 19, 12, 0),
                    completed_by_id=case.worker_id,
                ),
                SafeguardingConcern(
                    audit_id=saved.id,
                    team_id=case.team_id,
                    details="Sibling not seen for eight weeks.",
                    raised_by_id=auditor.id,
                    raised_at=datetime(2025, 3, 5, 14, 20),
                    acknowledged_by_id=leader.id,
                    acknowledged_at=datetime(2025, 3, 5, 16, 0),
                    action_taken="Home visit booked for tomorrow.",
                ),
                Moderation(
                    audit_id=saved.id,
                    moderator_id=moderator.id,
                    overall_grade_id=grades["requires-improvement"].id,
                    overall_agrees=False,
                    overall_reason="The child's voice is missing, so the overall grade is too generous.",
                    created_at=datetime(2025, 3, 20, 11, 0),
                    section_grades=[
                        ModeratedSection(
                            section_id=section.id,
                            grade_id=grades["good" if number else "requires-improvement"].id,
                            agrees=number != 0,
                            reason=None if number else "Sign-off was late and no extension was agreed.",
                        )
                        for number, section in enumerate(sections)
                    ],
                ),
                AuditAmendment(
                    audit_id=saved.id,
                    user_id=auditor.id,
                    at=datetime(2025, 3, 11, 9, 0),
                    field="Assessment quality: judgement",
                    old_value="Outstanding",
                    new_value="Good",
                    reason="Misread the sign-off date.",
                ),
            ]
        )
        db.session.commit()
    return audit


@pytest.fixture
def setting(make):
    team = make.team("Child Protection East")
    worker = make.user(Role.PRACTITIONER, team=team, name="Pat Worker")
    case = make.case(team, worker=worker, reference="PDF-000123")
    auditor = make.user(Role.AUDITOR, team=make.team("Quality Assurance"), name="Alex Auditor")
    moderator = make.user(Role.MODERATOR, name="Morgan Moderator")
    leader = make.user(Role.LEADER, name="Lee Leader")
    return {"team": team, "worker": worker, "case": case, "auditor": auditor, "moderator": moderator, "leader": leader}


@pytest.fixture
def full_audit(app, make, setting) -> Audit:
    return build_full_audit(
        app,
        make,
        case=setting["case"],
        auditor=setting["auditor"],
        moderator=setting["moderator"],
        leader=setting["leader"],
    )


def _exports(app, audit_id: int) -> int:
    with app.app_context():
        query = select(func.count()).where(
            AccessLogEntry.record_type == "audit",
            AccessLogEntry.record_id == audit_id,
            AccessLogEntry.action == "export",
        )
        return db.session.scalar(query)


# What the PDF says -------------------------------------------------------------------------------


def test_pdf_holds_the_whole_audit(app, client, setting, full_audit):
    client.sign_in_as(setting["auditor"])
    response = client.get(f"/audits/{full_audit.id}/pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="audit-PDF-000123-{full_audit.id}.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data)
    for expected in [
        app.config["COUNCIL_NAME"],
        "Case audit: PDF-000123",
        "Child Protection East",
        "Assessment and planning audit (version 3)",
        "Alex Auditor",
        "Moderated",
        "3 March 2025",  # started
        "10 March 2025",  # submitted
        "14 March 2025",  # due
        "Good",
        "Requires improvement to be good",
        "The record shows history-and-information was done well.",
        "The child was seen but not alone; their words are not recorded.",
        "Risks were identified early and the plan reduced them.",
        "Thorough chronology used in the analysis.",
        "Record the child's own words.",
        "Mother said the worker listened.",
        "I will use direct-work tools earlier.",
        "Complete direct work with the child and record their views.",
        "Open",
        "Completed 19 March 2025 by Pat Worker",
        "Sibling not seen for eight weeks.",
        "Acknowledged by Lee Leader",
        "Home visit booked for tomorrow.",
        "Moderated by Morgan Moderator on 20 March 2025",
        "Disagrees",
        "Sign-off was late and no extension was agreed.",
        "The child's voice is missing, so the overall grade is too generous.",
        "Misread the sign-off date.",
        "OFFICIAL-SENSITIVE",
        "Page 1 of",
    ]:
        assert expected in text, expected
    # The service's own font, everywhere: a fallback (DejaVu) would mean the font failed to load
    # or a part of the page (such as the running header) does not inherit it.
    fonts = pdf_fonts(response.data)
    assert "Source-Sans-3" in fonts
    assert "DejaVu" not in fonts


def test_the_time_printed_is_uk_time_and_says_so_by_not_saying_utc(client, make, setting, monkeypatch):
    # 11:30 UTC in June is 12:30 in England (BST); the page once added "(UTC)" to the UK time.
    monkeypatch.setattr("audit.audits.views.pdf.utcnow", lambda: datetime(2026, 6, 15, 11, 30))
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(setting["auditor"])

    text = pdf_text(client.get(f"/audits/{audit.id}/pdf").data)

    assert "Produced by Alex Auditor on 15 June 2026 at 12:30 from" in text
    assert "UTC" not in text


def test_html_typed_by_a_user_is_printed_as_text(client, make, setting):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    make.answers(audit, evidence=TYPED_HTML)
    client.sign_in_as(setting["auditor"])
    text = pdf_text(client.get(f"/audits/{audit.id}/pdf").data)
    assert TYPED_HTML in text


def test_unanswered_items_read_not_answered(app, client, make, setting):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(setting["auditor"])
    text = pdf_text(client.get(f"/audits/{audit.id}/pdf").data)
    assert "Not answered" in text
    assert "No immediate safeguarding concern was raised" in text
    assert "This audit has not been moderated." in text
    assert "Not submitted" in text


def test_the_pdf_costs_a_fixed_number_of_queries_however_much_the_audit_holds(app, client, make, setting, full_audit):
    client.sign_in_as(setting["leader"])
    before = queries_for(app, client, f"/audits/{full_audit.id}/pdf")
    with app.app_context():
        for number in range(3):
            owner = make.user(Role.PRACTITIONER, team=setting["team"])
            db.session.add_all(
                [
                    Action(
                        audit_id=full_audit.id,
                        description=f"Action {number}",
                        owner_id=owner.id,
                        due_date=date(2025, 5, 1),
                        created_by_id=setting["auditor"].id,
                        completed_at=datetime(2025, 4, 1),
                        completed_by_id=owner.id,
                    ),
                    SafeguardingConcern(
                        audit_id=full_audit.id,
                        team_id=setting["team"].id,
                        details=f"Concern {number}",
                        raised_by_id=owner.id,
                        acknowledged_by_id=make.user(Role.SUPERVISOR, team=setting["team"]).id,
                        acknowledged_at=datetime(2025, 4, 2),
                    ),
                    AuditAmendment(
                        audit_id=full_audit.id,
                        user_id=owner.id,
                        field="Strengths",
                        old_value="a",
                        new_value="b",
                        reason="r",
                    ),
                ]
            )
        db.session.commit()
    after = queries_for(app, client, f"/audits/{full_audit.id}/pdf")
    assert after.count == before.count, str(after)


# Who may download it -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "leader", "team_practitioner"])
def test_people_who_may_see_the_audit_download_it_and_it_is_logged(app, client, make, setting, who):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    user = {
        "auditor": setting["auditor"],
        "leader": setting["leader"],
        "team_practitioner": make.user(Role.PRACTITIONER, team=setting["team"]),
    }[who]
    client.sign_in_as(user)
    response = client.get(f"/audits/{audit.id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    with app.app_context():
        entry = db.session.scalar(select(AccessLogEntry).where(AccessLogEntry.record_id == audit.id))
        assert (entry.user_id, entry.action, entry.record_type, entry.case_id) == (
            user.id,
            "export",
            "audit",
            setting["case"].id,
        )


def test_another_teams_practitioner_and_unknown_ids_get_404_and_nothing_is_logged(app, client, make, setting):
    audit = make.audit(setting["case"], setting["auditor"], status=AuditStatus.IN_PROGRESS)
    client.sign_in_as(make.user(Role.PRACTITIONER, team=make.team()))
    assert client.get(f"/audits/{audit.id}/pdf").status_code == 404
    assert client.get(f"/audits/{audit.id + 1000}/pdf").status_code == 404
    assert _exports(app, audit.id) == 0


def test_signed_out_is_sent_to_sign_in(client, make, setting):
    audit = make.audit(setting["case"], setting["auditor"])
    response = client.get(f"/audits/{audit.id}/pdf")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


# The renderer fetches only the service's static files --------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "https://example.org/x.png",
        "/static/../audit/config.py",
        "/static/%2e%2e/audit/config.py",
        "/static/dist/../../audit/config.py",
        f"{BASE_URL}static/../audit/config.py",
        f"{BASE_URL}etc/passwd",
        "https://pdf-static.invalid.example.org/static/dist/application.css",
        "//127.0.0.1/static/dist/application.css",
        "data:text/plain,hello",
        "ftp://127.0.0.1/x",
        "/audit/config.py",
        "/static/dist/fonts/no-such-font.woff2",
        "/static/",
    ],
)
def test_fetcher_refuses_everything_but_static_files(url):
    with pytest.raises(ResourceRefused):
        StaticFileFetcher().fetch(url)


@pytest.mark.parametrize("url", [FONT, f"{BASE_URL}{FONT.lstrip('/')}"])
def test_fetcher_serves_static_files(url):
    response = StaticFileFetcher().fetch(url)
    try:
        assert response.read() == (STATIC_DIR / "dist/fonts/source-sans-3-latin-400-normal.woff2").read_bytes()
    finally:
        response.close()


def test_fetcher_refuses_a_symbolic_link_out_of_the_static_folder(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (static / "inside.txt").write_text("fine")
    (static / "link.txt").symlink_to(tmp_path / "secret.txt")
    fetcher = StaticFileFetcher(static_dir=static)
    assert fetcher.fetch("/static/inside.txt").read() == b"fine"
    with pytest.raises(ResourceRefused):
        fetcher.fetch("/static/link.txt")


@pytest.fixture
def network_attempts(monkeypatch) -> list[object]:
    """Record (and block) every attempt to open a network connection."""
    attempts: list[object] = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network blocked in test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    """Every URL the renderer asks its fetcher for."""
    urls: list[str] = []
    original = StaticFileFetcher.fetch

    def recording(self, url, headers=None):
        urls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticFileFetcher, "fetch", recording)
    return urls


def test_user_evidence_with_a_network_image_fetches_nothing(app, client, make, setting, network_attempts, fetched):
    audit = build_full_audit(
        app,
        make,
        case=setting["case"],
        auditor=setting["auditor"],
        moderator=setting["moderator"],
        leader=setting["leader"],
        evidence='<img src="http://127.0.0.1:9/x">',
    )
    client.sign_in_as(setting["auditor"])
    response = client.get(f"/audits/{audit.id}/pdf")
    assert response.status_code == 200
    assert '<img src="http://127.0.0.1:9/x">' in pdf_text(response.data)
    assert network_attempts == []
    # Only the fonts (and only on a thread's first render: they are loaded once per thread).
    assert all(url.startswith(f"{BASE_URL}static/dist/fonts/") for url in fetched)


def test_renderer_refuses_hostile_markup_that_got_past_escaping(network_attempts, fetched, caplog):
    """The second line of defence: even raw HTML reaching the renderer fetches nothing outside
    static/, and the document still renders."""
    html = """<!DOCTYPE html><html><head>
      <link rel="stylesheet" href="https://example.org/x.css">
      <style>@import url("file:///etc/passwd"); body { background: url("http://127.0.0.1:9/bg.png"); }</style>
      </head><body><p>Still rendered</p>
      <img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x"><img src="/static/../audit/config.py">
      <svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="http://127.0.0.1:9/s.png"/></svg>
      </body></html>"""
    with caplog.at_level("WARNING", logger="audit.pdf"):
        data = render_pdf(html)
    assert "Still rendered" in pdf_text(data)
    assert network_attempts == []
    hostile = [url for url in fetched if not url.startswith(f"{BASE_URL}static/dist/fonts/")]
    assert len(hostile) >= 6
    refused = [record for record in caplog.records if "refused" in record.getMessage()]
    assert len(refused) == len(hostile)
