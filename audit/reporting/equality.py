"""Equality: % good or better by the child's ethnicity, disability, age band and gender.

The unit is the audit: audits in scope whose **final overall grade** (the moderator's where the
audit was moderated, otherwise the auditor's) is good or better, over the audits with a final
overall grade. Audits whose tool asks for no overall grade are not counted. Each tool's overall
grade is its own judgement (``figures.overall_grades_by_tool``); here they are counted together,
because the question is whether children of one group receive worse practice than others, judged
by each audit's own tool; the definition says so.

The characteristics are those recorded on the case **now** (the last case import), not when the
audit was done. A group with fewer than ``SUPPRESS_BELOW`` audits shows "fewer than 5", never a
figure; where a characteristic has exactly one such group, the next smallest group is suppressed
too, so no suppressed group can be worked out by taking the others from the total.

Read from the equality summary (``audit.models.summary_equality``), kept with every change to an
audit or to a case's characteristics: one query summing about a year's months of counts, whatever
the number of audits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select

from audit.extensions import db
from audit.models import Case, EqualitySummary
from audit.reporting.figures import ReportScope, percent_good_or_better

SUPPRESS_BELOW = 5
NOT_RECORDED = "Not recorded"

# (key, the label a reader sees, the case column)
CHARACTERISTICS: tuple[tuple[str, str, Any], ...] = (
    ("ethnicity", "Ethnicity", Case.ethnicity),
    ("disability", "Disability", Case.disability),
    ("age_band", "Age band", Case.age_band),
    ("gender", "Gender", Case.gender),
)
KEYS = frozenset(key for key, _label, _column in CHARACTERISTICS)
LABELS = {key: label for key, label, _column in CHARACTERISTICS}

EQUALITY_RULE = (
    "Good or better by the child’s characteristics counts audits (unit: audits): the audits whose final "
    "overall grade is good or better, over the audits with a final overall grade. Each audit is judged by its "
    "own tool’s overall grade; audits whose tool asks for no overall grade are not counted. Ethnicity, "
    "disability, age band and gender are as recorded on the case now (the last case import), not when the "
    f"audit was done. A group of fewer than {SUPPRESS_BELOW} audits shows “fewer than {SUPPRESS_BELOW}” instead of "
    "a figure; where only one group of a characteristic is that small, the next smallest group is hidden too, so "
    "neither can be worked out by subtraction from the total."
)


@dataclass(frozen=True)
class EqualityGroup:
    """One group of a characteristic (e.g. ethnicity "White British"). Suppressed groups carry no
    counts at all, so no page or document can print them by mistake."""

    name: str  # the value recorded on the case, or "Not recorded"
    value: str | None  # the value as stored (None: not recorded), for the link to the audits
    good_or_better: int | None  # None when suppressed
    graded: int | None  # audits with a final overall grade; None when suppressed

    @property
    def suppressed(self) -> bool:
        return self.graded is None

    @property
    def percent_good_or_better(self) -> float | None:
        if self.graded is None or self.good_or_better is None:
            return None
        return percent_good_or_better(self.good_or_better, self.graded)


@dataclass(frozen=True)
class EqualityCharacteristic:
    key: str  # "ethnicity", "disability", "age_band", "gender"
    label: str  # "Ethnicity"
    groups: list[EqualityGroup] = field(default_factory=list)

    @property
    def any_suppressed(self) -> bool:
        return any(group.suppressed for group in self.groups)


@dataclass(frozen=True)
class EqualityBreakdown:
    audits: int  # audits in scope with a final overall grade (the total of each characteristic)
    characteristics: list[EqualityCharacteristic] = field(default_factory=list)
    rule: str = EQUALITY_RULE


def _suppressed(counts: dict[str | None, tuple[int, int]]) -> set[str | None]:
    """The groups to hide: every group under the threshold, and the next smallest as well where
    only one is under it (so it cannot be found by subtraction from the total)."""
    small = {value for value, (_good, graded) in counts.items() if graded < SUPPRESS_BELOW}
    if len(small) == 1 and len(counts) > 1:
        rest = sorted(
            (value for value in counts if value not in small),
            key=lambda value: (counts[value][1], value or ""),
        )
        small.add(rest[0])
    return small


def _sort_key(value: str | None) -> tuple[bool, float, str]:
    """Groups in reading order, "Not recorded" last; age bands youngest first ("Unborn",
    "Under 1", "1 to 4", "10 to 15"), by the first number in them."""
    text = (value or "").casefold()
    numbers = re.findall(r"\d+", text)
    if text.startswith("unborn"):
        age = -2.0
    elif numbers:
        age = float(numbers[0]) - (0.5 if text.startswith("under") else 0)
    else:
        age = float("inf")
    return (value is None, age, text)


def equality_breakdown(scope: ReportScope) -> EqualityBreakdown:
    """% good or better by each characteristic of the child, groups under 5 audits suppressed."""
    summary = EqualitySummary
    rows = db.session.execute(
        select(
            summary.characteristic,
            summary.value,
            func.sum(case((summary.good, summary.audits), else_=0)),
            func.sum(summary.audits),
        )
        .where(*scope.summarised(summary))
        .group_by(summary.characteristic, summary.value)
    ).all()
    counted: dict[str, dict[str | None, tuple[int, int]]] = {key: {} for key, _label, _column in CHARACTERISTICS}
    for characteristic, value, good_count, graded in rows:
        # Stored stripped, "" where not recorded (blank text and no value alike).
        counted[characteristic][value or None] = (int(good_count or 0), int(graded or 0))
    characteristics = []
    for key, label, _column in CHARACTERISTICS:
        counts = counted[key]
        hidden = _suppressed(counts)
        groups = [
            EqualityGroup(
                NOT_RECORDED if value is None else value,
                value,
                None if value in hidden else counts[value][0],
                None if value in hidden else counts[value][1],
            )
            for value in sorted(counts, key=_sort_key)
        ]
        characteristics.append(EqualityCharacteristic(key, label, groups))
    audits = sum(graded for _good, graded in counted[CHARACTERISTICS[0][0]].values())
    return EqualityBreakdown(audits, characteristics)
