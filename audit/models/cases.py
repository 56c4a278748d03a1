"""A child's case, identified only by the case-management system's reference."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.clock import utcnow
from audit.extensions import Model
from audit.models.people import Team, User
from audit.models.types import stored_enum


class PlanType(enum.StrEnum):
    EARLY_HELP = "early_help"
    CHILD_IN_NEED = "child_in_need"
    CHILD_PROTECTION = "child_protection"
    CHILD_IN_CARE = "child_in_care"
    CARE_LEAVER = "care_leaver"

    @property
    def label(self) -> str:
        return PLAN_TYPE_LABELS[self]

    @classmethod
    def from_text(cls, text: str) -> PlanType | None:
        """Accept either the stored value or its label, in any case, as spreadsheets vary."""
        wanted = " ".join(text.replace("_", " ").replace("-", " ").split()).lower()
        for plan_type in cls:
            if wanted in {plan_type.value.replace("_", " "), plan_type.label.lower()}:
                return plan_type
        return None


PLAN_TYPE_LABELS = {
    PlanType.EARLY_HELP: "Early help",
    PlanType.CHILD_IN_NEED: "Child in need",
    PlanType.CHILD_PROTECTION: "Child protection",
    PlanType.CHILD_IN_CARE: "Child in care",
    PlanType.CARE_LEAVER: "Care leaver",
}

# Optional fields, used only in aggregate. Lists follow the categories councils report to DfE.
AGE_BANDS = ("Unborn", "Under 1", "1 to 4", "5 to 9", "10 to 15", "16 to 17", "18 to 25")
GENDERS = ("Female", "Male", "Other", "Not recorded")
ETHNICITIES = (
    "Asian or Asian British",
    "Black, Black British, Caribbean or African",
    "Mixed or multiple ethnic groups",
    "White",
    "Other ethnic group",
    "Not recorded",
)
RELIGIONS = (
    "No religion",
    "Buddhist",
    "Christian",
    "Hindu",
    "Jewish",
    "Muslim",
    "Sikh",
    "Other religion",
    "Not recorded",
)
DISABILITY = ("Yes", "No", "Not recorded")


class Case(Model):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    plan_type: Mapped[PlanType] = mapped_column(stored_enum(PlanType, "known_plan_type"))
    age_band: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(20))
    ethnicity: Mapped[str | None] = mapped_column(String(60))
    religion: Mapped[str | None] = mapped_column(String(40))
    disability: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Open while None; the date the case-management system's export showed it closed.
    closed_on: Mapped[date | None] = mapped_column(index=True)

    team: Mapped[Team] = relationship()
    worker: Mapped[User | None] = relationship()

    @property
    def plan_type_label(self) -> str:
        return PlanType(self.plan_type).label

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class CaseImportUpload(Model):
    """A case CSV waiting between its preview and the admin's confirmation.

    Held server-side (never in the cookie session: it may be megabytes), bound to the admin who
    uploaded it, reached only by a random token, and deleted once applied or after a short while.
    """

    __tablename__ = "case_import_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    full_export: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
