"""Notices by email: written in the transaction of the event that causes them, delivered later.

``notify`` is the one way to send anyone an email. It writes a ``Notification`` row in the current
transaction, so an event that rolls back sends nothing and one that commits cannot lose its notice;
the worker (audit/jobs) delivers it with retries. What an email says is a template in
``templates/email/``: general words and a link, never a case reference, a child's name or evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from audit.clock import today, utcnow
from audit.domain.bounded import numbered_page
from audit.extensions import db
from audit.models import (
    Action,
    Audit,
    AuditStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    PlanAction,
    PlanActionStatus,
    Role,
    SafeguardingConcern,
    ScheduledRun,
    User,
    UserRole,
)

# The ids written in this transaction, for the worker to be told once it commits (audit/jobs).
QUEUED_IN_SESSION = "notifications_to_deliver"
DUE_SOON_DAYS = 3
PAGE_SIZE = 50


def _link(endpoint: str, **values: object) -> str:
    """The path of a page, built without a request (the worker has none)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _wants_digest(user_ids: Iterable[int], kind: NotificationKind) -> set[int]:
    if kind.always_immediate:
        return set()
    return set(
        db.session.scalars(
            select(NotificationPreference.user_id).where(
                NotificationPreference.user_id.in_(list(user_ids)),
                NotificationPreference.kind == kind,
                NotificationPreference.digest,
            )
        )
    )


def notify(
    users: Iterable[User], kind: NotificationKind, link: str, *, dedupe_key: str | None = None, **context: object
) -> list[Notification]:
    """Queue one email of ``kind`` to each active user (once each), in the current transaction.

    ``dedupe_key`` makes a scheduled notice idempotent: a second notice with the same key (for the
    same user) is not written, so a daily scan run twice, or by two workers, sends one email."""
    recipients = {user.id: user for user in users if user.active}
    if not recipients:
        return []
    digest_users = _wants_digest(recipients, kind)
    url = current_app.config["SERVICE_URL"].rstrip("/") + link
    written = []
    for user in recipients.values():
        key = f"{dedupe_key}:{user.id}" if dedupe_key else None
        if key and db.session.scalar(select(Notification.id).where(Notification.dedupe_key == key)) is not None:
            continue
        subject, body = _compose(kind, user, url, context)
        notification = Notification(
            user_id=user.id,
            kind=kind,
            subject=subject,
            body=body,
            dedupe_key=key,
            in_digest=user.id in digest_users,
            status=NotificationStatus.QUEUED,
            next_attempt_at=utcnow(),
        )
        db.session.add(notification)
        written.append(notification)
    db.session.flush()
    db.session.info.setdefault(QUEUED_IN_SESSION, []).extend(n.id for n in written if not n.in_digest)
    return written


def _compose(kind: NotificationKind, user: User, url: str, context: dict[str, object]) -> tuple[str, str]:
    text = render_template(
        f"email/{kind.value}.txt",
        name=user.name,
        url=url,
        service_name=current_app.config["SERVICE_NAME"],
        council_name=current_app.config["COUNCIL_NAME"],
        **context,
    ).strip()
    subject, _, body = text.partition("\n")
    return subject.removeprefix("Subject:").strip()[:200], body.strip() + "\n"


# The events ---------------------------------------------------------------------------------------


def audit_assigned(audit: Audit, auditor: User) -> None:
    notify([auditor], NotificationKind.AUDIT_ASSIGNED, _link("audits.show", audit_id=audit.id), due_date=audit.due_date)


def reflection_requested(audit: Audit, worker: User | None) -> None:
    if worker is not None:
        notify([worker], NotificationKind.REFLECTION_REQUESTED, _link("audits.show", audit_id=audit.id))


def moderation_outcome(audit: Audit, auditor: User) -> None:
    notify([auditor], NotificationKind.MODERATION_OUTCOME, _link("audits.show", audit_id=audit.id))


def supervision_to_acknowledge(record_id: int, workers: Iterable[User], supervisor: User) -> None:
    notify(
        workers,
        NotificationKind.SUPERVISION_TO_ACKNOWLEDGE,
        _link("supervision.show", record_id=record_id),
        supervisor_name=supervisor.name,
    )


def _team_managers_and_leaders(team_id: int | None) -> Sequence[User]:
    role_holders = select(UserRole.user_id).where(UserRole.role == Role.LEADER.value)
    managers = select(UserRole.user_id).where(UserRole.role == Role.SUPERVISOR.value)
    return db.session.scalars(
        select(User).where(
            User.active, (User.id.in_(role_holders)) | ((User.team_id == team_id) & User.id.in_(managers))
        )
    ).all()


