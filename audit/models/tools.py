"""Audit tools: versioned question sets with their own grade scale, stored as data.

A tool's definition file is loaded into a new ``AuditToolVersion`` whenever its content changes;
an audit keeps the exact version it was started on. Tools and their sections say which of the
inspection framework's judgement areas they evidence; the areas are data too
(``audit/tool_definitions/judgement-areas.toml``), so a renewed framework needs no code.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit.clock import utcnow
from audit.extensions import Model


class AnswerType(enum.StrEnum):
    GRADE = "grade"
    YES_NO_NA = "yes_no_na"
    DATE = "date"
    TEXT = "text"
    CHOICE = "choice"  # one of the question's own options (QuestionOption)
    NUMBER = "number"  # a whole number, between the question's bounds where it has them


class JudgementArea(Model):
    """An area the inspection framework judges (ILACS: children who need help and protection,
    children in care, care leavers, the impact of leaders), loaded from
    ``judgement-areas.toml``."""

    __tablename__ = "judgement_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(Text)
    framework: Mapped[str] = mapped_column(String(120))
    position: Mapped[int]


# Which judgement areas a tool (as a whole) and each section of a tool version evidence.
audit_tool_judgement_areas = Table(
    "audit_tool_judgement_areas",
    Model.metadata,
    Column("tool_id", ForeignKey("audit_tools.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("judgement_areas.id", ondelete="CASCADE"), primary_key=True),
)
tool_section_judgement_areas = Table(
    "tool_section_judgement_areas",
    Model.metadata,
    Column("section_id", ForeignKey("tool_sections.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("judgement_areas.id", ondelete="CASCADE"), primary_key=True),
)


class GradeScale(Model):
    """A scale lists its grades in order (best first) and says which count as good or better."""

    __tablename__ = "grade_scales"
    __table_args__ = (UniqueConstraint("key", "content_hash", name="uq_grade_scales_key_content"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))
    not_applicable_label: Mapped[str] = mapped_column(String(60))
    content_hash: Mapped[str] = mapped_column(String(64))

    grades: Mapped[list[ScaleGrade]] = relationship(
        back_populates="scale", order_by="ScaleGrade.position", lazy="selectin"
    )


class ScaleGrade(Model):
    __tablename__ = "scale_grades"
    __table_args__ = (UniqueConstraint("scale_id", "key", name="uq_scale_grades_scale_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("grade_scales.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int]  # 0 is the best grade
    good_or_better: Mapped[bool]

    scale: Mapped[GradeScale] = relationship(back_populates="grades")


class AuditTool(Model):
    __tablename__ = "audit_tools"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    versions: Mapped[list[AuditToolVersion]] = relationship(back_populates="tool", order_by="AuditToolVersion.version")
    # As the newest loaded version's file lists them.
    judgement_areas: Mapped[list[JudgementArea]] = relationship(
        secondary=audit_tool_judgement_areas, order_by="JudgementArea.position"
    )


class AuditToolVersion(Model):
    __tablename__ = "audit_tool_versions"
    __table_args__ = (UniqueConstraint("tool_id", "version", name="uq_audit_tool_versions_tool_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("audit_tools.id"), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    asks_overall_grade: Mapped[bool]
    # An audit that raised an immediate safeguarding concern may not carry an overall grade of good
    # or better unless a leader records an override with reasons (on unless the tool file says not).
    concern_caps_grade: Mapped[bool] = mapped_column(default=True, server_default=true())
    scale_id: Mapped[int] = mapped_column(ForeignKey("grade_scales.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    tool: Mapped[AuditTool] = relationship(back_populates="versions")
    scale: Mapped[GradeScale] = relationship()
    sections: Mapped[list[ToolSection]] = relationship(back_populates="tool_version", order_by="ToolSection.position")

    @property
    def label(self) -> str:
        return f"{self.name} (version {self.version})"


class ToolSection(Model):
    __tablename__ = "tool_sections"
    __table_args__ = (UniqueConstraint("tool_version_id", "key", name="uq_tool_sections_version_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_version_id: Mapped[int] = mapped_column(ForeignKey("audit_tool_versions.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(120), index=True)
    guidance: Mapped[str] = mapped_column(Text)
    position: Mapped[int]

    tool_version: Mapped[AuditToolVersion] = relationship(back_populates="sections")
    questions: Mapped[list[ToolQuestion]] = relationship(back_populates="section", order_by="ToolQuestion.position")
    # The section's own list in the file, or else the tool's.
    judgement_areas: Mapped[list[JudgementArea]] = relationship(
        secondary=tool_section_judgement_areas, order_by="JudgementArea.position"
    )


_answer_types = ", ".join(f"'{answer.value}'" for answer in AnswerType)


class ToolQuestion(Model):
    __tablename__ = "tool_questions"
    __table_args__ = (
        UniqueConstraint("section_id", "key", name="uq_tool_questions_section_key"),
        CheckConstraint(f"answer_type IN ({_answer_types})", name="known_answer_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("tool_sections.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    guidance: Mapped[str] = mapped_column(Text)
    answer_type: Mapped[str] = mapped_column(String(20))
    position: Mapped[int]
    # An optional question may be left blank on submission; what is given is still checked.
    required: Mapped[bool] = mapped_column(default=True, server_default=true())
    # A number question's bounds, where the tool file gives them.
    number_min: Mapped[int | None]
    number_max: Mapped[int | None]

    section: Mapped[ToolSection] = relationship(back_populates="questions")
    # A choice question's options, in the file's order.
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan"
    )


class QuestionOption(Model):
    """One option of a choice question; an answer stores the option's id."""

    __tablename__ = "tool_question_options"
    __table_args__ = (UniqueConstraint("question_id", "key", name="uq_tool_question_options_question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("tool_questions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(Text)
    position: Mapped[int]

    question: Mapped[ToolQuestion] = relationship(back_populates="options")
