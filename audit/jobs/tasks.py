"""The tasks the worker runs. Each runs inside the Flask app (one built per worker process) and
commits its own short transactions; none holds a transaction open while it talks to the network."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, has_app_context
from huey import crontab

from audit.clock import to_local, today, utcnow
from audit.database import reading_only
from audit.domain import follow_up, report_jobs
from audit.domain import notifications as notices
from audit.extensions import db
from audit.jobs.queue import huey
from audit.mail import DeliveryError, backend_for
from audit.models import Notification

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_app: Flask | None = None

# The daily jobs run once the UK clock has passed this hour (before the working day starts).
DAILY_HOUR = 7


def worker_app() -> Flask:
    global _app
    if _app is None:
        from audit import create_app

        _app = create_app()
    return _app


def in_app(task: Callable[P, R]) -> Callable[P, R]:
    """Run ``task`` in an app context (the worker's own app, unless one is already active, as in a
    test or a command), and end its session afterwards."""

    @functools.wraps(task)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if has_app_context():
            return task(*args, **kwargs)
        with worker_app().app_context():
            try:
                return task(*args, **kwargs)
            finally:
                db.session.remove()

    return run


# Email ------------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    settings = current_app.config["EMAIL"]
    seconds = min(settings.retry_base_seconds * 2 ** max(attempts - 1, 0), settings.retry_max_seconds)
    return timedelta(seconds=seconds)


@in_app
def deliver(notification_id: int) -> str:
    """Send one notification if it is due and nobody else is sending it; on failure, record why
    and try again later. Returns what happened, for tests and the log."""
    notification = notices.claim(notification_id)
    if notification is None:
        db.session.rollback()
        return "skipped"
    to, subject, body = notification.user.email, notification.subject, notification.body
    reference = f"notification-{notification.id}"
    db.session.commit()  # the claim is visible before the provider is called
    try:
        backend_for(current_app.config["EMAIL"]).send(to=to, subject=subject, body=body, reference=reference)
    except DeliveryError as error:
        notification = db.session.get(Notification, notification_id)
        assert notification is not None
        delay = retry_delay(notification.attempts + 1)
        notices.mark_failed(notification, str(error), delay)
        db.session.commit()
        log.warning("Notification %s not sent (%s); next try in %s", notification_id, error, delay)
        deliver_notification.schedule((notification_id,), delay=delay.total_seconds())
        return "failed"
    notification = db.session.get(Notification, notification_id)
    assert notification is not None
    notices.mark_sent(notification)
    db.session.commit()
    return "sent"


@huey.task()
def deliver_notification(notification_id: int) -> str:
    return deliver(notification_id)


@in_app
def due_ids() -> list[int]:
    ids = notices.due_for_delivery()
    db.session.commit()
    return ids


@in_app
def sweep() -> int:
    """Queue every notification due to be tried: the safety net under the after-commit queueing."""
    ids = notices.due_for_delivery()
    waiting_reports = report_jobs.waiting_ids()
    db.session.commit()
    for notification_id in ids:
        deliver_notification(notification_id)
    for job_id in waiting_reports:
        build_report_in_background(job_id)
    return len(ids)


@huey.periodic_task(crontab(minute="*"))
def sweep_every_minute() -> int:
    return sweep()


# Daily work ---------------------------------------------------------------------------------------


@in_app
def run_daily(on: date | None = None) -> dict[str, int]:
    """The scheduled work. Due and overdue notices and concern escalation run every time (every
    15 minutes from 07:00 UK time): each notice is keyed to its thing and due date and each concern
    is escalated once, so running again adds nothing, and a concern that falls overdue is escalated
    within the quarter hour. The digests and the measure values are claimed once per UK date,
    however many workers run it."""
    day = on or today()
    done: dict[str, int] = {}
    done["due-and-overdue"] = notices.queue_due_and_overdue(day)
    db.session.commit()
    done["escalate-concerns"] = len(follow_up.escalate_overdue_concerns(day))
    db.session.commit()
    if notices.claim_daily_run("digests", day):
        done["digests"] = len(notices.compose_digests())
        db.session.commit()
    if notices.claim_daily_run("measure-values", day):
        from audit.reporting import measure_history

        done["measure-values"] = measure_history.record_measures(on=day)
        db.session.commit()
    db.session.commit()
    return done


@huey.periodic_task(crontab(minute="*/15"))
def daily_work() -> dict[str, int]:
    if to_local(utcnow()).hour < DAILY_HOUR:
        return {}
    return run_daily()


# Reports ---------------------------------------------------------------------------------------------


@in_app
def build_report(job_id: int) -> str:
    from audit.reporting import evidence_pack, evidence_pack_layout, themed
    from audit.reporting.figures import ReportScope

    job = report_jobs.start(job_id)
    if job is None:
        db.session.rollback()
        return "skipped"
    stored = json.loads(job.parameters)
    scope = ReportScope(
        date.fromisoformat(stored["start"]),
        date.fromisoformat(stored["end"]),
        tuple(stored.get("team_ids", ())),
        tuple(stored.get("tool_ids", ())),
        tuple(stored.get("themes", ())),
    )
    user_id, kind = job.requested_by_id, job.kind
    db.session.commit()
    progress = functools.partial(report_jobs.progress, job_id)
    try:
        with reading_only():
            if kind == "themed-pdf":
                report, content = themed.build_pdf(scope, progress=progress)
            else:  # the inspection evidence pack, as a PDF or a Word document
                progress(10, "Gathering the figures for each judgement area")
                pack = evidence_pack.build_pack(scope)
                progress(60, "Laying out the document")
                content = (
                    evidence_pack_layout.pack_pdf(pack)
                    if kind == "evidence-pack-pdf"
                    else evidence_pack_layout.pack_docx(pack)
                )
            db.session.rollback()  # end the read; the writes below take the lock briefly
    except Exception as error:
        db.session.rollback()
        report_jobs.fail(job_id, "The report could not be built. Try again, or ask an admin to look at the log.")
        log.exception("Report job %s failed: %s", job_id, type(error).__name__)
        return "failed"
    report_jobs.progress(job_id, 95, "Recording the download")
    if kind == "themed-pdf":
        themed.record_report(report, scope, user_id, "web")
    else:
        evidence_pack.record_pack(pack, "pdf" if kind == "evidence-pack-pdf" else "docx", user_id)
    report_jobs.finish(job_id, content)
    db.session.commit()
    return "done"


@huey.task()
def build_report_in_background(job_id: int) -> str:
    return build_report(job_id)
