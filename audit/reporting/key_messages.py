"""The dashboard's key messages: the answer first, worked out from the figures already counted.

The strongest and weakest theme by % good or better (final grades, unit: audits), the theme that
moved most since the previous period of the same length, what is overdue today, and how far
moderators agreed with auditors. The sentences are written by the template, which puts the
"few to count" caution beside every figure counted over fewer than ``FEW_TO_COUNT``.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.reporting import figures
from audit.reporting.agreement import ModerationAgreement
from audit.reporting.figures import ActionFigures, AuditCounts, GradeDistribution, ReportScope

FEW_TO_COUNT = 10  # a percentage of fewer than this many carries a caution wherever it is shown


@dataclass(frozen=True)
class Movement:
    theme: str
    before: GradeDistribution
    after: GradeDistribution

    @property
    def points(self) -> float:
        """The change in % good or better, in percentage points (positive: better)."""
        after, before = self.after.percent_good_or_better, self.before.percent_good_or_better
        return round((after or 0) - (before or 0), 1)


@dataclass(frozen=True)
class KeyMessages:
    strongest: GradeDistribution | None  # None: no theme was graded
    # Whether strongest and weakest were chosen among themes of FEW_TO_COUNT audits or more only.
    enough_only: bool
    weakest: GradeDistribution | None  # None: fewer than two themes graded
    movement: Movement | None  # None: no theme graded in both periods
    previous: ReportScope
    audits_overdue: int
    actions_overdue: int
    agreement: ModerationAgreement


def _ranked(themes: list[GradeDistribution]) -> list[GradeDistribution]:
    """Graded themes, best % good or better first; among equals, the one counted over more audits.
    Only the themes counted over ``FEW_TO_COUNT`` audits or more where there are any: a theme of
    two audits at 0% is not the service's weakest, just the least counted."""
    graded = [theme for theme in themes if theme.graded]
    enough = [theme for theme in graded if theme.graded >= FEW_TO_COUNT]
    graded = enough or graded
    return sorted(graded, key=lambda theme: (-(theme.percent_good_or_better or 0), -theme.graded, theme.name))


def biggest_movement(themes: list[GradeDistribution], earlier: list[GradeDistribution]) -> Movement | None:
    """The theme whose % good or better changed most (either way) from ``earlier`` to ``themes``;
    among equal changes, the one counted over more audits now."""
    before = {theme.name: theme for theme in earlier if theme.graded}
    moves = [
        Movement(theme.name, before[theme.name], theme) for theme in themes if theme.graded and theme.name in before
    ]
    if not moves:
        return None
    return max(moves, key=lambda move: (abs(move.points), move.after.graded, move.theme))


def key_messages(
    scope: ReportScope,
    themes: list[GradeDistribution],
    counts: AuditCounts,
    actions: ActionFigures,
    agreement: ModerationAgreement,
) -> KeyMessages:
    """The key messages from the figures the dashboard has counted, and the previous period's theme
    grades (one more count, whatever the number of audits)."""
    ranked = _ranked(themes)
    previous = scope.previous()
    return KeyMessages(
        strongest=ranked[0] if ranked else None,
        enough_only=any(theme.graded < FEW_TO_COUNT for theme in themes if theme.graded)
        and any(theme.graded >= FEW_TO_COUNT for theme in themes),
        weakest=ranked[-1] if len(ranked) > 1 else None,
        movement=biggest_movement(themes, figures.theme_grades(previous)),
        previous=previous,
        audits_overdue=counts.overdue,
        actions_overdue=actions.overdue,
        agreement=agreement,
    )
