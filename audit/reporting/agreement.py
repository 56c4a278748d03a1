"""Moderation agreement: how closely auditors' section grades match the moderators' grades of
the same sections (exact, within one grade, quadratic-weighted kappa) and the drift between them,
by auditor and by team, counted from the pairs the grade summary keeps (``PairSummary``). Auditors
who grade more generously than moderators are the weakness inspectors most often find in an
audit programme, so this is measured, not assumed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import aliased

from audit.extensions import db
from audit.models import PairSummary, ScaleGrade, Team, ToolSection, User
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
    # Read once from the pairs kept in the summary (``audit.domain.summaries``), counted per team,
    # auditor and the two grades' scale and positions; the whole, the matrix, the auditors and the
    # teams are then added up here from those few hundred counts.
    conditions = [*scope.summarised(PairSummary)]
    if scope.themes:
        conditions.append(PairSummary.section_id.in_(select(ToolSection.id).where(*scope.sections())))
    counted = (
        select(
            PairSummary.team_id,
            PairSummary.auditor_id,
            PairSummary.auditor_grade_id,
            PairSummary.moderator_grade_id,
            func.sum(PairSummary.pairs).label("pairs"),
        )
        .where(*conditions)
        .group_by(
            PairSummary.team_id, PairSummary.auditor_id, PairSummary.auditor_grade_id, PairSummary.moderator_grade_id
        )
        .subquery()
    )
    auditor_grade, moderator_grade = aliased(ScaleGrade), aliased(ScaleGrade)
    rows = db.session.execute(
        select(
            counted.c.team_id,
            counted.c.auditor_id,
            auditor_grade.scale_id,
            auditor_grade.position,
            moderator_grade.position,
            cast(counted.c.pairs, Integer),
        )
        .select_from(counted)
        .join(auditor_grade, auditor_grade.id == counted.c.auditor_grade_id)
        .join(moderator_grade, moderator_grade.id == counted.c.moderator_grade_id)
        .where(auditor_grade.scale_id == moderator_grade.scale_id)
    ).all()

    by_scale: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    by_auditor: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    by_team: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    total = exact = within_one = drift_sum = 0
    for team_id, auditor_id, scale_id, auditor_position, moderator_position, count in rows:
        difference = auditor_position - moderator_position
        by_scale[scale_id][(auditor_position, moderator_position)] += count
        total += count
        exact += count if difference == 0 else 0
        within_one += count if abs(difference) <= 1 else 0
        drift_sum += count * difference
        for totals, key in ((by_auditor, auditor_id), (by_team, team_id)):
            totals[key][0] += count
            totals[key][1] += count * difference
    # Kappa compares like with like: with several scales in the period it is given only when one
    # scale holds every pair (a pooled kappa across scales of different lengths would mislead).
    # The scales' sizes are read whenever there are pairs, so the number of queries does not depend
    # on how many scales the period holds.
    sizes = (
        dict(
            db.session.execute(
                select(ScaleGrade.scale_id, func.count(ScaleGrade.id))
                .where(ScaleGrade.scale_id.in_(by_scale))
                .group_by(ScaleGrade.scale_id)
            ).all()
        )
        if by_scale
        else {}
    )
    kappa = None
    if len(by_scale) == 1:
        scale_id, counts = next(iter(by_scale.items()))
        kappa = quadratic_weighted_kappa(dict(counts), sizes[scale_id])

    def drifts(model: type[User] | type[Team], totals: dict[int, list[int]]) -> list[Drift]:
        if not totals:
            return []
        names = db.session.execute(select(model.id, model.name).where(model.id.in_(totals))).all()
        return sorted(
            (Drift(name, totals[key][0], totals[key][1] / totals[key][0]) for key, name in names),
            key=lambda drift: drift.name,
        )

    return ModerationAgreement(
        pairs=total,
        exact=exact,
        within_one=within_one,
        kappa=kappa,
        by_auditor=drifts(User, by_auditor),
        by_team=drifts(Team, by_team),
        drift=drift_sum / total if total else None,
    )
