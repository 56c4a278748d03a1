"""Admin: every email the service has queued, its state (queued, sent, failed with the reason) and
a way to send it again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from audit.access import requires
from audit.admin import admin
from audit.domain import notifications
from audit.models import NotificationStatus, Role
from audit.routing import page_number


@admin.route("/notifications")
@requires(Role.ADMIN)
def notifications_index() -> str:
    wanted = request.args.get("status", "")
    status = NotificationStatus(wanted) if wanted in set(NotificationStatus) else None
    listing = notifications.notification_page(status, page=page_number())
    return render_template(
        "admin/notifications.html",
        listing=listing,
        status=status,
        statuses=list(NotificationStatus),
        title="Emails",
        nav_section="admin.notifications_index",
    )


@admin.route("/notifications/<int:notification_id>/resend", methods=["POST"])
@requires(Role.ADMIN)
def resend_notification(notification_id: int) -> Response:
    notification = notifications.notification_or_none(notification_id)
    if notification is None:
        abort(404)
    notifications.resend(notification)
    flash(f"The email to {notification.user.name} is queued to be sent again.", "success")
    return redirect(url_for("admin.notifications_index", status=request.args.get("status") or None))