def concern_raised(concern: SafeguardingConcern, respond_by: date) -> None:
    notify(
        _team_managers_and_leaders(concern.team_id),
        NotificationKind.CONCERN_RAISED,
        _link("audits.concerns"),
        respond_by=respond_by,
    )


def concern_escalated(concern: SafeguardingConcern, raised_on: date) -> None:
    notify(
        _team_managers_and_leaders(concern.team_id),
        NotificationKind.CONCERN_ESCALATED,
        _link("audits.concerns"),
        dedupe_key=f"concern-escalated:{concern.id}",
        raised_on=raised_on,
    )


# Scheduled notices --------------------------------------------------------------------------------


def queue_due_and_overdue(on: date | None = None) -> int:
    """Notices for audits and actions due in 3 days or overdue as of ``on`` (a UK date). Each is
    keyed by the thing and its due date, so it is sent once however often this runs."""
    day = on or today()
    soon = day + timedelta(days=DUE_SOON_DAYS)
    open_audits = select(Audit).where(
        Audit.status.in_([AuditStatus.ASSIGNED, AuditStatus.IN_PROGRESS]), Audit.due_date.is_not(None)
    )
    due_audits = db.session.scalars(open_audits.where((Audit.due_date == soon) | (Audit.due_date < day)))
    open_actions = select(Action).where(Action.completed_at.is_(None))
    due_actions = db.session.scalars(open_actions.where((Action.due_date == soon) | (Action.due_date < day)))
    open_plan_actions = select(PlanAction).where(PlanAction.status != PlanActionStatus.DONE)
    due_plan_actions = db.session.scalars(
        open_plan_actions.where((PlanAction.due_date == soon) | (PlanAction.due_date < day))
    )
    # (what, audit 0 or action 1, who, its due date, the page)
    things: list[tuple[str, int, User, date, str]] = [
        (f"audit:{a.id}", 0, a.auditor, a.due_date, _link("audits.show", audit_id=a.id))
        for a in due_audits
        if a.due_date is not None
    ]
    things += [(f"action:{a.id}", 1, a.owner, a.due_date, _link("audits.my_actions")) for a in due_actions]
    things += [(f"plan-action:{a.id}", 1, a.owner, a.due_date, _link("audits.my_actions")) for a in due_plan_actions]
    kinds = (
        (NotificationKind.AUDIT_DUE_SOON, NotificationKind.AUDIT_OVERDUE),
        (NotificationKind.ACTION_DUE_SOON, NotificationKind.ACTION_OVERDUE),
    )
    written = 0
    for what, family, owner, due, link in things:
        kind = kinds[family][0] if due == soon else kinds[family][1]
        key = f"{kind.value}:{what}:{due}"
        written += len(notify([owner], kind, link, dedupe_key=key, due_date=due))
    return written


def compose_digests() -> list[Notification]:
    """One email per person with notices held for their digest, listing them; each held notice
    is marked sent when its digest is."""
    waiting = db.session.scalars(
        select(Notification)
        .where(
            Notification.in_digest,
            Notification.digest_id.is_(None),
            Notification.status == NotificationStatus.QUEUED,
        )
        .order_by(Notification.user_id, Notification.created_at)
    ).all()
    by_user: dict[int, list[Notification]] = {}
    for notification in waiting:
        by_user.setdefault(notification.user_id, []).append(notification)
    digests = []
    for items in by_user.values():
        lines = [(item.subject, _first_link(item.body)) for item in items]
        digest = notify([items[0].user], NotificationKind.DIGEST, _link("home.index"), items=lines)
        for made in digest:
            for item in items:
                item.digest_id = made.id
            digests.extend(digest)
    db.session.flush()
    return digests


def _first_link(body: str) -> str:
    return next((word for word in body.split() if word.startswith(("http://", "https://"))), "")


def claim_daily_run(job: str, day: date) -> bool:
    """True for the first worker to claim ``job`` for ``day``; false for any other (or a rerun)."""
    try:
        with db.session.begin_nested():
            db.session.add(ScheduledRun(job=job, day=day))
    except IntegrityError:
        return False
    return True


# Preferences ---------------------------------------------------------------------------------------


CHOOSABLE_KINDS = [kind for kind in NotificationKind if not kind.always_immediate]
FIXED_KINDS = [NotificationKind.CONCERN_RAISED, NotificationKind.CONCERN_ESCALATED]


def preferences(user: User) -> dict[NotificationKind, bool]:
    """Whether each choosable kind goes to the user's daily digest (True) or at once."""
    chosen: dict[NotificationKind, bool] = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.digest).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: bool(chosen.get(kind, False)) for kind in CHOOSABLE_KINDS}


