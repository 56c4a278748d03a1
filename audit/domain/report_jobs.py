"""Reports built in the background: asked for in the web, built by the worker, collected by the
person who asked (and only them) from a page that shows the progress."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import undefer

from audit.clock import utcnow
from audit.extensions import db
from audit.models import ReportJob, ReportJobStatus, User

# The ids written in this transaction, for the worker to be told once it commits (audit/jobs).
STARTED_IN_SESSION = "report_jobs_to_start"


def ask_for(user: User, kind: str, parameters: dict[str, object], title: str, filename: str) -> ReportJob:
    job = ReportJob(
        requested_by_id=user.id,
        kind=kind,
        parameters=json.dumps(parameters, sort_keys=True, default=str),
        title=title,
        filename=filename,
        status=ReportJobStatus.QUEUED,
        progress=0,
        stage="Waiting for the worker to start",
    )
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(STARTED_IN_SESSION, []).append(job.id)
    return job


def job_for(user: User, job_id: int, *, with_content: bool = False) -> ReportJob | None:
    """The job, if ``user`` asked for it; None for anyone else's (so a guessed id reveals nothing)."""
    query = select(ReportJob).where(ReportJob.id == job_id, ReportJob.requested_by_id == user.id)
    if with_content:
        query = query.options(undefer(ReportJob.content))
    return db.session.scalar(query)


def start(job_id: int) -> ReportJob | None:
    """Claim a queued job for this worker (None if another has it or it is done)."""
    claimed = db.session.execute(
        update(ReportJob)
        .where(ReportJob.id == job_id, ReportJob.status == ReportJobStatus.QUEUED)
        .values(status=ReportJobStatus.RUNNING, stage="Starting", progress=5)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
    if not claimed:
        return None
    return db.session.get(ReportJob, job_id, populate_existing=True)


def _set(job_id: int, **values: object) -> None:
    # Its own connection and commit: the page reading the progress sees it while the report is
    # still being built in the worker's main transaction.
    with db.engine.begin() as connection:
        connection.execute(update(ReportJob).where(ReportJob.id == job_id).values(**values))


def progress(job_id: int, percent: int, stage: str) -> None:
    _set(job_id, progress=max(0, min(percent, 99)), stage=stage[:200])


def fail(job_id: int, message: str) -> None:
    _set(job_id, status=ReportJobStatus.FAILED, error=message[:500], stage="Failed", finished_at=utcnow())


def finish(job_id: int, content: bytes) -> None:
    job = db.session.get(ReportJob, job_id)
    assert job is not None
    job.content = content
    job.status = ReportJobStatus.DONE
    job.progress = 100
    job.stage = "Ready to download"
    job.finished_at = utcnow()


def waiting_ids(older_than_seconds: int = 60) -> list[int]:
    """Queued jobs nobody has started: their task was lost (the queue was down when asked)."""
    return list(
        db.session.scalars(
            select(ReportJob.id).where(
                ReportJob.status == ReportJobStatus.QUEUED,
                ReportJob.created_at < utcnow() - timedelta(seconds=older_than_seconds),
            )
        )
    )
