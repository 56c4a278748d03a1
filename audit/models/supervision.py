"""Supervision: case, reflective and group supervision records, their sign-off and amendments,
and the configurable standards for how often workers and cases are supervised."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.clock import utcnow
from audit.extensions import Model
from audit.models.actions import Action
from audit.models.amendments import AmendmentColumns
from audit.models.cases import Case
from audit.models.people import Team, User
from audit.models.progress import SupervisionPartDone
from audit.models.types import stored_enum


class SupervisionKind(enum.StrEnum):
    CASE = "case"
    REFLECTIVE = "reflective"
    GROUP = "group"

    @property
    def label(self) -> str:
        return {
            SupervisionKind.CASE: "Case supervision",
            SupervisionKind.REFLECTIVE: "Reflective supervision",
            SupervisionKind.GROUP: "Group supervision",
        }[self]

    @property
    def discusses_cases(self) -> bool:
        return self in {SupervisionKind.CASE, SupervisionKind.GROUP}


class SupervisionStatus(enum.StrEnum):
    DRAFT = "draft"
    COMPLETED = "completed"  # signed by the supervisor; awaiting the worker's acknowledgement
    ACKNOWLEDGED = "acknowledged"  # signed by every worker: locked

    @property
    def label(self) -> str:
        return {
            SupervisionStatus.DRAFT: "Draft",
            SupervisionStatus.COMPLETED: "Awaiting acknowledgement",
            SupervisionStatus.ACKNOWLEDGED: "Acknowledged",
        }[self]


class SupervisionRecord(Model):
    __tablename__ = "supervision_records"
    __table_args__ = (
        CheckConstraint(
            "duration_minutes IS NULL OR (duration_minutes > 0 AND duration_minutes <= 1440)", name="duration_in_a_day"
        ),
        CheckConstraint("status = 'draft' OR completed_at IS NOT NULL", name="completed_has_date"),
        Index("ix_supervision_records_team_status", "team_id", "status"),
        Index("ix_supervision_records_supervisor_status", "supervisor_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SupervisionKind] = mapped_column(stored_enum(SupervisionKind, "known_kind"))
    # The workers' team when the record was started: access and compliance follow it.
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[SupervisionStatus] = mapped_column(
        stored_enum(SupervisionStatus, "known_status"), default=SupervisionStatus.DRAFT
    )
    held_on: Mapped[date] = mapped_column(index=True)
    start_time: Mapped[time | None]
    duration_minutes: Mapped[int | None]
    next_supervision_date: Mapped[date | None]
    previous_actions_review: Mapped[str | None] = mapped_column(Text)

    # Reflective supervision: the four functions, the reflective cycle, wellbeing and learning.
    management: Mapped[str | None] = mapped_column(Text)
    development: Mapped[str | None] = mapped_column(Text)
    support: Mapped[str | None] = mapped_column(Text)
    mediation: Mapped[str | None] = mapped_column(Text)
    experience: Mapped[str | None] = mapped_column(Text)
    reflection: Mapped[str | None] = mapped_column(Text)
    analysis: Mapped[str | None] = mapped_column(Text)
    action_plan: Mapped[str | None] = mapped_column(Text)
    wellbeing: Mapped[str | None] = mapped_column(Text)
    learning_needs: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]  # when the last worker acknowledged
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Optimistic locking, as for audits: every save bumps it; a save from an older copy is refused.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    team: Mapped[Team] = relationship()
    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    attendees: Mapped[list[SupervisionAttendee]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="SupervisionAttendee.id"
    )
    cases: Mapped[list[SupervisionCase]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="SupervisionCase.id"
    )
    actions: Mapped[list[Action]] = relationship(back_populates="supervision", order_by="Action.id")
    amendments: Mapped[list[SupervisionAmendment]] = relationship(
        back_populates="record", order_by="SupervisionAmendment.id"
    )
    parts_done: Mapped[list[SupervisionPartDone]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def kind_enum(self) -> SupervisionKind:
        return SupervisionKind(self.kind)

    @property
    def status_enum(self) -> SupervisionStatus:
        return SupervisionStatus(self.status)

    @property
    def is_draft(self) -> bool:
        return self.status == SupervisionStatus.DRAFT

    @property
    def is_locked(self) -> bool:
        return self.status == SupervisionStatus.ACKNOWLEDGED

    @property
    def workers(self) -> list[User]:
        return [attendee.user for attendee in self.attendees]

    @property
    def worker_names(self) -> str:
        return ", ".join(attendee.user.name for attendee in self.attendees)


class SupervisionAttendee(Model):
    """A worker supervised in the session, with their acknowledgement and comment."""

    __tablename__ = "supervision_attendees"
    __table_args__ = (UniqueConstraint("record_id", "user_id", name="uq_supervision_attendees_record_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("supervision_records.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    acknowledged_at: Mapped[datetime | None]
    agrees: Mapped[bool | None]
    comment: Mapped[str | None] = mapped_column(Text)

    record: Mapped[SupervisionRecord] = relationship(back_populates="attendees")
    user: Mapped[User] = relationship()


class SupervisionCase(Model):
    """One child's case discussed in the session: the part that goes on the child's file."""

    __tablename__ = "supervision_cases"
    __table_args__ = (
        UniqueConstraint("record_id", "case_id", name="uq_supervision_cases_record_case"),
        CheckConstraint("safety_scale IS NULL OR (safety_scale >= 0 AND safety_scale <= 10)", name="safety_scale_0_10"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("supervision_records.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    current_situation: Mapped[str | None] = mapped_column(Text)
    lived_experience: Mapped[str | None] = mapped_column(Text)
    identity: Mapped[str | None] = mapped_column(Text)
    fathers_network: Mapped[str | None] = mapped_column(Text)
    worries: Mapped[str | None] = mapped_column(Text)
    working_well: Mapped[str | None] = mapped_column(Text)
    needs_to_happen: Mapped[str | None] = mapped_column(Text)
    safety_scale: Mapped[int | None]
    analysis: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(Text)
    decision_rationale: Mapped[str | None] = mapped_column(Text)
    next_review_date: Mapped[date | None]

    record: Mapped[SupervisionRecord] = relationship(back_populates="cases")
    case: Mapped[Case] = relationship()


class SupervisionAmendment(AmendmentColumns, Model):
    """A change to a completed supervision record: who, when, what, from what, to what, and why."""

    __tablename__ = "supervision_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("supervision_records.id", ondelete="CASCADE"), index=True)

    record: Mapped[SupervisionRecord] = relationship(back_populates="amendments")


class SupervisionStandard(Model):
    """How often supervision is expected, in days: per worker stage, or per case plan type.

    ``applies_to`` is 'worker' (key: a WorkerStage) or 'plan_type' (key: a PlanType value).
    Defaults are put in by the migration and changed by an admin."""

    __tablename__ = "supervision_standards"
    __table_args__ = (
        UniqueConstraint("applies_to", "key", name="uq_supervision_standards_applies_to_key"),
        CheckConstraint("applies_to IN ('worker', 'plan_type')", name="known_applies_to"),
        CheckConstraint("interval_days > 0 AND interval_days <= 366", name="interval_in_a_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applies_to: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    interval_days: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
