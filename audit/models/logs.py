"""What the service records about its own use: failed sign-ins and access to children's records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from audit.clock import utcnow
from audit.extensions import Model


class SignInFailure(Model):
    """One failed sign-in, counted per email address whether or not an account has it."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_email_at", "email", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignInFailureFromAddress(Model):
    """One failed sign-in, counted per client address (an IPv6 address by its /64 network), so
    that one address cannot try password after password across many accounts."""

    __tablename__ = "sign_in_address_failures"
    __table_args__ = (Index("ix_sign_in_address_failures_address_at", "client_address", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_address: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AccessLogEntry(Model):
    """Who viewed, changed or exported a child-linked record, and when."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PreservedForm(Model):
    """What a user posted when their session or CSRF token had expired, kept until they return.

    The data may contain evidence about a child, so it is held like any record (not in a cookie),
    bound to the user (never kept without one), and deleted once restored or after a day.
    """

    __tablename__ = "preserved_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    data: Mapped[str]  # JSON list of [name, value] pairs, passwords and CSRF tokens removed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportDownload(Model):
    """A report or export someone downloaded or a scheduled command produced: who (no one for the
    command line), when, which report and with what filters."""

    __tablename__ = "report_downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    report: Mapped[str] = mapped_column(String(40))  # e.g. "themed-pdf", "answers-csv", "plan-pdf"
    filters: Mapped[str] = mapped_column(Text, default="{}")  # JSON of the filters applied
    via: Mapped[str] = mapped_column(String(10), default="web")  # "web" or "command"
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
