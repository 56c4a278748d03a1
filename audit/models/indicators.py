"""Performance indicators imported from the council's own returns (a CSV of monthly figures such
as "% of visits in timescale"), so that a plan measure can be bound to one and shown beside the
audit findings: "audits say 80% good; 40% of visits late" is then visible on one page."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.clock import utcnow
from audit.extensions import Model


class PerformanceIndicator(Model):
    """One indicator, named as the import file names it; ``key`` is the stable name a measure binds
    to (``indicator:<key>``)."""

    __tablename__ = "performance_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20), default="%")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    values: Mapped[list[IndicatorValue]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", passive_deletes=True, order_by="IndicatorValue.month"
    )


class IndicatorValue(Model):
    """An indicator's figure for one month (``month`` is the month's first day). Importing the same
    month again replaces the figure and says who did it."""

    __tablename__ = "indicator_values"
    __table_args__ = (UniqueConstraint("indicator_id", "month", name="uq_indicator_values_indicator_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("performance_indicators.id", ondelete="CASCADE"))
    month: Mapped[date]
    value: Mapped[float]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    indicator: Mapped[PerformanceIndicator] = relationship(back_populates="values")
