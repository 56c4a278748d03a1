"""The bulk seeder for benchmarks at 1,000,000 audits (``bench/bulk_seed.py``, issue 16): a small
council seeded with it holds what was asked for and passes the app's own checks (the grade summary
equals a rebuild, the report figures and the themed report are worked out without error, ids carry
on after the seeded ones), on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from audit.clock import to_local, today
from audit.extensions import db
from audit.models import (
    Answer,
    Audit,
    AuditProgramme,
    AuditStatus,
    AuditTool,
    AuditToolVersion,
    Moderation,
    SectionJudgement,
    ToolQuestion,
)
from audit.reporting import evidence, figures, themed
from audit.reporting.figures import ReportScope
from audit.reporting.questions import COUNTED_TYPES

AUDITS = 400


def _bulk_seed_module():
    path = Path(__file__).resolve().parent.parent / "bench" / "bulk_seed.py"
    spec = importlib.util.spec_from_file_location("bench_bulk_seed", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_a_bulk_seeded_council_holds_what_was_asked_and_passes_the_apps_checks(app):
    from audit.domain import summaries

    bulk = _bulk_seed_module()
    with app.app_context():
        seeded = bulk.bulk_seed(AUDITS, cases=200)
        db.session.flush()
        on = today()

        count = db.session.scalar(select(func.count()).select_from(Audit))
        assert seeded.audits == count == AUDITS
        # Every tool in the library is used, as seed-demo uses them.
        used = set(db.session.scalars(select(AuditTool.slug).join(AuditToolVersion).join(Audit).distinct()))
        assert used == set(db.session.scalars(select(AuditTool.slug)))
        # Submitted on UK dates over the 364 days to today; a share moderated; grouped into programmes.
        submitted = db.session.scalars(select(Audit.submitted_at).where(Audit.submitted_at.is_not(None))).all()
        days = {to_local(moment).date() for moment in submitted}
        assert min(days) >= on - timedelta(days=364) and max(days) <= on
        assert (max(days) - min(days)).days > 300
        moderated = db.session.scalar(
            select(func.count()).select_from(Audit).where(Audit.status == AuditStatus.MODERATED)
        )
        assert moderated == db.session.scalar(select(func.count()).select_from(Moderation)) > 0
        assert db.session.scalar(select(func.count()).select_from(AuditProgramme)) > 0
        # Answers only where a report counts them.
        answer_types = set(
            db.session.scalars(select(ToolQuestion.answer_type).join(Answer, Answer.question_id == ToolQuestion.id))
        )
        assert answer_types and answer_types <= set(COUNTED_TYPES)
        assert db.session.scalar(select(func.count()).select_from(SectionJudgement)) > AUDITS

        # The app's own checks: the grade summary equals a rebuild, and the figures work from it.
        assert summaries.differences() == []
        scope = ReportScope(on - timedelta(days=364), on)
        counts = figures.audit_counts(scope)
        completed = db.session.scalar(
            select(func.count())
            .select_from(Audit)
            .where(Audit.status.in_([AuditStatus.SUBMITTED, AuditStatus.MODERATED]))
        )
        assert counts.completed == completed > 0
        report = themed.build_report(scope)
        assert report.themes and report.counts.completed == completed
        quotes = evidence.theme_evidence(scope)
        assert quotes and all(item.strengths or item.areas for item in quotes.values())

        # Ids carry on after those the seeder gave (PostgreSQL's sequences were moved on).
        later = Audit(
            case_id=db.session.scalar(select(Audit.case_id).limit(1)),
            team_id=db.session.scalar(select(Audit.team_id).limit(1)),
            tool_version_id=db.session.scalar(select(Audit.tool_version_id).limit(1)),
            auditor_id=db.session.scalar(select(Audit.auditor_id).limit(1)),
            created_by_id=db.session.scalar(select(Audit.created_by_id).limit(1)),
            status=AuditStatus.ASSIGNED.value,
        )
        db.session.add(later)
        db.session.flush()
        assert later.id > max(db.session.scalars(select(Audit.id).where(Audit.id != later.id)))