def set_preferences(user: User, digest: dict[NotificationKind, bool]) -> None:
    existing = {
        p.kind: p
        for p in db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    for kind in CHOOSABLE_KINDS:
        wanted = digest.get(kind, False)
        if kind in existing:
            existing[kind].digest = wanted
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, digest=wanted))
    db.session.flush()


# For admins ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationPage:
    notifications: Sequence[Notification]
    page: int
    pages: int
    total: int
    counts: dict[NotificationStatus, int]


def notification_page(status: NotificationStatus | None = None, page: int = 1) -> NotificationPage:
    query = select(Notification)
    if status is not None:
        query = query.where(Notification.status == status)
    found = numbered_page(query.order_by(Notification.created_at.desc(), Notification.id.desc()), page, PAGE_SIZE)
    rows = found.items
    counts = {
        NotificationStatus(status): count
        for status, count in db.session.execute(select(Notification.status, func.count()).group_by(Notification.status))
    }
    # Users for the page in one query.
    user_ids = {row.user_id for row in rows}
    if user_ids:
        db.session.scalars(select(User).where(User.id.in_(user_ids))).all()
    return NotificationPage(rows, found.page, found.pages, found.total, counts)


def notification_or_none(notification_id: int) -> Notification | None:
    return db.session.get(Notification, notification_id)


def resend(notification: Notification) -> Notification:
    """Try again now: a failed or waiting email is retried at once; a sent one is sent again as a
    new email (the first stays in the record as sent)."""
    if notification.status == NotificationStatus.SENT or notification.digest_id is not None:
        copy = Notification(
            user_id=notification.user_id,
            kind=notification.kind,
            subject=notification.subject,
            body=notification.body,
            status=NotificationStatus.QUEUED,
            next_attempt_at=utcnow(),
        )
        db.session.add(copy)
        db.session.flush()
        db.session.info.setdefault(QUEUED_IN_SESSION, []).append(copy.id)
        return copy
    notification.status = NotificationStatus.QUEUED
    notification.next_attempt_at = utcnow()
    notification.claimed_at = None
    db.session.flush()
    db.session.info.setdefault(QUEUED_IN_SESSION, []).append(notification.id)
    return notification


# Delivery bookkeeping (the worker calls these; each runs in its own short transaction) --------------


def claim(notification_id: int, now: datetime | None = None) -> Notification | None:
    """Mark one notification as being sent, if it is due and nobody else has it. The UPDATE is the
    lock: of two workers given the same id, one claims it and the other gets None."""
    moment = now or utcnow()
    claimed = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status.in_([NotificationStatus.QUEUED, NotificationStatus.FAILED]),
            Notification.in_digest.is_(False),
            Notification.next_attempt_at <= moment,
        )
        .values(status=NotificationStatus.SENDING, claimed_at=moment)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
    if not claimed:
        return None
    return db.session.get(Notification, notification_id, populate_existing=True)


def mark_sent(notification: Notification) -> None:
    moment = utcnow()
    notification.status = NotificationStatus.SENT
    notification.sent_at = moment
    notification.attempts += 1
    notification.last_error = None
    if notification.kind == NotificationKind.DIGEST:
        db.session.execute(
            update(Notification)
            .where(Notification.digest_id == notification.id)
            .values(status=NotificationStatus.SENT, sent_at=moment)
            .execution_options(synchronize_session=False)
        )


def mark_failed(notification: Notification, reason: str, retry_in: timedelta) -> None:
    notification.status = NotificationStatus.FAILED
    notification.attempts += 1
    notification.last_error = reason[:500]
    notification.next_attempt_at = utcnow() + retry_in
    notification.claimed_at = None


def due_for_delivery(limit: int = 500, stuck_after: timedelta = timedelta(minutes=10)) -> list[int]:
    """Ids to hand to the worker now: waiting or failed and due, plus any claimed by a worker that
    stopped mid-send (put back first)."""
    moment = utcnow()
    db.session.execute(
        update(Notification)
        .where(Notification.status == NotificationStatus.SENDING, Notification.claimed_at < moment - stuck_after)
        .values(status=NotificationStatus.FAILED, last_error="The worker stopped while sending; trying again")
        .execution_options(synchronize_session=False)
    )
    return list(
        db.session.scalars(
            select(Notification.id)
            .where(
                Notification.status.in_([NotificationStatus.QUEUED, NotificationStatus.FAILED]),
                Notification.in_digest.is_(False),
                Notification.next_attempt_at <= moment,
            )
            .order_by(Notification.next_attempt_at)
            .limit(limit)
        )
    )


def discard_all() -> int:
    """Drop every notification (seed-demo: a made-up history must not email anyone)."""
    db.session.execute(update(Notification).values(digest_id=None))
    return db.session.query(Notification).delete()
