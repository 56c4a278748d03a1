"""Emails the service sends, the choices people make about them, and work done in the background.

A notification is written in the same transaction as the event that causes it (an outbox), then
delivered by a worker (audit/jobs). Nothing about a child is ever stored here: the subject and body
say what happened in general words and give a link into the service.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.clock import utcnow
from audit.extensions import Model
from audit.models.people import User
from audit.models.types import stored_enum


class NotificationKind(enum.StrEnum):
    AUDIT_ASSIGNED = "audit_assigned"
    AUDIT_DUE_SOON = "audit_due_soon"
    AUDIT_OVERDUE = "audit_overdue"
    REFLECTION_REQUESTED = "reflection_requested"
    MODERATION_OUTCOME = "moderation_outcome"
    SUPERVISION_TO_ACKNOWLEDGE = "supervision_to_acknowledge"
    ACTION_DUE_SOON = "action_due_soon"
    ACTION_OVERDUE = "action_overdue"
    CONCERN_RAISED = "concern_raised"
    CONCERN_ESCALATED = "concern_escalated"
    DIGEST = "digest"  # the daily email that carries a user's waiting notifications

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def always_immediate(self) -> bool:
        """Safeguarding notices go at once and cannot be turned off or held for a digest."""
        return self in {NotificationKind.CONCERN_RAISED, NotificationKind.CONCERN_ESCALATED, NotificationKind.DIGEST}


_KIND_LABELS = {
    NotificationKind.AUDIT_ASSIGNED: "An audit is assigned to you",
    NotificationKind.AUDIT_DUE_SOON: "An audit of yours is due in 3 days",
    NotificationKind.AUDIT_OVERDUE: "An audit of yours is overdue",
    NotificationKind.REFLECTION_REQUESTED: "Your reflection is asked for on an audit of your case",
    NotificationKind.MODERATION_OUTCOME: "A moderator has returned the outcome of your audit",
    NotificationKind.SUPERVISION_TO_ACKNOWLEDGE: "A supervision record is waiting for you to acknowledge it",
    NotificationKind.ACTION_DUE_SOON: "An action of yours is due in 3 days",
    NotificationKind.ACTION_OVERDUE: "An action of yours is overdue",
    NotificationKind.CONCERN_RAISED: "A safeguarding concern is raised",
    NotificationKind.CONCERN_ESCALATED: "A safeguarding concern is escalated",
    NotificationKind.DIGEST: "Your daily summary",
}


class NotificationStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for the worker (or, for a digest item, for the daily digest)
    SENDING = "sending"  # claimed by a worker that is handing it to the provider
    SENT = "sent"  # accepted by the provider
    FAILED = "failed"  # the last attempt failed; it is tried again at next_attempt_at

    @property
    def label(self) -> str:
        return {"queued": "Queued", "sending": "Sending", "sent": "Sent", "failed": "Failed, will retry"}[self.value]


class Notification(Model):
    """One email to one person: an event's notice, or the daily digest that carries several."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The worker's sweep: what is due to be tried, oldest first.
        Index("ix_notifications_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_notifications_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[NotificationKind] = mapped_column(stored_enum(NotificationKind, "known_kind", length=40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # A scheduled notice (due in 3 days, overdue) is written once per thing and day: the key says which.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Held for the user's daily digest rather than sent on its own.
    in_digest: Mapped[bool] = mapped_column(default=False)
    # The digest email that carried it, once one has.
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"), index=True)
    status: Mapped[NotificationStatus] = mapped_column(
        stored_enum(NotificationStatus, "known_status"), default=NotificationStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # Why the last attempt failed, as the provider said it (never the email's text).
    last_error: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[User] = relationship()


class NotificationPreference(Model):
    """How one person wants one kind of notice: at once (the default) or in a daily digest."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(
        stored_enum(NotificationKind, "known_kind", length=40), primary_key=True
    )
    digest: Mapped[bool] = mapped_column(default=False)


class ScheduledRun(Model):
    """A daily job's run for one UK date: whichever worker inserts the row first does the work, so
    several workers (or a restarted one) never do it twice."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("job", "day", name="uq_scheduled_runs_job_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    day: Mapped[date]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class ReportJobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReportJob(Model):
    """A report too long to build inside a web request: built by a worker, its progress shown on a
    page that refreshes itself, then offered to the person who asked for it (and no one else)."""

    __tablename__ = "report_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # The report's filters, as the query string the report page was asked with.
    parameters: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[ReportJobStatus] = mapped_column(
        stored_enum(ReportJobStatus, "known_status"), default=ReportJobStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(default=0)  # percent
    stage: Mapped[str] = mapped_column(String(200), default="Waiting to start")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    filename: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    error: Mapped[str | None] = mapped_column(String(500))
