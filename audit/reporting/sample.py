"""How the audits in a report were chosen: the programmes they came from and each programme's
sampling rule, the audits outside a programme (re-audits, audits a leader added by hand), the teams
and tools, and the moderation sample achieved (``moderation_sample``). The themed report and the
inspection evidence pack print it so a reader can judge what the figures stand for.

The counts are read from ``sample_summary`` (``audit.models.summary_voices``), kept with every
change, so they cost the same whatever the number of audits: the few programmes, teams and tools
found there are then looked up by id.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from audit.extensions import db
from audit.models import AuditProgramme, AuditTool, AuditToolVersion, SampleSummary, Team
from audit.models.summary_voices import NO_PROGRAMME
from audit.reporting.figures import ReportScope
from audit.reporting.moderation_sample import SampleAchieved, sample_achieved


@dataclass(frozen=True)
class ProgrammeSample:
    name: str
    month: str  # "March 2026"
    tool: str
    audits: int  # completed in the report's scope
    rule: str  # the sampling rule in words


@dataclass
class SampleDescription:
    completed: int
    programmes: list[ProgrammeSample] = field(default_factory=list)
    reaudits: int = 0  # completed re-audits outside a programme
    other: int = 0  # completed audits neither from a programme nor re-audits
    teams: list[tuple[str, int]] = field(default_factory=list)  # (team, audits)
    tools: list[tuple[str, int]] = field(default_factory=list)  # (tool, audits)
    moderation: SampleAchieved | None = None


def _rule(programme: AuditProgramme) -> str:
    cases = "cases closed in the three months before the month" if programme.closed_cases else "open cases"
    size = f"{programme.per_team} per team" if programme.per_team else "chosen by hand"
    how = "drawn at random" if programme.sample_seed is not None else "chosen by the leader who set it up"
    words = f"{size} from {cases}, {how}" if programme.per_team else f"{cases}, {how}"
    if programme.collaborative:
        words += "; audited with the case's worker present (practice week)"
    return words


def describe_sample(scope: ReportScope) -> SampleDescription:
    """The sample behind ``scope``'s figures: one grouped read of the kept counts, the programmes,
    teams and tools it names looked up by id, and the moderation sample."""
    audits = func.sum(SampleSummary.audits)
    counted = db.session.execute(
        select(
            SampleSummary.team_id,
            SampleSummary.tool_version_id,
            SampleSummary.programme_id,
            SampleSummary.reaudit,
            audits,
        )
        .where(*scope.summarised(SampleSummary))
        .group_by(
            SampleSummary.team_id, SampleSummary.tool_version_id, SampleSummary.programme_id, SampleSummary.reaudit
        )
    ).all()
    per_programme: Counter[int] = Counter()
    per_team: Counter[int] = Counter()
    per_version: Counter[int] = Counter()
    total = reaudits = other = 0
    for team_id, tool_version_id, programme_id, reaudit, count in counted:
        count = int(count)
        total += count
        per_team[team_id] += count
        per_version[tool_version_id] += count
        if programme_id != NO_PROGRAMME:
            per_programme[programme_id] += count
        elif reaudit:
            reaudits += count
        else:
            other += count
    return SampleDescription(
        completed=total,
        programmes=_programmes(per_programme),
        reaudits=reaudits,
        other=other,
        teams=_named(select(Team.id, Team.name).where(Team.id.in_(per_team)).order_by(Team.name, Team.id), per_team),
        tools=_tools(per_version),
        moderation=sample_achieved(scope.start, scope.end),
    )


def _programmes(counts: dict[int, int]) -> list[ProgrammeSample]:
    """The programmes counted, by month then name, each with its own tool's name."""
    if not counts:
        return []
    rows = db.session.execute(
        select(AuditProgramme, AuditTool.name)
        .join(AuditToolVersion, AuditToolVersion.id == AuditProgramme.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .where(AuditProgramme.id.in_(counts))
        .order_by(AuditProgramme.month, AuditProgramme.name, AuditProgramme.id)
    ).all()
    return [
        ProgrammeSample(programme.name, f"{programme.month:%B %Y}", tool, counts[programme.id], _rule(programme))
        for programme, tool in rows
    ]


def _tools(per_version: dict[int, int]) -> list[tuple[str, int]]:
    """The audits per tool (all its versions together), by the tool's name."""
    if not per_version:
        return []
    per_tool: Counter[int] = Counter()
    for version_id, tool_id in db.session.execute(
        select(AuditToolVersion.id, AuditToolVersion.tool_id).where(AuditToolVersion.id.in_(per_version))
    ):
        per_tool[tool_id] += per_version[version_id]
    names = select(AuditTool.id, AuditTool.name).where(AuditTool.id.in_(per_tool))
    return _named(names.order_by(AuditTool.name, AuditTool.id), per_tool)


def _named(names: Any, counts: dict[int, int]) -> list[tuple[str, int]]:
    """(name, count) for the (id, name) rows ``names`` selects, in its order: sorted in SQL, by the
    database's collation, as the reports always were."""
    if not counts:
        return []
    return [(name, counts[row_id]) for row_id, name in db.session.execute(names)]
