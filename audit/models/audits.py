"""Case audits: the programme that assigns them, the auditor's answers and judgements, actions,
safeguarding concerns, moderation and amendments after submission."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.clock import utcnow
from audit.extensions import Model
from audit.models.actions import Action
from audit.models.amendments import AmendmentColumns
from audit.models.cases import Case
from audit.models.people import Team, User
from audit.models.progress import AuditPartDone
from audit.models.tools import AuditToolVersion, QuestionOption, ScaleGrade, ToolQuestion, ToolSection
from audit.models.types import stored_enum


class AuditStatus(enum.StrEnum):
    ASSIGNED = "assigned"  # planned, not yet opened by the auditor
    IN_PROGRESS = "in_progress"  # a draft
    SUBMITTED = "submitted"  # locked; awaiting moderation
    MODERATED = "moderated"  # closed
    CANCELLED = "cancelled"  # withdrawn by a leader before submission, with the reason recorded

    @property
    def label(self) -> str:
        return {
            AuditStatus.ASSIGNED: "Not started",
            AuditStatus.IN_PROGRESS: "In progress",
            AuditStatus.SUBMITTED: "Submitted",
            AuditStatus.MODERATED: "Moderated",
            AuditStatus.CANCELLED: "Cancelled",
        }[self]

    @property
    def is_locked(self) -> bool:
        """Submitted: changed only by amendment. (A cancelled audit is closed but was never
        submitted; ``is_open`` says whether an audit can still be worked on.)"""
        return self in {AuditStatus.SUBMITTED, AuditStatus.MODERATED}

    @property
    def is_open(self) -> bool:
        """Assigned or in progress: the auditor may work on it, and a leader may reassign or cancel it."""
        return self in {AuditStatus.ASSIGNED, AuditStatus.IN_PROGRESS}


class AuditProgramme(Model):
    """A month's sample of cases to audit with one tool, assigned to auditors with a due date."""

    __tablename__ = "audit_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    month: Mapped[date]  # the first day of the month audited
    tool_version_id: Mapped[int] = mapped_column(ForeignKey("audit_tool_versions.id"))
    due_date: Mapped[date]
    sample_seed: Mapped[int | None]
    per_team: Mapped[int | None]
    # What is moderated of this programme's audits (audit.domain.moderation_sampling): a random
    # percentage, and whether every audit graded the scale's best or worst overall is too. None
    # follows the service-wide setting.
    moderation_percent: Mapped[int | None]
    moderate_best_and_worst: Mapped[bool | None]
    # Closure audits sample cases closed in the three months before the programme's month, not open
    # ones; a collaborative (practice week) programme audits each case with its worker present.
    closed_cases: Mapped[bool] = mapped_column(default=False, server_default=false())
    collaborative: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tool_version: Mapped[AuditToolVersion] = relationship()
    created_by: Mapped[User] = relationship()


