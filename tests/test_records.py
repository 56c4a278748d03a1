"""The record mechanics audits and supervision share: one amend(), the form validators and the
London clock they judge dates by."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from wtforms import DateField, Form

import audit.clock
from audit.domain import amendments, audit_answers
from audit.domain import supervision as supervision_records
from audit.domain.audit_answers import EVIDENCE_MAX, DraftValues
from audit.domain.supervision import TEXT_MAX, RecordValues
from audit.extensions import db
from audit.models import (
    AmendmentColumns,
    Audit,
    AuditAmendment,
    AuditStatus,
    Role,
    SupervisionAmendment,
    SupervisionRecord,
    SupervisionStatus,
    User,
)
from forms.validators import LONG_TEXT_MAX, long_text, not_in_future, not_in_past, strip

# The first night of British Summer Time in 2026: 23:30 UTC on Sunday 29 March is 00:30 on
# Monday 30 March in London, so "today" is the 30th while the UTC date is still the 29th.
BST_NIGHT = datetime(2026, 3, 29, 23, 30)
LONDON_TODAY = date(2026, 3, 30)


@pytest.fixture
def bst_night(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit.clock, "utcnow", lambda: BST_NIGHT)


class DatesForm(Form):
    held_on = DateField("Date of the supervision", validators=[not_in_future])
    due = DateField("Review date", validators=[not_in_past])


def _dates(held_on: date, due: date) -> DatesForm:
    form = DatesForm(MultiDict({"held_on": held_on.isoformat(), "due": due.isoformat()}))
    form.validate()
    return form


def test_today_is_the_london_date(bst_night: None) -> None:
    assert audit.clock.today() == LONDON_TODAY
    assert audit.clock.utcnow().date() == LONDON_TODAY - timedelta(days=1)


def test_a_date_of_tomorrow_in_london_is_refused_near_midnight_in_summer_time(bst_night: None) -> None:
    tomorrow = _dates(held_on=LONDON_TODAY + timedelta(days=1), due=LONDON_TODAY)
    assert tomorrow.held_on.errors == ["Date of the supervision must be today or in the past"]
    # London's today is allowed, though the UTC date (and the old date.today() on a UTC server)
    # would call it tomorrow.
    today = _dates(held_on=LONDON_TODAY, due=LONDON_TODAY)
    assert today.held_on.errors == [] and today.due.errors == []


def test_a_date_before_londons_today_is_in_the_past(bst_night: None) -> None:
    utc_date = _dates(held_on=LONDON_TODAY, due=LONDON_TODAY - timedelta(days=1))
    assert utc_date.due.errors == ["Review date must be today or in the future"]


def test_a_long_text_over_its_limit_is_refused() -> None:
    class EvidenceForm(Form):
        evidence = long_text("Evidence")
        reason = long_text("Reason", limit=10, required="Enter the reason")

    over = EvidenceForm(MultiDict({"evidence": "x" * (LONG_TEXT_MAX + 1), "reason": "x" * 11}))
    assert not over.validate()
    assert over.evidence.errors == ["Evidence must be 5,000 characters or fewer"]
    assert over.reason.errors == ["Reason must be 10 characters or fewer"]
    at_limit = EvidenceForm(MultiDict({"evidence": "x" * LONG_TEXT_MAX, "reason": "x" * 10}))
    assert at_limit.validate(), at_limit.errors
    empty = EvidenceForm(MultiDict({"evidence": "", "reason": ""}))
    assert not empty.validate() and empty.reason.errors == ["Enter the reason"]


def test_long_text_limit_is_the_domains() -> None:
    assert LONG_TEXT_MAX == EVIDENCE_MAX == TEXT_MAX


def test_strip_removes_control_characters_and_outer_spaces() -> None:
    assert strip("  Team\x00 A\tnorth \n") == "Team A north"
    assert strip(None) is None


def test_both_record_kinds_are_amended_through_the_one_mechanism(app, make, monkeypatch) -> None:
    team = make.team("Records Test")
    worker = make.user(Role.PRACTITIONER, team=team)
    supervisor = make.user(Role.SUPERVISOR, team=team)
    case = make.case(team, worker=worker, reference="REC-000001")
    auditor = make.user(Role.AUDITOR, team=make.team("Records Quality"))
    submitted = make.audit(case, auditor, status=AuditStatus.SUBMITTED)
    completed = make.supervision(supervisor, worker, status="completed", cases=[case], duration_minutes=60)

    calls = []
    shared_amend = amendments.amend

    def spy(record: object, **kwargs: Any) -> Any:
        calls.append((type(record).__name__, kwargs["amendment"], kwargs["noun"]))
        return shared_amend(record, **kwargs)

    monkeypatch.setattr(amendments, "amend", spy)
    with app.app_context():
        audit = db.session.get(Audit, submitted.id)
        record = db.session.get(SupervisionRecord, completed.id)
        auditor_now, supervisor_now = db.session.get(User, auditor.id), db.session.get(User, supervisor.id)
        audit_changes = audit_answers.amend(
            audit, DraftValues(strengths="Clear chronology."), auditor_now, "Strengths left out", audit.version
        )
        record_changes = supervision_records.amend(
            record,
            RecordValues(duration_minutes=75, texts={"wellbeing": "Settled."}),
            supervisor_now,
            "Times corrected",
            record.version,
        )
        assert calls == [
            ("Audit", AuditAmendment, "audit"),
            ("SupervisionRecord", SupervisionAmendment, "supervision record"),
        ]
        assert [(a.field, a.old_value, a.new_value) for a in audit_changes] == [
            ("Strengths", None, "Clear chronology.")
        ]
        assert {(a.field, a.old_value, a.new_value) for a in record_changes} == {
            ("Duration in minutes", "60", "75"),
            ("Wellbeing and emotional impact", None, "Settled."),
        }
        for change, user in [*((a, auditor) for a in audit_changes), *((a, supervisor) for a in record_changes)]:
            assert isinstance(change, AmendmentColumns)
            assert (change.user_id, change.id is not None, change.at is not None) == (user.id, True, True)
        assert audit.amendments == audit_changes and record.amendments == record_changes
        assert audit.updated_by_id == auditor.id and record.updated_by_id == supervisor.id
        assert record.status is SupervisionStatus.COMPLETED


def test_an_amendment_from_an_older_copy_is_refused_for_either_kind(app, make) -> None:
    team = make.team("Records Conflict")
    worker = make.user(Role.PRACTITIONER, team=team)
    supervisor = make.user(Role.SUPERVISOR, team=team)
    case = make.case(team, worker=worker, reference="REC-000002")
    submitted = make.audit(case, make.user(Role.AUDITOR, team=team), status=AuditStatus.SUBMITTED)
    completed = make.supervision(supervisor, worker, status="completed", cases=[case])
    with app.app_context():
        audit = db.session.get(Audit, submitted.id)
        record = db.session.get(SupervisionRecord, completed.id)
        user = db.session.get(User, supervisor.id)
        with pytest.raises(amendments.EditConflict, match="this audit"):
            audit_answers.amend(audit, DraftValues(), user, "Old copy", audit.version + 1)
        with pytest.raises(amendments.EditConflict, match="this supervision record"):
            supervision_records.amend(record, RecordValues(), user, "Old copy", record.version + 1)
        assert audit.amendments == [] and record.amendments == []


@pytest.mark.real_commits
def test_enum_columns_keep_the_check_constraints_the_migrations_made(app) -> None:
    """Alembic does not compare CHECK constraints: the typed status columns must name theirs as
    the hand-written ones were, so the migrated database and the models agree without a migration."""
    with app.app_context(), db.engine.connect() as connection:
        inspector = sa.inspect(connection)
        for table in db.metadata.sorted_tables:
            declared = {
                constraint.name for constraint in table.constraints if isinstance(constraint, sa.CheckConstraint)
            }
            migrated = {constraint["name"] for constraint in inspector.get_check_constraints(table.name)}
            assert declared == migrated, table.name
        audit_checks = {check["name"] for check in inspector.get_check_constraints("audits")}
        assert "ck_audits_known_status" in audit_checks


def test_the_audit_lists_call_an_audit_overdue_by_londons_date(app, client, make, monkeypatch) -> None:
    """My audits and the audit list mark an open audit due yesterday in London as overdue, though the
    UTC date is still its due date (they used to judge by the UTC date)."""
    import audit.audits.views.journey

    team = make.team("Clock Team")
    auditor = make.user(Role.AUDITOR, team=team, name="Cleo Clock")
    make.audit(make.case(team), auditor, due_date=LONDON_TODAY - timedelta(days=1))
    client.sign_in_as(auditor)
    monkeypatch.setattr(audit.clock, "utcnow", lambda: BST_NIGHT)
    # The views judged by ``utcnow().date()``: patching that name as well (absent now) keeps this
    # test failing for a view that goes back to it.
    monkeypatch.setattr(audit.audits.views.journey, "utcnow", lambda: BST_NIGHT, raising=False)
    for path in ("/audits/mine", "/audits/"):
        cells = [cell.get_text(" ", strip=True) for cell in client.get_page(path).select("td[data-label=Status]")]
        assert cells == ["Not started Overdue"], (path, cells)
