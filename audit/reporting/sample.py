"""How the audits in a report were chosen: the programmes they came from and each programme's
sampling rule, the audits outside a programme (re-audits, audits a leader added by hand), the teams
and tools, and the moderation sample achieved (``moderation_sample``). The themed report and the
inspection evidence pack print it so a reader can judge what the figures stand for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from audit.extensions import db
from audit.models import Audit, AuditProgramme, AuditTool, AuditToolVersion, Team
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
    """The sample behind ``scope``'s figures: four small grouped queries and the moderation sample."""
    completed = scope.completed_audits()
    rows = db.session.execute(
        select(AuditProgramme, AuditTool.name, func.count(Audit.id))
        .join(Audit, Audit.programme_id == AuditProgramme.id)
        .join(AuditToolVersion, AuditToolVersion.id == AuditProgramme.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .where(*completed)
        .group_by(AuditProgramme.id, AuditTool.name)
        .order_by(AuditProgramme.month, AuditProgramme.name)
    ).all()
    programmes = [
        ProgrammeSample(programme.name, f"{programme.month:%B %Y}", tool, int(count), _rule(programme))
        for programme, tool, count in rows
    ]
    total, reaudits, other = db.session.execute(
        select(
            func.count(Audit.id),
            func.count(Audit.id).filter(Audit.programme_id.is_(None), Audit.follows_audit_id.is_not(None)),
            func.count(Audit.id).filter(Audit.programme_id.is_(None), Audit.follows_audit_id.is_(None)),
        ).where(*completed)
    ).one()
    teams = db.session.execute(
        select(Team.name, func.count(Audit.id))
        .join(Audit, Audit.team_id == Team.id)
        .where(*completed)
        .group_by(Team.id, Team.name)
        .order_by(Team.name)
    ).all()
    tools = db.session.execute(
        select(AuditTool.name, func.count(Audit.id))
        .select_from(Audit)
        .join(AuditToolVersion, AuditToolVersion.id == Audit.tool_version_id)
        .join(AuditTool, AuditTool.id == AuditToolVersion.tool_id)
        .where(*completed)
        .group_by(AuditTool.id, AuditTool.name)
        .order_by(AuditTool.name)
    ).all()
    return SampleDescription(
        completed=int(total),
        programmes=programmes,
        reaudits=int(reaudits or 0),
        other=int(other or 0),
        teams=[(name, int(count)) for name, count in teams],
        tools=[(name, int(count)) for name, count in tools],
        moderation=sample_achieved(scope.start, scope.end),
    )
