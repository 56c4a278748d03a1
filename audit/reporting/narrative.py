"""The quality lead's voice in the themed report: per theme, an analysis and "what we are doing"
for one report scope (period, teams, tools), every save a new version; and the evidence quotes the
lead chose or excluded. Leaders write them on ``/reports/narrative``; the themed report prints the
latest version and only the chosen quotes.

A quote is one section judgement's evidence. It may be chosen for a theme only when the audit was
completed within the scope and the section is one of that theme's (``QuoteMismatch`` otherwise), so
a "child seen alone" answer cannot be quoted under Domestic abuse.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from audit.clock import to_local, utcnow
from audit.extensions import db
from audit.models import Audit, Case, QuoteChoice, ScaleGrade, SectionJudgement, Team, ThemeNarrative, ToolSection, User
from audit.reporting.evidence import Quote
from audit.reporting.figures import ReportScope
from audit.reporting.final_grades import FINAL_SECTION_GRADE_ID, with_moderation

TEXT_LIMIT = 6000  # characters in each of the two texts: about two pages of the report


def scope_key(scope: ReportScope) -> str:
    """The report scope a narrative belongs to (the theme filter is not part of it: each theme's
    words are its own)."""
    teams = ",".join(map(str, sorted(scope.team_ids)))
    tools = ",".join(map(str, sorted(scope.tool_ids)))
    return f"{scope.start.isoformat()}|{scope.end.isoformat()}|teams:{teams}|tools:{tools}"


@dataclass(frozen=True)
class NarrativeVersion:
    version: int
    analysis: str
    doing: str
    by: str
    at: datetime  # UK time


class StaleNarrative(Exception):
    """A save made from an older version than the latest: somebody saved in between."""

    def __init__(self, latest: NarrativeVersion) -> None:
        super().__init__(f"version {latest.version} was saved by {latest.by}")
        self.latest = latest


class QuoteMismatch(Exception):
    """A quote that is not from an audit in the scope, or not from a section of the theme."""


def narrative_history(scope: ReportScope) -> dict[str, list[NarrativeVersion]]:
    """Per theme, every saved version for the scope, newest first: one query."""
    rows = db.session.execute(
        select(ThemeNarrative, User.name)
        .join(User, User.id == ThemeNarrative.written_by_id)
        .where(ThemeNarrative.scope_key == scope_key(scope))
        .order_by(ThemeNarrative.theme, ThemeNarrative.version.desc())
    ).all()
    found: dict[str, list[NarrativeVersion]] = defaultdict(list)
    for narrative, name in rows:
        found[narrative.theme].append(
            NarrativeVersion(
                narrative.version, narrative.analysis, narrative.doing, name, to_local(narrative.written_at)
            )
        )
    return dict(found)


def latest_narratives(scope: ReportScope) -> dict[str, NarrativeVersion]:
    return {theme: versions[0] for theme, versions in narrative_history(scope).items()}


def save_narrative(
    scope: ReportScope, theme: str, analysis: str, doing: str, based_on: int, user_id: int
) -> NarrativeVersion:
    """A new version of ``theme``'s texts, made from version ``based_on`` (0: none yet). Raises
    ``StaleNarrative`` when a later version exists. The caller commits."""
    latest = narrative_history(scope).get(theme, [])
    if latest and latest[0].version != based_on:
        raise StaleNarrative(latest[0])
    version = (latest[0].version if latest else 0) + 1
    row = ThemeNarrative(
        scope_key=scope_key(scope),
        start=scope.start,
        end=scope.end,
        theme=theme,
        version=version,
        analysis=analysis.strip(),
        doing=doing.strip(),
        written_by_id=user_id,
        written_at=utcnow(),
    )
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Another leader saved the same version a moment before.
        raise StaleNarrative(narrative_history(scope)[theme][0]) from None
    by = db.session.get(User, user_id)
    return NarrativeVersion(version, row.analysis, row.doing, by.name if by else "", to_local(row.written_at))


def quote_choices(scope: ReportScope) -> dict[tuple[str, int], bool]:
    """(theme, judgement id) -> chosen (True) or excluded (False), for the scope."""
    rows = db.session.execute(
        select(QuoteChoice.theme, QuoteChoice.judgement_id, QuoteChoice.chosen).where(
            QuoteChoice.scope_key == scope_key(scope)
        )
    ).all()
    return {(theme, judgement_id): chosen for theme, judgement_id, chosen in rows}


def choose_quote(scope: ReportScope, theme: str, judgement_id: int, chosen: bool | None, user_id: int) -> None:
    """Mark a section's evidence chosen or excluded for ``theme`` in the scope (``None``: neither,
    back to a suggestion). Raises ``QuoteMismatch`` unless the judgement is from an audit completed
    within the scope and from a section of ``theme``. The caller commits."""
    source = db.session.execute(
        select(ToolSection.theme, SectionJudgement.evidence)
        .select_from(SectionJudgement)
        .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
        .join(Audit, Audit.id == SectionJudgement.audit_id)
        .where(SectionJudgement.id == judgement_id, *scope.completed_audits())
    ).one_or_none()
    if source is None:
        raise QuoteMismatch("That evidence is not from an audit completed within the report's period and filters.")
    if source.theme != theme:
        raise QuoteMismatch(f"That evidence is from a section on {source.theme}, not {theme}.")
    if scope.themes and theme not in scope.themes:
        raise QuoteMismatch(f"The report is filtered to {', '.join(scope.themes)}.")
    if not (source.evidence or "").strip():
        raise QuoteMismatch("That section has no evidence written to quote.")
    key = scope_key(scope)
    existing = db.session.scalars(
        select(QuoteChoice).where(
            QuoteChoice.scope_key == key, QuoteChoice.theme == theme, QuoteChoice.judgement_id == judgement_id
        )
    ).one_or_none()
    if chosen is None:
        if existing is not None:
            db.session.delete(existing)
        return
    if existing is None:
        db.session.add(
            QuoteChoice(scope_key=key, theme=theme, judgement_id=judgement_id, chosen=chosen, chosen_by_id=user_id)
        )
    else:
        existing.chosen, existing.chosen_by_id, existing.chosen_at = chosen, user_id, utcnow()


def chosen_quotes(scope: ReportScope) -> dict[str, list[Quote]]:
    """Per theme, the quotes chosen for the scope, best final grade first, then the most recent:
    one query. A choice whose audit has since left the scope (cancelled, say) is not printed."""
    auditor_grade = aliased(ScaleGrade)
    rows = db.session.execute(
        with_moderation(
            select(
                QuoteChoice.theme,
                SectionJudgement.id.label("judgement_id"),
                SectionJudgement.evidence,
                SectionJudgement.grade_id.label("auditor_grade_id"),
                FINAL_SECTION_GRADE_ID.label("grade_id"),
                Audit.id.label("audit_id"),
                Audit.case_id,
                Audit.submitted_at,
                Case.reference,
                Team.name.label("team"),
            )
            .select_from(QuoteChoice)
            .join(SectionJudgement, SectionJudgement.id == QuoteChoice.judgement_id)
            .join(ToolSection, ToolSection.id == SectionJudgement.section_id)
            .join(Audit, Audit.id == SectionJudgement.audit_id)
            .join(Case, Case.id == Audit.case_id)
            .join(Team, Team.id == Audit.team_id)
        )
        .add_columns(ScaleGrade.label.label("grade"), ScaleGrade.good_or_better, auditor_grade.label.label("auditor"))
        .outerjoin(ScaleGrade, ScaleGrade.id == FINAL_SECTION_GRADE_ID)
        .outerjoin(auditor_grade, auditor_grade.id == SectionJudgement.grade_id)
        .where(
            QuoteChoice.scope_key == scope_key(scope),
            QuoteChoice.chosen.is_(True),
            ToolSection.theme == QuoteChoice.theme,
            *scope.completed_audits(),
        )
        .order_by(QuoteChoice.theme, ScaleGrade.position, Audit.submitted_at.desc(), SectionJudgement.id)
    ).all()
    found: dict[str, list[Quote]] = defaultdict(list)
    for row in rows:
        differs = row.auditor_grade_id != row.grade_id
        found[row.theme].append(
            Quote(
                row.audit_id,
                row.case_id,
                row.reference,
                row.team,
                row.grade or "not applicable",
                (row.evidence or "").strip(),
                to_local(row.submitted_at).date(),
                (row.auditor or "not graded") if differs else None,
                judgement_id=row.judgement_id,
                good_or_better=bool(row.good_or_better),
            )
        )
    return dict(found)


def count_versions(scope: ReportScope) -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(ThemeNarrative).where(ThemeNarrative.scope_key == scope_key(scope))
        )
        or 0
    )