class Audit(Model):
    __tablename__ = "audits"
    __table_args__ = (
        CheckConstraint(
            "status IN ('assigned', 'in_progress', 'cancelled') OR submitted_at IS NOT NULL", name="submitted_has_date"
        ),
        Index("ix_audits_team_status", "team_id", "status"),
        # An auditor's audits by status, and how many of their open audits are overdue, from the
        # index alone (the home page; the due date was read from each audit: 2-6 ms for 1,037).
        # With the id, which SQLite's indexes carry anyway as the rowid and PostgreSQL's do not: the
        # auditor's moderated audits joined to their unread outcomes took 16 ms there, 5 ms now.
        Index("ix_audits_auditor_status", "auditor_id", "status", "due_date", "id"),
        # Reports: the audits completed in a period, with every column the figures group them by,
        # read from the index alone (bench/reports.py).
        Index(
            "ix_audits_submitted_at_status",
            "submitted_at",
            "status",
            "team_id",
            "tool_version_id",
            "auditor_id",
            "overall_grade_id",
        ),
        # The moderation page's "recently moderated": the newest few, read from the end of this index
        # (a sort of every moderated audit before, 80 ms of the page at 100,000 audits).
        Index("ix_audits_moderated_at", "moderated_at"),
        # The audit list's open audits, soonest due first, and its overdue filter: the open audits
        # alone, by due date (a scan of every audit and a sort before: 18 ms at 100,000). Partial,
        # so no other query is drawn to it: a query uses it only by naming the open statuses as
        # written here (``audit.domain.audits.open_as_written``), which SQLite needs to match.
        Index(
            "ix_audits_open_due",
            "due_date",
            "submitted_at",
            sqlite_where=text("status IN ('assigned', 'in_progress')"),
            postgresql_where=text("status IN ('assigned', 'in_progress')"),
        ),
        # The submitted audits waiting for their practitioner's reflection, by case and then as My
        # audits lists them (longest waiting first): counted and listed through the practitioner's
        # cases from this index, not by reading each audit of those cases whole. Partial: a query
        # reaches it by naming the condition as written (``awaiting_reflection_as_written``).
        Index(
            "ix_audits_awaiting_reflection",
            "case_id",
            "submitted_at",
            # The condition's columns too, constant here, so the index covers the count and the
            # page's ids and SQLite (which keeps no statistics here) prefers it to the index by case.
            "status",
            "practitioner_reflection",
            sqlite_where=text("status = 'submitted' AND practitioner_reflection IS NULL"),
            postgresql_where=text("status = 'submitted' AND practitioner_reflection IS NULL"),
        ),
        # A programme's audits with the team and case its page orders them by, read from the index
        # alone (the audits' rows were most of the page's 5 ms at 924 audits a programme).
        Index("ix_audits_programme_team_case", "programme_id", "team_id", "case_id"),
        # Re-audit outcomes: the period's re-audits read from an index of re-audits alone, not
        # picked out of every audit of the period (250 ms at 100,000 audits on SQLite, 15 ms now).
        Index(
            "ix_audits_reaudits_submitted_at",
            "submitted_at",
            sqlite_where=text("follows_audit_id IS NOT NULL"),
            postgresql_where=text("follows_audit_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    tool_version_id: Mapped[int] = mapped_column(ForeignKey("audit_tool_versions.id"), index=True)
    # The case's team when the audit was created: reports and access follow it.
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    auditor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("audit_programmes.id"))
    # A re-audit of the same case after an audit graded Inadequate (audit.domain.reaudit).
    follows_audit_id: Mapped[int | None] = mapped_column(ForeignKey("audits.id", ondelete="SET NULL"), index=True)
    status: Mapped[AuditStatus] = mapped_column(stored_enum(AuditStatus, "known_status"), default=AuditStatus.ASSIGNED)
    due_date: Mapped[date | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    moderated_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    overall_grade_id: Mapped[int | None] = mapped_column(ForeignKey("scale_grades.id"))
    overall_rationale: Mapped[str | None] = mapped_column(Text)
    overall_above_inadequate_reason: Mapped[str | None] = mapped_column(Text)
    strengths: Mapped[str | None] = mapped_column(Text)
    areas_for_development: Mapped[str | None] = mapped_column(Text)
    child_family_feedback: Mapped[str | None] = mapped_column(Text)
    # A leader's override of the rule that an audit which raised a safeguarding concern cannot be
    # graded good or better overall (audit.domain.concerns), with who, when and why.
    grade_override_reason: Mapped[str | None] = mapped_column(Text)
    grade_override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    grade_override_at: Mapped[datetime | None]
    # A collaborative audit is done with the case's worker present: who took part is recorded, and
    # the practitioner's reflection is taken at the time (in practitioner_reflection).
    collaborative: Mapped[bool] = mapped_column(default=False, server_default=false())
    participants: Mapped[str | None] = mapped_column(Text)
    practitioner_reflection: Mapped[str | None] = mapped_column(Text)
    reflection_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reflection_at: Mapped[datetime | None]

    # Optimistic locking: every save bumps it, and a save from an older copy is refused.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship()
    team: Mapped[Team] = relationship()
    tool_version: Mapped[AuditToolVersion] = relationship()
    auditor: Mapped[User] = relationship(foreign_keys=[auditor_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    grade_override_by: Mapped[User | None] = relationship(foreign_keys=[grade_override_by_id])
    programme: Mapped[AuditProgramme | None] = relationship()
    overall_grade: Mapped[ScaleGrade | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="audit", cascade="all, delete-orphan")
    judgements: Mapped[list[SectionJudgement]] = relationship(back_populates="audit", cascade="all, delete-orphan")
    actions: Mapped[list[Action]] = relationship(back_populates="audit", order_by="Action.id")
    concerns: Mapped[list[SafeguardingConcern]] = relationship(
        back_populates="audit", order_by="SafeguardingConcern.id"
    )
    moderation: Mapped[Moderation | None] = relationship(back_populates="audit")
    moderation_assignment: Mapped[ModerationAssignment | None] = relationship(back_populates="audit")
    follows: Mapped[Audit | None] = relationship(remote_side=[id], foreign_keys=[follows_audit_id])
    amendments: Mapped[list[AuditAmendment]] = relationship(back_populates="audit", order_by="AuditAmendment.id")
    parts_done: Mapped[list[AuditPartDone]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def status_enum(self) -> AuditStatus:
        return AuditStatus(self.status)

    @property
    def is_locked(self) -> bool:
        return self.status_enum.is_locked


class Answer(Model):
    """One question's answer. A grade of "not applicable" is ``not_applicable`` with no grade."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("audit_id", "question_id", name="uq_answers_audit_question"),
        CheckConstraint("choice IS NULL OR choice IN ('yes', 'no', 'na')", name="known_choice"),
        CheckConstraint("NOT (not_applicable AND grade_id IS NOT NULL)", name="grade_or_not_applicable"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("tool_questions.id"), index=True)
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("scale_grades.id"), index=True)
    not_applicable: Mapped[bool] = mapped_column(default=False)
    choice: Mapped[str | None] = mapped_column(String(3))
    date_value: Mapped[date | None]
    text_value: Mapped[str | None] = mapped_column(Text)
    # A choice question's answer: one of its options (not ``choice``, which is yes/no/n.a.).
    option_id: Mapped[int | None] = mapped_column(ForeignKey("tool_question_options.id"), index=True)
    number_value: Mapped[int | None]
    evidence: Mapped[str | None] = mapped_column(Text)

    audit: Mapped[Audit] = relationship(back_populates="answers")
    question: Mapped[ToolQuestion] = relationship()
    grade: Mapped[ScaleGrade | None] = relationship()
    option: Mapped[QuestionOption | None] = relationship()


class SectionJudgement(Model):
    """The auditor's grade and evidence for a whole section (theme)."""

    __tablename__ = "section_judgements"
    __table_args__ = (
        UniqueConstraint("audit_id", "section_id", name="uq_section_judgements_audit_section"),
        CheckConstraint("NOT (not_applicable AND grade_id IS NOT NULL)", name="grade_or_not_applicable"),
        # Reports read the grades from these indexes alone: by audit (joined to the audits in a
        # period), and by section and grade (counted in the index's order, without a sort).
        Index("ix_section_judgements_audit_grades", "audit_id", "section_id", "grade_id", "not_applicable"),
        Index("ix_section_judgements_section_grades", "section_id", "grade_id", "not_applicable", "audit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("tool_sections.id"))
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("scale_grades.id"), index=True)
    not_applicable: Mapped[bool] = mapped_column(default=False)
    evidence: Mapped[str | None] = mapped_column(Text)

    audit: Mapped[Audit] = relationship(back_populates="judgements")
    section: Mapped[ToolSection] = relationship()
    grade: Mapped[ScaleGrade | None] = relationship()


class SafeguardingConcern(Model):
    """An immediate safeguarding concern found during an audit: visible until acknowledged."""

    __tablename__ = "safeguarding_concerns"
    __table_args__ = (Index("ix_safeguarding_concerns_open", "acknowledged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    details: Mapped[str] = mapped_column(Text)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]
    action_taken: Mapped[str | None] = mapped_column(Text)
    # When it was escalated to the service's leaders for not being acknowledged within the response
    # time (a setting; audit.domain.concerns works out when that ends).
    escalated_at: Mapped[datetime | None]

    audit: Mapped[Audit] = relationship(back_populates="concerns")
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])


class Moderation(Model):
    """A moderator's re-grading of a submitted audit; the auditor's grades are kept beside it."""

    __tablename__ = "moderations"
    __table_args__ = (
        # The outcomes an auditor has not yet read, for their home page: counted and ordered from
        # this index alone (the unique index by audit reads each moderation whole). With the
        # condition's column, constant here, so the index covers the lookup.
        Index(
            "ix_moderations_unread",
            "audit_id",
            "outcome_read_at",
            "created_at",
            sqlite_where=text("outcome_read_at IS NULL"),
            postgresql_where=text("outcome_read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), unique=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    overall_grade_id: Mapped[int | None] = mapped_column(ForeignKey("scale_grades.id"))
    overall_agrees: Mapped[bool | None]
    overall_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the auditor first opened the audit after it was moderated: until then their home page
    # lists the outcome.
    outcome_read_at: Mapped[datetime | None]

    audit: Mapped[Audit] = relationship(back_populates="moderation")
    moderator: Mapped[User] = relationship()
    overall_grade: Mapped[ScaleGrade | None] = relationship()
    section_grades: Mapped[list[ModeratedSection]] = relationship(
        back_populates="moderation", cascade="all, delete-orphan"
    )


class ModeratedSection(Model):
    __tablename__ = "moderated_sections"
    __table_args__ = (
        UniqueConstraint("moderation_id", "section_id", name="uq_moderated_sections_moderation_section"),
        CheckConstraint("NOT (not_applicable AND grade_id IS NOT NULL)", name="grade_or_not_applicable"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    moderation_id: Mapped[int] = mapped_column(ForeignKey("moderations.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("tool_sections.id"), index=True)
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("scale_grades.id"))
    not_applicable: Mapped[bool] = mapped_column(default=False)
    agrees: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(Text)

    moderation: Mapped[Moderation] = relationship(back_populates="section_grades")
    section: Mapped[ToolSection] = relationship()
    grade: Mapped[ScaleGrade | None] = relationship()


class ModerationAssignment(Model):
    """A submitted audit the moderation rule selected (audit.domain.moderation_sampling): why,
    the moderator it was given to (none when no moderator could take it) and when it is due."""

    __tablename__ = "moderation_assignments"
    __table_args__ = (CheckConstraint("selected_because IN ('grade', 'random')", name="known_reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), unique=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    selected_because: Mapped[str] = mapped_column(String(10))
    due_date: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    audit: Mapped[Audit] = relationship(back_populates="moderation_assignment")
    moderator: Mapped[User | None] = relationship()


class AuditAmendment(AmendmentColumns, Model):
    """A change to a submitted audit, or a leader's reassignment or cancellation of an open one
    (``audit.domain.programme``): who, when, what, from what, to what, and why."""

    __tablename__ = "audit_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), index=True)

    audit: Mapped[Audit] = relationship(back_populates="amendments")
