"""Work done outside web requests, by a worker on the task queue (``make worker``; README).

The web app only queues tasks: ``init_app`` tells the worker about each notification once the
transaction that wrote it has committed. A notification whose task is lost (the queue was down, the
process stopped between commit and queue) is still found by the worker's sweep each minute, so the
outbox table, not the queue, is what guarantees delivery.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from audit.domain.notifications import QUEUED_IN_SESSION
from audit.domain.report_jobs import STARTED_IN_SESSION
from audit.jobs.queue import huey

__all__ = ["huey", "init_app"]

log = logging.getLogger(__name__)


def _tell_the_worker(session: Session) -> None:
    notification_ids = session.info.pop(QUEUED_IN_SESSION, None)
    report_job_ids = session.info.pop(STARTED_IN_SESSION, None)
    if not (notification_ids or report_job_ids):
        return
    from audit.jobs import tasks

    for notification_id in notification_ids or ():
        try:
            tasks.deliver_notification(notification_id)
        except Exception:  # the queue is down: the sweep will find the notification
            log.warning("Could not queue notification %s; the worker's sweep will send it", notification_id)
    for job_id in report_job_ids or ():
        try:
            tasks.build_report_in_background(job_id)
        except Exception:
            log.warning("Could not queue report job %s; the worker's sweep will start it", job_id)


def _forget(session: Session, *args: object) -> None:
    session.info.pop(QUEUED_IN_SESSION, None)
    session.info.pop(STARTED_IN_SESSION, None)


_listening = False


def init_app(app: Flask) -> None:
    global _listening
    if not _listening:
        event.listen(Session, "after_commit", _tell_the_worker)
        event.listen(Session, "after_rollback", _forget)
        _listening = True
