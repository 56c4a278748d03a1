"""Of the cases re-audited in a period, how many improved, stayed the same or got worse.

A re-audit is an audit that follows an earlier audit of the same case (``follows_audit_id``,
audit.domain.reaudit). It counts in the period in which it was completed (submitted, UK dates).
Each audit's grade is its final overall grade: the moderator's where it was moderated, otherwise the
auditor's, as every other report figure counts it. Movement is by the grade's position on its scale
(0 is the best): a lower position is an improvement. A pair that cannot be compared (either has no
overall grade, or the two are on different scales) is counted as such, never guessed.

The counts cover every team in the scope; the list of cases is only for someone who may see each
case's team (``User.can_see_team``), so a report shown to a team never names another team's cases.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from audit.clock import utc_start_of
from audit.extensions import db
from audit.models import Audit, AuditStatus, Case, Moderation, ScaleGrade, Team, User
from audit.reporting.figures import ReportScope


class Movement(enum.StrEnum):
    IMPROVED = "improved"
    SAME = "same"
    WORSE = "worse"
    NOT_COMPARABLE = "not_comparable"

    @property
    def label(self) -> str:
        return {
            Movement.IMPROVED: "Improved",
            Movement.SAME: "Stayed the same",
            Movement.WORSE: "Got worse",
            Movement.NOT_COMPARABLE: "Cannot be compared",
        }[self]


@dataclass(frozen=True)
class ReauditedCase:
    reference: str
    team_name: str
    first_audit_id: int
    reaudit_id: int
    first_grade: str | None
    reaudit_grade: str | None
    movement: Movement


@dataclass(frozen=True)
class ReauditOutcomes:
    improved: int = 0
    same: int = 0
    worse: int = 0
    not_comparable: int = 0
    cases: list[ReauditedCase] = field(default_factory=list)  # those the viewer may see

    @property
    def compared(self) -> int:
        return self.improved + self.same + self.worse

    @property
    def percent_improved(self) -> float | None:
        """Of the re-audits that can be compared, the % that improved; None when there are none."""
        return round(100 * self.improved / self.compared, 1) if self.compared else None


def _movement(first: ScaleGrade | None, later: ScaleGrade | None) -> Movement:
    if first is None or later is None or first.scale_id != later.scale_id:
        return Movement.NOT_COMPARABLE
    if later.position < first.position:
        return Movement.IMPROVED
    if later.position > first.position:
        return Movement.WORSE
    return Movement.SAME


def reaudit_outcomes(scope: ReportScope, viewer: User | None = None) -> ReauditOutcomes:
    """The re-audits completed in the scope's dates (and teams and tools), by movement of the final
    overall grade since the audit they follow; with the cases ``viewer`` may see. Two queries."""
    first = aliased(Audit)
    first_moderation = aliased(Moderation)
    later_moderation = aliased(Moderation)
    rows = db.session.execute(
        select(
            Audit.id,
            first.id,
            Case.reference,
            Team.id,
            Team.name,
            func.coalesce(first_moderation.overall_grade_id, first.overall_grade_id),
            func.coalesce(later_moderation.overall_grade_id, Audit.overall_grade_id),
        )
        .join(first, first.id == Audit.follows_audit_id)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .outerjoin(first_moderation, first_moderation.audit_id == first.id)
        .outerjoin(later_moderation, later_moderation.audit_id == Audit.id)
        .where(
            # Read from the index of re-audits, not from every audit of the period: re-audits are few.
            Audit.follows_audit_id.is_not(None),
            Audit.status.in_([AuditStatus.SUBMITTED, AuditStatus.MODERATED]),
            Audit.submitted_at >= utc_start_of(scope.start),
            Audit.submitted_at < utc_start_of(scope.end + timedelta(days=1)),
            *scope.teams_and_tools(),
        )
        .order_by(Case.reference, Audit.id)
    ).all()
    grade_ids = {grade_id for row in rows for grade_id in row[5:] if grade_id is not None}
    grades = (
        {grade.id: grade for grade in db.session.scalars(select(ScaleGrade).where(ScaleGrade.id.in_(grade_ids)))}
        if grade_ids
        else {}
    )
    counts = dict.fromkeys(Movement, 0)
    cases = []
    for reaudit_id, first_id, reference, team_id, team_name, first_grade_id, later_grade_id in rows:
        first_grade = grades.get(first_grade_id) if first_grade_id else None
        later_grade = grades.get(later_grade_id) if later_grade_id else None
        movement = _movement(first_grade, later_grade)
        counts[movement] += 1
        if viewer is not None and viewer.can_see_team(team_id):
            cases.append(
                ReauditedCase(
                    reference=reference,
                    team_name=team_name,
                    first_audit_id=first_id,
                    reaudit_id=reaudit_id,
                    first_grade=first_grade.label if first_grade else None,
                    reaudit_grade=later_grade.label if later_grade else None,
                    movement=movement,
                )
            )
    return ReauditOutcomes(
        improved=counts[Movement.IMPROVED],
        same=counts[Movement.SAME],
        worse=counts[Movement.WORSE],
        not_comparable=counts[Movement.NOT_COMPARABLE],
        cases=cases,
    )


def improved_reading(scope: ReportScope) -> tuple[float | None, int, str]:
    """For the improvement plan's measure: (% improved, re-audits compared, what was counted)."""
    outcomes = reaudit_outcomes(scope)
    return outcomes.percent_improved, outcomes.compared, "re-audited cases"
