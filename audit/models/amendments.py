"""The shape every amendment record shares: a change to a locked record, with who, when, what,
from what, to what, and why.

Audits and supervision records keep their own tables (each row belongs to one record, with a real
foreign key and cascade), and both take their columns from ``AmendmentColumns`` so the two cannot
drift apart. ``audit.domain.amendments`` writes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from audit.clock import utcnow
from audit.models.people import User


class AmendmentColumns:
    """Mixed into each amendment model after its own id and record foreign key."""

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    field: Mapped[str] = mapped_column(String(300))  # what changed, in words
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)

    @declared_attr
    def user(cls) -> Mapped[User]:
        return relationship(User)
