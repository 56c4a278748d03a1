"""Which parts of a draft its author has marked complete (the task list's "Completed").

A row means "the author said this part is finished and it passed the part's checks then". What a
task list shows is worked out from this row *and* what is saved now (``audit.domain.tasks``): a
part marked complete that later loses an answer shows as in progress again, so the mark can never
claim more than the saved record holds. Each record type keeps its own table, with a real foreign
key and cascade, like the amendments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from audit.clock import utcnow
from audit.extensions import Model


class AuditPartDone(Model):
    """An audit part (``s<section id>`` or ``overall``) its auditor marked complete."""

    __tablename__ = "audit_parts_done"

    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True)
    part: Mapped[str] = mapped_column(String(20), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class SupervisionPartDone(Model):
    """A supervision record part (``session``, ``cases``...) its supervisor marked complete."""

    __tablename__ = "supervision_parts_done"

    record_id: Mapped[int] = mapped_column(ForeignKey("supervision_records.id", ondelete="CASCADE"), primary_key=True)
    part: Mapped[str] = mapped_column(String(20), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
