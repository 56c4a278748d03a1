"""What the themed report quotes: auditors' evidence for the strongest and weakest section grades
of each theme, and examples of the actions arising. Each item carries the case reference, never a
name; the audit tools ask auditors to write evidence without names.

Grades are final grades (the moderator's where the section was moderated, as every figure counts
them), so evidence a moderator graded below good is not quoted as a strength; the auditor's grade
is kept beside it where the two differ.

Quotes are read newest first with a limit per theme and grade (``theme_evidence``), so what they
cost does not grow with the audits in the period; the number of statements does not grow with the
themes either.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, union_all

from audit.clock import to_local
from audit.extensions import db
from audit.models import (
    Action,
    Audit,
    AuditToolVersion,
    Case,
    ScaleGrade,
    SectionJudgement,
    Team,
    ToolSection,
    User,
)
from audit.models.summaries import NO_THEME, NOT_OPEN, ActionSummary, AuditActionRow, GradeSummary
from audit.reporting.figures import ActionFigures, ReportScope, action_counts, action_figures_from
from audit.reporting.final_grades import FINAL_SECTION_GRADE_ID, with_moderation

QUOTES_PER_THEME = 3
ACTIONS_PER_THEME = 4


@dataclass(frozen=True)
class Quote:
    audit_id: int
    case_id: int
    case_reference: str
    team: str
    grade: str  # the final grade
    text: str
    submitted_on: date
    auditor_grade: str | None = None  # the auditor's, where a moderator gave a different one
    judgement_id: int = 0  # the section judgement quoted: what a lead chooses or excludes
    good_or_better: bool = False  # by the final grade: a strength, else an area for development


@dataclass
class ThemeEvidence:
    strengths: list[Quote] = field(default_factory=list)
    areas: list[Quote] = field(default_factory=list)


# Rows read per theme and grade, newest first, as a multiple of the quotes wanted: enough for the
# same words copied into several recent audits to be quoted once and others still found.
EVIDENCE_WINDOW = 2
# A scope with up to this many theme grades (about 4,000 audits) is ranked whole in one statement;
# a larger one is read newest first per theme and grade, which costs the same however large it is.
SORTED_UP_TO = 20_000
# Graded sections read newest first in one go before each theme and grade still short is read alone.
NEWEST_FIRST = 20_000

EVIDENCE_RULE = (
    "Per theme, strengths are the best final grades first and areas for development the weakest first; "
    "within a grade the most recent audit first, from the latest few of each theme and grade. The same "
    "words copied into several audits are quoted once, from the most recent."
)


@dataclass(frozen=True)
class _GradeKey:
    """Grades that rank alike: same position on their scale and same side of good."""

    good: bool
    position: int
    grade_ids: tuple[int, ...]

    @property
    def rank(self) -> int:
        # Strengths rank the best grade (lowest position) first; areas the weakest (highest) first.
        return self.position if self.good else -self.position


@dataclass(frozen=True)
class _Candidate:
    theme: str
    key: _GradeKey
    judgement_id: int
    audit_id: int
    submitted_at: datetime
    grade_id: int
    auditor_grade_id: int | None
    text: str


def theme_evidence(scope: ReportScope, per_theme: int = QUOTES_PER_THEME) -> dict[str, ThemeEvidence]:
    """Per theme, up to ``per_theme`` strengths (good or better, the best grades first) and areas for
    development (below good, the weakest first), the most recent first within a grade (``EVIDENCE_RULE``).

    Only the newest ``EVIDENCE_WINDOW`` times ``per_theme`` graded sections of each theme and grade
    are candidates (``EVIDENCE_RULE``); where every graded section of a theme and grade is among
    them (up to 6 for 3 quotes) this is the same choice as ranking them all. What a large period
    costs then depends on its themes and grades and on how far back their latest quotes are, not on
    how many audits it holds: ranking every graded section of the last 12 months took 1.9 s at
    100,000 audits. The grade summary says which themes and grades the scope has (so none is looked
    for in vain) and how large it is: a small scope (a team's quarter) is ranked whole in one
    statement, a large one read newest first (``_newest_candidates``). Five or six statements
    whatever the themes."""
    keys, labels = _grade_keys()
    sections, shared = _theme_sections(scope)
    if not keys or not sections:
        return {}
    arms, graded = _arms_present(scope, sections, shared, keys)
    window = per_theme * EVIDENCE_WINDOW
    if graded <= SORTED_UP_TO:
        candidates = _sorted_candidates(scope, keys, window)
    else:
        candidates = _newest_candidates(scope, sections, arms, window)
    return _quotes(choose_quotes(candidates, per_theme), labels)


def _grade_keys() -> tuple[list[_GradeKey], dict[int, str]]:
    """Every scale's grades grouped by how they rank, and each grade's label."""
    rows = db.session.execute(
        select(ScaleGrade.good_or_better, ScaleGrade.position, ScaleGrade.id, ScaleGrade.label).order_by(ScaleGrade.id)
    ).all()
    grouped: dict[tuple[bool, int], list[int]] = defaultdict(list)
    for good, position, grade_id, _label in rows:
        grouped[(bool(good), position)].append(grade_id)
    keys = [_GradeKey(good, position, tuple(ids)) for (good, position), ids in grouped.items()]
    return keys, {grade_id: label for _good, _position, grade_id, label in rows}


def _theme_sections(scope: ReportScope) -> tuple[dict[str, tuple[int, ...]], set[str]]:
    """The sections of every tool under each theme in scope, and the themes that some tool version
    has in more than one section."""
    query = select(ToolSection.theme, ToolSection.id, ToolSection.tool_version_id).where(*scope.sections())
    if scope.tool_ids:
        query = query.join(AuditToolVersion, AuditToolVersion.id == ToolSection.tool_version_id).where(
            AuditToolVersion.tool_id.in_(scope.tool_ids)
        )
    found: dict[str, list[int]] = defaultdict(list)
    per_version: Counter[tuple[int, str]] = Counter()
    for theme, section_id, version_id in db.session.execute(query.order_by(ToolSection.id)):
        found[theme].append(section_id)
        per_version[(version_id, theme)] += 1
    shared = {theme for (_version, theme), sections in per_version.items() if sections > 1}
    return {theme: tuple(ids) for theme, ids in found.items()}, shared


def _arms_present(
    scope: ReportScope, sections: dict[str, tuple[int, ...]], shared: set[str], keys: list[_GradeKey]
) -> tuple[list[tuple[str, _GradeKey]], int]:
    """The (theme, grade) pairs that some audit in scope has, and how many theme grades the audits
    in scope hold, from the grade summary (a few rows a month), so that no lookup walks the whole
    period for a grade the theme never had there.

    The summary holds each audit's final grade per theme; where a tool version has the theme in two
    sections it holds the worse of them, so for such a theme every grade is looked for."""
    summary = GradeSummary
    section_theme = {section_id: theme for theme, ids in sections.items() for section_id in ids}
    rows = db.session.execute(
        select(summary.section_id, summary.final_grade_id, func.sum(summary.audits))
        .where(*scope.summarised(summary), summary.section_id.in_(section_theme))
        .group_by(summary.section_id, summary.final_grade_id)
    ).all()
    graded: set[tuple[str, int]] = {(section_theme[section_id], grade_id) for section_id, grade_id, _n in rows}
    themes_seen = {theme for theme, _grade_id in graded}
    arms = [
        (theme, key)
        for theme in sections
        for key in keys
        if (theme in shared and theme in themes_seen) or any((theme, grade_id) in graded for grade_id in key.grade_ids)
    ]
    return arms, sum(int(count) for _section, _grade, count in rows)


def _candidate_columns(arm: ColumnElement[Any]) -> Select[Any]:
    return with_moderation(
        select(
            arm.label("arm"),
            SectionJudgement.section_id.label("section_id"),
            SectionJudgement.id.label("judgement_id"),
            SectionJudgement.audit_id.label("audit_id"),
            Audit.submitted_at.label("submitted_at"),
            FINAL_SECTION_GRADE_ID.label("grade_id"),
            SectionJudgement.grade_id.label("auditor_grade_id"),
            SectionJudgement.evidence.label("text"),
        )
        .select_from(Audit)
        .join(SectionJudgement, SectionJudgement.audit_id == Audit.id)
    )


def _newest_candidates(
    scope: ReportScope, sections: dict[str, tuple[int, ...]], arms: list[tuple[str, _GradeKey]], window: int
) -> list[_Candidate]:
    """The ``window`` newest graded sections with evidence for each theme and grade.

    First the newest ``NEWEST_FIRST`` graded sections of the period whatever their theme, in one
    statement that walks the audits newest first and stops there: that fills the themes and grades
    used often. Then, for the few not yet filled, each one's own newest before that point, in one
    UNION ALL statement whose parts each walk back only until they have enough."""
    if not arms:
        return []
    has_text = and_(SectionJudgement.evidence.is_not(None), func.length(func.trim(SectionJudgement.evidence)) > 0)
    section_theme = {section_id: theme for theme, ids in sections.items() for section_id in ids}
    arm_of = {(theme, grade_id): number for number, (theme, key) in enumerate(arms) for grade_id in key.grade_ids}
    # "+ 0": the sections are matched per audit, so the database walks the period's audits newest
    # first (and stops at the limit) rather than every judgement of the sections, then sorting them.
    in_sections = (SectionJudgement.section_id + 0).in_(section_theme)
    newest_first = (Audit.submitted_at.desc(), SectionJudgement.id.desc())
    rows = db.session.execute(
        _candidate_columns(literal(-1))
        .where(in_sections, has_text, *scope.completed_audits())
        .order_by(*newest_first)
        .limit(NEWEST_FIRST)
    ).all()
    found: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        number = arm_of.get((section_theme[row.section_id], row.grade_id))
        if number is not None and len(found[number]) < window:
            found[number].append(row)
    if len(rows) == NEWEST_FIRST:  # the period holds more: look further back for the arms not filled
        last = rows[-1]
        before = or_(
            Audit.submitted_at < last.submitted_at,
            and_(Audit.submitted_at == last.submitted_at, SectionJudgement.id < last.judgement_id),
        )
        selects = [
            select(
                _candidate_columns(literal(number))
                .where(
                    (SectionJudgement.section_id + 0).in_(sections[theme]),
                    FINAL_SECTION_GRADE_ID.in_(key.grade_ids),
                    has_text,
                    before,
                    *scope.completed_audits(),
                )
                .order_by(*newest_first)
                .limit(window - len(found[number]))
                .subquery()
            )
            for number, (theme, key) in enumerate(arms)
            if len(found[number]) < window
        ]
        if selects:
            for row in db.session.execute(union_all(*selects)):
                found[row.arm].append(row)
    return [
        _Candidate(
            arms[number][0],
            arms[number][1],
            row.judgement_id,
            row.audit_id,
            row.submitted_at,
            row.grade_id,
            row.auditor_grade_id,
            row.text,
        )
        for number, arm_rows in found.items()
        for row in arm_rows
    ]


def _sorted_candidates(scope: ReportScope, keys: list[_GradeKey], window: int) -> list[_Candidate]:
    """The same candidates as ``_newest_candidates``, for a scope small enough to rank whole (a
    team's quarter): numbered newest first within each theme and grade in one statement."""
    by_rank = {(key.good, key.position): key for key in keys}
    has_text = and_(SectionJudgement.evidence.is_not(None), func.length(func.trim(SectionJudgement.evidence)) > 0)
    ranked = (
        with_moderation(
            select(
                ToolSection.theme.label("theme"),
                ScaleGrade.good_or_better.label("good"),
                ScaleGrade.position.label("position"),
                SectionJudgement.id.label("judgement_id"),
                SectionJudgement.audit_id.label("audit_id"),
                Audit.submitted_at.label("submitted_at"),
                FINAL_SECTION_GRADE_ID.label("grade_id"),
                SectionJudgement.grade_id.label("auditor_grade_id"),
                SectionJudgement.evidence.label("text"),
                func.row_number()
                .over(
                    partition_by=(ToolSection.theme, ScaleGrade.good_or_better, ScaleGrade.position),
                    order_by=(Audit.submitted_at.desc(), SectionJudgement.id.desc()),
                )
                .label("newest"),
            )
            .select_from(SectionJudgement)
            .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
            .join(Audit, Audit.id == SectionJudgement.audit_id)
        )
        .join(ScaleGrade, ScaleGrade.id == FINAL_SECTION_GRADE_ID)
        .where(has_text, *scope.completed_audits(), *scope.sections())
        .subquery()
    )
    rows = db.session.execute(select(ranked).where(ranked.c.newest <= window)).all()
    return [
        _Candidate(
            row.theme,
            by_rank[(bool(row.good), row.position)],
            row.judgement_id,
            row.audit_id,
            row.submitted_at,
            row.grade_id,
            row.auditor_grade_id,
            row.text,
        )
        for row in rows
    ]


def choose_quotes(candidates: list[_Candidate], per_theme: int) -> list[_Candidate]:
    """Per theme and side of good, the first ``per_theme`` candidates in rank order (best or weakest
    grade first, then newest, then the later judgement), each text once (its first in that order)."""
    by_side: dict[tuple[str, bool], list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_side[(candidate.theme, candidate.key.good)].append(candidate)
    chosen: list[_Candidate] = []
    for (_theme, _good), side in sorted(by_side.items(), key=lambda item: (item[0][0], not item[0][1])):
        side.sort(key=lambda item: (item.submitted_at, item.judgement_id), reverse=True)  # newest first
        side.sort(key=lambda item: item.key.rank)  # then by grade (a stable sort keeps newest first)
        seen: set[str] = set()
        for candidate in side:
            if candidate.text in seen:
                continue
            seen.add(candidate.text)
            chosen.append(candidate)
            if len(seen) == per_theme:
                break
    return chosen


def _quotes(chosen: list[_Candidate], labels: dict[int, str]) -> dict[str, ThemeEvidence]:
    """The chosen candidates as quotes, with their case reference and team (one statement)."""
    if not chosen:
        return {}
    audits = {
        row.id: row
        for row in db.session.execute(
            select(Audit.id, Audit.case_id, Case.reference, Team.name.label("team"))
            .join(Case, Case.id == Audit.case_id)
            .join(Team, Team.id == Audit.team_id)
            .where(Audit.id.in_({candidate.audit_id for candidate in chosen}))
        )
    }
    found: dict[str, ThemeEvidence] = defaultdict(ThemeEvidence)
    for candidate in chosen:
        audit = audits[candidate.audit_id]
        differs = candidate.auditor_grade_id != candidate.grade_id
        auditor_grade = labels.get(candidate.auditor_grade_id) if candidate.auditor_grade_id else None
        quote = Quote(
            candidate.audit_id,
            audit.case_id,
            audit.reference,
            audit.team,
            labels[candidate.grade_id],
            candidate.text.strip(),
            _day(candidate.submitted_at),
            (auditor_grade or "not graded") if differs else None,
            judgement_id=candidate.judgement_id,
            good_or_better=candidate.key.good,
        )
        evidence = found[candidate.theme]
        (evidence.strengths if candidate.key.good else evidence.areas).append(quote)
    return dict(found)


@dataclass(frozen=True)
class ActionExample:
    audit_id: int
    case_id: int
    case_reference: str
    description: str
    owner: str
    due_date: date
    completed: bool


ACTION_THEME_RULE = (
    "An action belongs to an audit, not to one section, so each audit's actions are shown under one theme "
    "only: the theme that audit graded lowest (final grades; the first such section of the tool where two "
    "tie). Actions are never repeated under several themes."
)


def theme_actions(scope: ReportScope) -> dict[str, ActionFigures]:
    """Per theme, the actions of the audits whose lowest-graded theme it is (``ACTION_THEME_RULE``,
    decided once per audit when the action summary is kept: ``audit.domain.summaries``): each
    action counted under one theme. Sums of the action summary, whatever the number of actions."""
    summary = ActionSummary
    counted = (
        select(summary.theme_section_id, *action_counts(summary))
        .where(*scope.summarised(summary), summary.theme_section_id != NO_THEME)
        .group_by(summary.theme_section_id)
        .subquery()
    )
    sums = list(counted.c)[1:]
    rows = db.session.execute(
        select(ToolSection.theme, *(func.sum(column) for column in sums))
        .select_from(counted)
        .join(ToolSection, ToolSection.id == counted.c.theme_section_id)
        .where(*scope.sections())
        .group_by(ToolSection.theme)
    ).all()
    return {theme: action_figures_from(*counts) for theme, *counts in rows}


def theme_action_examples(
    scope: ReportScope, per_theme: int = ACTIONS_PER_THEME, themes: Iterable[str] | None = None
) -> dict[str, list[ActionExample]]:
    """Per theme, a few of the actions ``theme_actions`` counts under it: open ones first, the
    soonest due first; then done ones, the most recently due first. Each theme's few are read from
    the end of an index on (theme, open due date, due date) in one UNION ALL statement, so what
    they cost does not grow with the actions in the period; the few are then looked up with their
    case and owner."""
    rows_table = AuditActionRow
    # The themes with actions: the caller's ``theme_actions`` where it has them already.
    themes = sorted(theme for theme in (theme_actions(scope) if themes is None else themes) if theme)
    if not themes:
        return {}
    in_scope = [
        rows_table.day >= scope.start,
        rows_table.day <= scope.end,
        *scope.summarised_now(rows_table),
    ]
    arms = []
    for number, theme in enumerate(themes):
        for is_open in (True, False):
            walk = (
                (rows_table.open_due, rows_table.action_id)
                if is_open
                else (rows_table.due_date.desc(), rows_table.action_id.desc())
            )
            arms.append(
                select(
                    select(
                        literal(number).label("theme_number"),
                        literal(0 if is_open else 1).label("done"),
                        rows_table.action_id,
                        rows_table.open_due,
                        rows_table.due_date,
                    )
                    .where(
                        rows_table.theme == theme,
                        rows_table.open_due != NOT_OPEN if is_open else rows_table.open_due == NOT_OPEN,
                        *in_scope,
                    )
                    .order_by(*walk)
                    .limit(per_theme)
                    .subquery()
                )
            )
    chosen: dict[str, list[int]] = defaultdict(list)

    def example_order(row: Any) -> tuple[int, int, int, int]:
        due = _as_date(row.due_date).toordinal()
        return (
            (row.theme_number, row.done, -due, -row.action_id)
            if row.done
            else (row.theme_number, 0, due, row.action_id)
        )

    for row in sorted(db.session.execute(union_all(*arms)), key=example_order):
        theme = themes[row.theme_number]
        if len(chosen[theme]) < per_theme:
            chosen[theme].append(row.action_id)
    details = {
        row.action_id: row
        for row in db.session.execute(
            select(
                Action.id.label("action_id"),
                Audit.id.label("audit_id"),
                Audit.case_id,
                Case.reference,
                Action.description,
                User.name.label("owner"),
                Action.due_date,
                Action.completed_at,
            )
            .join(Audit, Audit.id == Action.audit_id)
            .join(Case, Case.id == Audit.case_id)
            .join(User, User.id == Action.owner_id)
            .where(Action.id.in_([action_id for ids in chosen.values() for action_id in ids]))
        )
    }
    return {
        theme: [
            ActionExample(
                row.audit_id,
                row.case_id,
                row.reference,
                row.description,
                row.owner,
                row.due_date,
                row.completed_at is not None,
            )
            for row in (details[action_id] for action_id in ids)
        ]
        for theme, ids in chosen.items()
    }


def _as_date(value: date | str) -> date:
    """A date as read from a union: SQLite may give it as text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _day(value: datetime | None) -> date:
    return to_local(value).date() if value else date.min
