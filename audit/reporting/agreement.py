"""Moderation agreement: how closely auditors' section grades match the moderators' grades of
the same sections (exact, within one grade, quadratic-weighted kappa) and the drift between them,
by auditor and by team. Auditors who grade more generously than moderators are the weakness
inspectors most often find in an audit programme, so this is measured, not assumed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, SQLColumnExpression, Subquery, and_, cast, func, select
from sqlalchemy.orm import aliased

from audit.extensions import db
from audit.models import Audit, ModeratedSection, Moderation, ScaleGrade, SectionJudgement, Team, ToolSection, User
from audit.reporting.figures import ReportScope, percent


@dataclass(frozen=True)
class Drift:
    """Grade drift of one auditor or team: the mean of (auditor's position - moderator's position).

    Position 0 is the best grade, so a NEGATIVE drift means the auditor graded more generously
    than the moderators, and a positive drift more strictly."""

    name: str
    pairs: int
    drift: float

    @property
    def in_words(self) -> str:
        return drift_in_words(self.drift)


def drift_in_words(drift: float, *, plural: bool = False) -> str:
    """The drift as a verb phrase for one auditor or team ("grades ...") or, ``plural``, for
    auditors as a whole ("grade ...")."""
    verb = "grade" if plural else "grades"
    size = abs(round(drift, 1))
    if size == 0:
        return f"{verb} in line with moderators"
    grades = "of a grade" if size < 1 else ("grade" if size == 1 else "grades")
    direction = "more generously" if drift < 0 else "more strictly"
    return f"{verb} {size:g} {grades} {direction} than moderators"


@dataclass(frozen=True)
class ModerationAgreement:
    pairs: int
    exact: int
    within_one: int
    kappa: float | None  # quadratic-weighted Cohen's kappa; None when it cannot be computed
    by_auditor: list[Drift]
    by_team: list[Drift]
    drift: float | None = None  # over every pair; negative is more generous (see Drift)

    @property
    def percent_exact(self) -> float | None:
        return percent(self.exact, self.pairs)

    @property
    def percent_within_one(self) -> float | None:
        return percent(self.within_one, self.pairs)

    @property
    def drift_in_words(self) -> str | None:
        """Over every pair, following "auditors" ("auditors grade 0.4 of a grade ...")."""
        return None if self.drift is None else drift_in_words(self.drift, plural=True)


def quadratic_weighted_kappa(counts: dict[tuple[int, int], int], categories: int) -> float | None:
    """Cohen's kappa with quadratic weights over a k x k table of (rater A, rater B) counts.

    kappa = 1 - sum(w * observed) / sum(w * expected), w = (i - j)^2 / (k - 1)^2 and expected from
    the margins. None when there are no pairs or the expected disagreement is zero (both raters
    used one grade only), where kappa is undefined."""
    total = sum(counts.values())
    if not total or categories < 2:
        return None
    rows = [sum(count for (a, _), count in counts.items() if a == i) for i in range(categories)]
    cols = [sum(count for (_, b), count in counts.items() if b == j) for j in range(categories)]
    observed = expected = 0.0
    for i in range(categories):
        for j in range(categories):
            weight = (i - j) ** 2 / (categories - 1) ** 2
            observed += weight * counts.get((i, j), 0)
            expected += weight * rows[i] * cols[j] / total
    return None if expected == 0 else 1 - observed / expected


def moderation_agreement(scope: ReportScope) -> ModerationAgreement:
    """Agreement between each auditor's section grade and the moderator's grade of the same
    section, over the sections both graded on the same scale (N/A on either side is left out)."""
    conditions = [*scope.completed_audits()]
    if scope.themes:
        conditions.append(SectionJudgement.section_id.in_(select(ToolSection.id).where(*scope.sections())))

    def pair_counts(*keys: ColumnElement[Any]) -> Subquery:
        """A subquery of the pairs counted per (auditor's grade id, moderator's grade id) and
        ``keys``. The grades are looked up once per count afterwards, not once per pair
        (bench/reports.py, 100,000 audits)."""
        return (
            select(
                *keys,
                SectionJudgement.grade_id.label("auditor_grade_id"),
                ModeratedSection.grade_id.label("moderator_grade_id"),
                func.count().label("pairs"),
            )
            .select_from(SectionJudgement)
            .join(Audit, Audit.id == SectionJudgement.audit_id)
            .join(Moderation, Moderation.audit_id == Audit.id)
            .join(
                ModeratedSection,
                and_(
                    ModeratedSection.moderation_id == Moderation.id,
                    ModeratedSection.section_id == SectionJudgement.section_id,
                ),
            )
            .where(*conditions)
            .group_by(*keys, SectionJudgement.grade_id, ModeratedSection.grade_id)
            .subquery()
        )

    auditor_grade = aliased(ScaleGrade)
    moderator_grade = aliased(ScaleGrade)

    def graded_on_one_scale(counted: Subquery) -> Select[*tuple[Any, ...]]:
        """The counted pairs both graded (N/A on either side is left out) on the same scale."""
        return (
            select()
            .select_from(counted)
            .join(auditor_grade, auditor_grade.id == counted.c.auditor_grade_id)
            .join(moderator_grade, moderator_grade.id == counted.c.moderator_grade_id)
            .where(auditor_grade.scale_id == moderator_grade.scale_id)
        )

    counted = pair_counts()
    matrix = db.session.execute(
        graded_on_one_scale(counted)
        .add_columns(
            auditor_grade.scale_id,
            auditor_grade.position,
            moderator_grade.position,
            cast(func.sum(counted.c.pairs), Integer),
        )
        .group_by(auditor_grade.scale_id, auditor_grade.position, moderator_grade.position)
    ).all()
    scale_sizes = (
        dict(
            db.session.execute(
                select(ScaleGrade.scale_id, func.count(ScaleGrade.id))
                .where(ScaleGrade.scale_id.in_({row[0] for row in matrix}))
                .group_by(ScaleGrade.scale_id)
            ).all()
        )
        if matrix
        else {}
    )

    by_scale: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    total = exact = within_one = drift_sum = 0
    for scale_id, auditor_position, moderator_position, count in matrix:
        by_scale[scale_id][(auditor_position, moderator_position)] = count
        total += count
        exact += count if auditor_position == moderator_position else 0
        within_one += count if abs(auditor_position - moderator_position) <= 1 else 0
        drift_sum += count * (auditor_position - moderator_position)
    # Kappa compares like with like: with several scales in the period it is given only when one
    # scale holds every pair (a pooled kappa across scales of different lengths would mislead).
    kappa = None
    if len(by_scale) == 1:
        scale_id, counts = next(iter(by_scale.items()))
        kappa = quadratic_weighted_kappa(counts, scale_sizes[scale_id])

    def drift_by(model: type[User] | type[Team], key: SQLColumnExpression[int]) -> list[Drift]:
        counted = pair_counts(key.label("key"))
        difference = auditor_grade.position - moderator_grade.position
        rows = db.session.execute(
            graded_on_one_scale(counted)
            .join(model, model.id == counted.c.key)
            .add_columns(
                model.name,
                cast(func.sum(counted.c.pairs), Integer),
                cast(func.sum(counted.c.pairs * difference), Integer),
            )
            .group_by(model.id, model.name)
            .order_by(model.name)
        ).all()
        return [Drift(name, int(count), int(summed) / int(count)) for name, count, summed in rows]

    return ModerationAgreement(
        pairs=total,
        exact=exact,
        within_one=within_one,
        kappa=kappa,
        by_auditor=drift_by(User, Audit.auditor_id) if total else [],
        by_team=drift_by(Team, Audit.team_id) if total else [],
        drift=drift_sum / total if total else None,
    )
