"""``flask retention``: a dry run counts what is past its period and changes nothing; ``--delete``
deletes exactly that, at a fixed clock, keeps the rest, and logs each deletion without child details."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from audit.config import RETENTION_DEFAULT_DAYS, ConfigurationError, read_settings
from audit.domain import retention
from audit.extensions import db
from audit.models import (
    AccessLogEntry,
    Action,
    Answer,
    Audit,
    AuditStatus,
    PreservedForm,
    ReportDownload,
    Role,
    SafeguardingConcern,
    SignInFailure,
    SupervisionCase,
    SupervisionRecord,
)
from audit.models.cases import CaseImportUpload

NOW = datetime(2026, 6, 1, 12, 0)  # UTC; 13:00 on 1 June in the UK
TODAY = date(2026, 6, 1)
PERIODS = {
    "audits": 100,
    "audits_in_care": 1000,
    "supervision": 50,
    "access_log": 30,
    "report_downloads": 30,
    "sign_in_failures": 10,
    "kept_forms": 1,
    "case_import_uploads": 1,
}


@pytest.fixture
def fixed_clock(app, monkeypatch):
    monkeypatch.setattr("audit.admin.cli.utcnow", lambda: NOW)
    monkeypatch.setitem(app.config, "RETENTION_DAYS", PERIODS)


@pytest.fixture
def held(app, make):
    """Records either side of each period's end; returns the ids that should go and those that stay."""
    team = make.team()
    auditor = make.user(Role.AUDITOR, team=team)
    worker = make.user(Role.PRACTITIONER, team=team)

    def closed_case(days_ago: int | None, plan_type: str = "child_in_need"):
        closed_on = None if days_ago is None else TODAY - timedelta(days=days_ago)
        return make.case(team, worker=worker, closed_on=closed_on, plan_type=plan_type)

    old_case = closed_case(101)
    gone_audit = make.audit(old_case, auditor, status=AuditStatus.SUBMITTED)
    make.answers(gone_audit)
    kept_audits = [
        make.audit(closed_case(100), auditor, status=AuditStatus.SUBMITTED),  # exactly at the end: kept
        make.audit(closed_case(None), auditor, status=AuditStatus.SUBMITTED),  # open case: kept
        make.audit(closed_case(101, "child_in_care"), auditor, status=AuditStatus.SUBMITTED),
        make.audit(closed_case(999, "care_leaver"), auditor, status=AuditStatus.SUBMITTED),
    ]
    gone_in_care = make.audit(closed_case(1001, "child_in_care"), auditor, status=AuditStatus.SUBMITTED)
    gone_supervision = make.supervision(auditor, worker, status="completed", held_on=TODAY - timedelta(days=51))
    gone_supervision_with_case = make.supervision(
        auditor, worker, status="completed", held_on=TODAY - timedelta(days=60), cases=[old_case]
    )
    kept_supervision = make.supervision(auditor, worker, status="completed", held_on=TODAY - timedelta(days=50))
    with app.app_context():
        db.session.add_all(
            [
                Action(
                    audit_id=gone_audit.id,
                    description="Synthetic action",
                    owner_id=worker.id,
                    due_date=date(2026, 1, 1),
                    created_by_id=auditor.id,
                ),
                SafeguardingConcern(
                    audit_id=gone_audit.id, team_id=team.id, details="Synthetic concern", raised_by_id=auditor.id
                ),
                AccessLogEntry(
                    user_id=auditor.id,
                    action="view",
                    record_type="audit",
                    record_id=gone_audit.id,
                    case_id=old_case.id,
                    at=NOW - timedelta(days=31),
                ),
                AccessLogEntry(
                    user_id=auditor.id,
                    action="view",
                    record_type="audit",
                    record_id=gone_audit.id,
                    case_id=old_case.id,
                    at=NOW - timedelta(days=29),
                ),
                ReportDownload(user_id=auditor.id, report="answers-csv", at=NOW - timedelta(days=31)),
                ReportDownload(user_id=auditor.id, report="answers-csv", at=NOW - timedelta(days=29)),
                SignInFailure(email="someone@test.example", failed_at=NOW - timedelta(days=11)),
                SignInFailure(email="someone@test.example", failed_at=NOW - timedelta(days=9)),
                PreservedForm(
                    token="old", user_id=auditor.id, path="/", data="[]", created_at=NOW - timedelta(hours=25)
                ),
                PreservedForm(
                    token="new", user_id=auditor.id, path="/", data="[]", created_at=NOW - timedelta(hours=23)
                ),
                CaseImportUpload(token="old", user_id=auditor.id, content=b"x", created_at=NOW - timedelta(hours=25)),
                CaseImportUpload(token="new", user_id=auditor.id, content=b"x", created_at=NOW - timedelta(hours=23)),
            ]
        )
        db.session.commit()
    return {
        "gone_audits": {gone_audit.id, gone_in_care.id},
        "kept_audits": {audit.id for audit in kept_audits},
        "gone_supervision": {gone_supervision.id, gone_supervision_with_case.id},
        "kept_supervision": {kept_supervision.id},
        "old_reference": old_case.reference,
    }


