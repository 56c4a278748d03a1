"""Handing an email to whoever delivers it: an SMTP server, GOV.UK Notify, or a folder.

Chosen by ``EMAIL_BACKEND`` (audit/config.py). Each backend raises ``DeliveryError`` with a reason
fit for the admin's notifications page when the email was not accepted; the worker then tries again
later. The reason never carries the email's text.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from audit.config import EmailSettings


class DeliveryError(Exception):
    """The email was not accepted; ``str(error)`` says why, for the admin."""


class Backend(Protocol):
    def send(self, *, to: str, subject: str, body: str, reference: str) -> None: ...


def message(settings: EmailSettings, *, to: str, subject: str, body: str, reference: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = to
    email["Subject"] = subject
    email["Date"] = formatdate(localtime=False)
    domain = settings.sender.rpartition("@")[2] or "localhost"
    # The reference ties the email to its notification, so a duplicate delivery would be visible.
    email["Message-ID"] = make_msgid(idstring=reference, domain=domain)
    email["X-Notification-Reference"] = reference
    email.set_content(body)
    return email


class SmtpBackend:
    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings

    def send(self, *, to: str, subject: str, body: str, reference: str) -> None:
        settings = self.settings
        email = message(settings, to=to, subject=subject, body=body, reference=reference)
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if settings.smtp_username:
                    smtp.login(settings.smtp_username, settings.smtp_password)
                smtp.send_message(email)
        except smtplib.SMTPResponseException as error:
            raise DeliveryError(f"The mail server refused it: {error.smtp_code}") from error
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"Could not reach the mail server: {type(error).__name__}") from error


class NotifyBackend:
    """GOV.UK Notify, through its official client. One template carries every email: its subject
    is ``((subject))`` and its body ``((body))``."""

    def __init__(self, settings: EmailSettings) -> None:
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(settings.notify_api_key)  # type: ignore[no-untyped-call]
        self.template_id = settings.notify_template_id

    def send(self, *, to: str, subject: str, body: str, reference: str) -> None:
        from notifications_python_client.errors import APIError

        try:
            self.client.send_email_notification(  # type: ignore[no-untyped-call]
                email_address=to,
                template_id=self.template_id,
                personalisation={"subject": subject, "body": body},
                reference=reference,
            )
        except APIError as error:
            raise DeliveryError(f"GOV.UK Notify refused it: {error.status_code}") from error
        except OSError as error:
            raise DeliveryError(f"Could not reach GOV.UK Notify: {type(error).__name__}") from error


class FolderBackend:
    """Development: each email is a file the developer can open (``instance/mail`` by default)."""

    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings
        self.folder = Path(settings.folder)

    def send(self, *, to: str, subject: str, body: str, reference: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        email = message(self.settings, to=to, subject=subject, body=body, reference=reference)
        (self.folder / f"{reference}.eml").write_bytes(bytes(email))


class NoBackend:
    """Tests that do not read email: nothing leaves, and the notification stays queued."""

    def send(self, *, to: str, subject: str, body: str, reference: str) -> None:
        raise DeliveryError("Email is switched off (EMAIL_BACKEND=none)")


def backend_for(settings: EmailSettings) -> Backend:
    if settings.backend == "smtp":
        return SmtpBackend(settings)
    if settings.backend == "notify":
        return NotifyBackend(settings)
    if settings.backend == "folder":
        return FolderBackend(settings)
    return NoBackend()
