"""Actions arising from an audit or a supervision session: each has one owner and a due date.

Audits and supervision records both own actions, so the model sits below both modules: they
import it, and it names them only for type checking (its relationships find them by name)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.clock import utcnow
from audit.extensions import Model
from audit.models.cases import Case
from audit.models.people import User

if TYPE_CHECKING:
    from audit.models.audits import Audit
    from audit.models.supervision import SupervisionRecord


class Action(Model):
    """An action arising from an audit or a supervision session, with one owner."""

    __tablename__ = "actions"
    __table_args__ = (
        # A person's open actions, and how many are overdue, counted from the index alone (the home
        # page; the due date was read from each action before: 2 ms for 1,379 actions).
        Index("ix_actions_owner_open", "owner_id", "completed_at", "due_date"),
        # Reports count an audit's actions by state from the index alone.
        Index("ix_actions_audit_state", "audit_id", "completed_at", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    # Or from supervision: the record, and the child's case when the action is about one.
    supervision_id: Mapped[int | None] = mapped_column(
        ForeignKey("supervision_records.id", ondelete="CASCADE"), index=True
    )
    supervision_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completion_note: Mapped[str | None] = mapped_column(Text)

    audit: Mapped[Audit | None] = relationship(back_populates="actions")
    supervision: Mapped[SupervisionRecord | None] = relationship(back_populates="actions")
    supervision_case: Mapped[Case | None] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
