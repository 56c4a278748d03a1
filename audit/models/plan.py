"""The improvement plan: priorities (often an inspection's recommendations), the actions that
deliver them, and the measures of success whose current values come from audit and supervision
figures (see ``audit.reporting.measures``)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.clock import utcnow
from audit.extensions import Model, db
from audit.models.people import Team, User
from audit.models.types import stored_enum


class PlanActionStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return {
            PlanActionStatus.NOT_STARTED: "Not started",
            PlanActionStatus.IN_PROGRESS: "In progress",
            PlanActionStatus.DONE: "Done",
        }[self]


class Priority(Model):
    """One priority of the plan, numbered in the order the board reads them."""

    __tablename__ = "plan_priorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(300))  # e.g. an Ofsted recommendation and its date
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    target_date: Mapped[date]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Raised on every save; an edit made from an older version is refused, not saved over.
    version: Mapped[int] = mapped_column(default=1)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    actions: Mapped[list[PlanAction]] = relationship(
        back_populates="priority", cascade="all, delete-orphan", order_by="(PlanAction.due_date, PlanAction.id)"
    )
    measures: Mapped[list[Measure]] = relationship(
        back_populates="priority", cascade="all, delete-orphan", order_by="Measure.id"
    )


class PlanAction(Model):
    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("plan_priorities.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date]
    status: Mapped[PlanActionStatus] = mapped_column(
        stored_enum(PlanActionStatus, "status"), default=PlanActionStatus.NOT_STARTED
    )
    completed_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    priority: Mapped[Priority] = relationship(back_populates="actions")
    owner: Mapped[User] = relationship()

    @property
    def status_label(self) -> str:
        return PlanActionStatus(self.status).label


measure_teams = Table(
    "plan_measure_teams",
    db.metadata,
    Column("measure_id", ForeignKey("plan_measures.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class Measure(Model):
    """A measure of success bound to one of the report figures, optionally narrowed to a theme and
    to teams. ``figure`` is a key of ``audit.reporting.measures.FIGURES``; a key that is no longer
    there is shown as such, never guessed at."""

    __tablename__ = "plan_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("plan_priorities.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    figure: Mapped[str] = mapped_column(String(200))  # a key of audit.reporting.measures.FIGURES
    theme: Mapped[str | None] = mapped_column(String(120))
    window_months: Mapped[int] = mapped_column(default=3)  # audit figures: the months to today counted
    baseline_value: Mapped[float]
    baseline_on: Mapped[date]
    target_value: Mapped[float]
    target_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    priority: Mapped[Priority] = relationship(back_populates="measures")
    teams: Mapped[list[Team]] = relationship(secondary=measure_teams, order_by="Team.name")
    history: Mapped[list[MeasureValue]] = relationship(
        back_populates="measure",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="MeasureValue.recorded_on",
    )


class MeasureValue(Model):
    """A measure's value as recorded on one UK day, kept so the board sees its trend between
    meetings. One row per measure and day: recording again on the same day replaces the day's row.
    ``value`` is null where there was nothing to count (or the measure could not be read);
    ``numerator`` of ``denominator`` is what the percentage counted, where the figure says."""

    __tablename__ = "measure_values"
    __table_args__ = (UniqueConstraint("measure_id", "recorded_on", name="uq_measure_values_measure_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("plan_measures.id", ondelete="CASCADE"))
    recorded_on: Mapped[date]  # the Europe/London date it was recorded on
    value: Mapped[float | None]
    numerator: Mapped[int | None]
    denominator: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(20))  # the RAG status on the day, as its stored word
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    measure: Mapped[Measure] = relationship(back_populates="history")
