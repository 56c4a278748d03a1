"""The answer summary: what the yes/no and choice answers of every completed audit add to the
question figures (``audit.reporting.questions``), kept up to date in the same transaction as each
change (``audit.domain.summaries``), so a question figure sums a few thousand counts whatever the
number of audits.

An answer is kept as it is stored (``choice`` for yes/no/n.a., ``option_id`` for a choice question),
not as the option's key, so the figure names it exactly as the answers themselves are named when
read. Every key column is NOT NULL: ``NO_CHOICE`` and ``NO_OPTION`` where there is none. Derived
like the other summaries: ``flask rebuild-summaries`` and ``flask check-summaries`` cover it.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from audit.extensions import Model
from audit.models.summaries import DatedCounts, DatedRow, counts_key, no_zero_counts

NO_CHOICE = ""  # ``choice`` of an answer that gives an option (or of an option with no choice)
NO_OPTION = 0  # ``option_id`` of a yes/no answer


class AuditAnswerRow(DatedRow, Model):
    """One completed audit's answer to a yes/no or choice question (an unanswered one is no row)."""

    __tablename__ = "audit_answer_rows"

    audit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    question_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    choice: Mapped[str] = mapped_column(String(3))  # yes, no, na or NO_CHOICE
    option_id: Mapped[int]  # the option chosen or NO_OPTION


class AnswerSummary(DatedCounts, Model):
    """``audit_answer_rows`` counted per UK period (day, week, month, quarter, year), as ``GradeSummary``."""

    __tablename__ = "answer_summary"
    __table_args__ = (
        counts_key("uq_answer_summary_key", "question_id", "choice", "option_id"),
        no_zero_counts("answer_summary", "audits"),
    )

    question_id: Mapped[int]
    choice: Mapped[str] = mapped_column(String(3))
    option_id: Mapped[int]
    audits: Mapped[int]
