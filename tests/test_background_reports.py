"""Long reports go to the worker: the inspection evidence pack too, as PDF or Word, collected by the
person who asked from the progress page. The worker's task runs here in the test's app;
tests/test_deployment.py runs the real consumer."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import docx
import pytest

from audit.jobs import tasks
from audit.models import AuditStatus, Role
from tests.conftest import page_text
from tests.pages import pdf_text


@pytest.fixture
def long_reports(app, monkeypatch):
    # Progress is written on a connection of its own so that a page can read it while the worker's
    # transaction is open (proven with real commits in tests/test_deployment.py and the browser
    # test); inside this test's one rolled-back transaction it goes through the test's session.
    from sqlalchemy import update

    from audit.domain import report_jobs
    from audit.extensions import db
    from audit.models import ReportJob

    monkeypatch.setattr(
        report_jobs,
        "_set",
        lambda job_id, **values: db.session.execute(update(ReportJob).where(ReportJob.id == job_id).values(**values)),
    )
    saved = app.config["REPORT_BACKGROUND_THEMES"]
    app.config["REPORT_BACKGROUND_THEMES"] = 0  # any report with a theme is "long"
    try:
        yield
    finally:
        app.config["REPORT_BACKGROUND_THEMES"] = saved


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_a_long_evidence_pack_is_built_by_the_worker_and_collected_by_its_asker(app, client, make, long_reports, kind):
    team = make.team("Pack Team")
    leader = make.user(Role.LEADER)
    auditor = make.user(Role.AUDITOR, team=make.team("Pack Quality"))
    audit = make.audit(make.case(team), auditor, tool="assessment-and-planning", status=AuditStatus.SUBMITTED)
    make.judgements(audit, grades="good", overall="good")
    client.sign_in_as(leader)
    period = f"from={(date.today() - timedelta(days=30)).isoformat()}&to={date.today().isoformat()}"

    asked = client.get(f"/reports/evidence-pack.{kind}?{period}")

    assert asked.status_code == 302
    job_path = asked.headers["Location"]
    job_id = int(job_path.rsplit("/", 1)[1])
    waiting = page_text(client.get(job_path))
    assert "Inspection evidence pack" in waiting and "Waiting for the worker to start (0% done)" in waiting
    with app.app_context():
        assert tasks.build_report(job_id) == "done"
    ready = client.get(job_path)
    assert "Your report is ready" in page_text(ready)
    assert ("Download the report (Word document)" if kind == "docx" else "Download the report (PDF)") in page_text(
        ready
    )
    download = client.get(f"/reports/jobs/{job_id}/download")
    assert download.status_code == 200
    if kind == "docx":
        assert download.mimetype.endswith("wordprocessingml.document")
        text = "\n".join(paragraph.text for paragraph in docx.Document(BytesIO(download.data)).paragraphs)
    else:
        assert download.mimetype == "application/pdf"
        text = pdf_text(download.data)
    assert "Inspection evidence pack" in text
    assert "The experiences and progress of children who need help and protection" in text

    client.sign_in_as(make.user(Role.LEADER))  # another leader: not theirs
    assert client.get(f"/reports/jobs/{job_id}/download").status_code == 404