def _counts(app) -> dict[str, int]:
    models = {
        "audits": Audit,
        "answers": Answer,
        "actions": Action,
        "concerns": SafeguardingConcern,
        "supervision": SupervisionRecord,
        "supervision_cases": SupervisionCase,
        "access_log": AccessLogEntry,
        "report_downloads": ReportDownload,
        "sign_in_failures": SignInFailure,
        "kept_forms": PreservedForm,
        "case_import_uploads": CaseImportUpload,
    }
    with app.app_context():
        return {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in models.items()}


def _ids(app, model) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(model.id)))


def _lines(output: str) -> dict[str, str]:
    """The report's rows by record label: what follows the label."""
    labels = {kind.label for kind in retention.KINDS}
    return {label: line[len(label) :] for line in output.splitlines() for label in labels if line.startswith(label)}


def test_a_dry_run_reports_what_is_past_its_period_and_changes_nothing(app, fixed_clock, held):
    before = _counts(app)

    result = app.test_cli_runner().invoke(args=["retention"])

    assert result.exit_code == 0, result.output
    rows = _lines(result.output)
    past = {label: int(row.split()[-1]) for label, row in rows.items()}
    assert past == {
        "Audits (children not in care)": 1,
        "Audits (children in care and care leavers)": 1,
        "Supervision records": 2,
        "Access log entries": 1,
        "Report download log entries": 1,
        "Failed sign-ins": 1,
        "Forms kept when a session expired": 1,
        "Case files waiting to be imported": 1,
    }
    assert "100 days" in rows["Audits (children not in care)"]
    assert "Dry run: nothing was deleted" in result.output
    assert _counts(app) == before


def test_delete_removes_exactly_what_is_past_its_period_and_logs_each_deletion(app, fixed_clock, held, caplog):
    before = _counts(app)
    audits_before = _ids(app, Audit)
    supervision_before = _ids(app, SupervisionRecord)

    with caplog.at_level(logging.INFO, logger="audit.retention"):
        result = app.test_cli_runner().invoke(args=["retention", "--delete"])

    assert result.exit_code == 0, result.output
    assert "Deleted 9 records past their retention period" in result.output
    assert _ids(app, Audit) == audits_before - held["gone_audits"]
    assert held["kept_audits"] <= _ids(app, Audit)
    assert _ids(app, SupervisionRecord) == supervision_before - held["gone_supervision"]
    after = _counts(app)
    # The deleted audit's parts went with it (answers, its action and concern); so did the
    # supervision record's case discussion.
    assert after["answers"] == 0 < before["answers"]
    assert (after["actions"], after["concerns"], after["supervision_cases"]) == (0, 0, 0)
    for log_table in ("access_log", "report_downloads", "sign_in_failures", "kept_forms", "case_import_uploads"):
        assert after[log_table] == before[log_table] - 1, log_table

    messages = [record.getMessage() for record in caplog.records if record.name == "audit.retention"]
    for audit_id in held["gone_audits"]:
        assert any(f"deleted audits {audit_id}:" in m or f"deleted audits_in_care {audit_id}:" in m for m in messages)
    for record_id in held["gone_supervision"]:
        assert any(f"deleted supervision {record_id}:" in message for message in messages)
    assert any("deleted 1 access_log rows" in message for message in messages)
    # No child details in the log: no case reference, nothing typed about a child.
    assert not any(held["old_reference"] in message or "Synthetic" in message for message in messages)


def test_a_second_delete_finds_nothing(app, fixed_clock, held):
    runner = app.test_cli_runner()
    runner.invoke(args=["retention", "--delete"])

    result = runner.invoke(args=["retention"])

    assert "No records are past their retention period." in result.output


def test_the_periods_are_settings(monkeypatch):
    settings = read_settings({"RETENTION_AUDITS_DAYS": "9200", "RETENTION_SIGN_IN_FAILURES_DAYS": "30"})
    assert settings.retention_days["audits"] == 9200
    assert settings.retention_days["sign_in_failures"] == 30
    assert settings.retention_days["audits_in_care"] == RETENTION_DEFAULT_DAYS["audits_in_care"]
    assert set(RETENTION_DEFAULT_DAYS) == {kind.key for kind in retention.KINDS}
    with pytest.raises(ConfigurationError, match="RETENTION_KEPT_FORMS_DAYS must be a whole number"):
        read_settings({"RETENTION_KEPT_FORMS_DAYS": "0"})
