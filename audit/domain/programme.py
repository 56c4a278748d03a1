"""The audit programme: each month leaders sample cases per team (or name them), assign them to
auditors with a due date, and follow progress.

Sampling is reproducible: each team's cases are drawn from its eligible case ids, in id order, by
``random.Random`` seeded with the programme's sample number and the team, so the same number over
the same case list picks the same cases, and adding a team to a sample leaves the other teams'
picks alone. (SQL's RANDOM() could not be repeated.)
"""

from __future__ import annotations

import calendar
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import joinedload, selectinload

from audit.clock import today, utcnow
from audit.domain import notifications
from audit.domain.atomic import all_or_nothing
from audit.domain.audits import OPEN_STATUSES, auditor_conflict, start_audit
from audit.domain.bounded import page_within, rows_by_id
from audit.domain.cases import normalise_reference
from audit.domain.summaries import due_before_today
from audit.extensions import db
from audit.models import (
    Audit,
    AuditAmendment,
    AuditProgramme,
    AuditStatus,
    AuditToolVersion,
    Case,
    ProgrammeStatusSummary,
    Team,
    User,
)

MAX_PER_TEAM = 100
MAX_CHOSEN_REFERENCES = 500
MAX_SEED = 2_147_483_647  # the largest whole number a PostgreSQL integer column holds
RECENTLY_AUDITED_MONTHS = 6
CLOSURE_MONTHS = 3  # a closure-audit programme samples cases closed this many months before it


class ProgrammeError(ValueError):
    """A programme that cannot be created, with the reason in words for the leader and the input
    it is about (``"auditors"``, ``"due_date"``...), so a form can show it in the right place."""

    def __init__(self, message: str, about: str | None = None) -> None:
        super().__init__(message)
        self.about = about


# Choosing the cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shortfall:
    """A team with fewer eligible cases than asked for: all it had were taken."""

    team: Team
    wanted: int
    found: int

    @property
    def message(self) -> str:
        if self.found == 0:
            return f"{self.team.name} has no cases that were not audited in the last {RECENTLY_AUDITED_MONTHS} months"
        cases = "case" if self.found == 1 else "cases"
        return f"{self.team.name} had only {self.found} {cases} to sample, not {self.wanted}"


@dataclass(frozen=True)
class Sample:
    cases: list[Case]
    shortfalls: list[Shortfall]
    seed: int


def new_seed() -> int:
    """A sample number for a new sample, kept on the programme so it can be drawn again. Six
    digits: plenty of different samples, and short enough to read out and type back."""
    return random.SystemRandom().randint(100_000, 999_999)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, or the month's last day if it is shorter."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def recently_audited(as_of: date) -> Select[int]:
    """Ids of cases with an audit created or submitted in the six months up to ``as_of``.

    A cancelled audit does not count: the case was not audited, so it may be sampled again."""
    since = datetime.combine(months_before(as_of, RECENTLY_AUDITED_MONTHS), datetime.min.time())
    return select(Audit.case_id).where(
        Audit.status != AuditStatus.CANCELLED, or_(Audit.created_at >= since, Audit.submitted_at >= since)
    )


def sample_cases(
    team_ids: Iterable[int], per_team: int, seed: int, as_of: date, *, closed_cases: bool = False
) -> Sample:
    """Up to ``per_team`` cases from each team, picked at random but reproducibly, leaving out
    cases audited recently. Cases with no allocated worker may be picked. A team with too few
    cases gives all it has, and is reported as a shortfall. Three queries at any size.

    Open cases, or for closure audits (``closed_cases``) cases closed in the three months up to
    ``as_of``: whether the work ended well for the child, and whether it should have ended."""
    team_ids = sorted(set(team_ids))
    if not team_ids:
        raise ProgrammeError("Select at least one team to sample from", "teams")
    if not 1 <= per_team <= MAX_PER_TEAM:
        raise ProgrammeError(f"Cases per team must be between 1 and {MAX_PER_TEAM}", "per_team")
    teams = db.session.scalars(select(Team).where(Team.id.in_(team_ids)).order_by(Team.name)).all()
    eligible: dict[int, list[int]] = defaultdict(list)
    rows = db.session.execute(
        select(Case.team_id, Case.id)
        .where(
            Case.team_id.in_(team_ids),
            Case.closed_on.between(months_before(as_of, CLOSURE_MONTHS), as_of)
            if closed_cases
            else Case.closed_on.is_(None),
            Case.id.not_in(recently_audited(as_of)),
        )
        .order_by(Case.team_id, Case.id)
    )
    for team_id, case_id in rows:
        eligible[team_id].append(case_id)

    picked: list[int] = []
    shortfalls = []
    for team in teams:
        ids = eligible[team.id]
        # A string seed is hashed with SHA-512, so the shuffle is the same in every process.
        generator = random.Random(f"{seed}:{team.id}")
        picked.extend(generator.sample(ids, min(per_team, len(ids))))
        if len(ids) < per_team:
            shortfalls.append(Shortfall(team=team, wanted=per_team, found=len(ids)))
    return Sample(cases=_cases_in_order(picked), shortfalls=shortfalls, seed=seed)


def parse_references(text: str | None) -> list[str]:
    """The references typed or pasted, one per line or separated by commas (or semicolons or
    tabs, as spreadsheets paste them), normalised, each once, in the order given."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,;\t\r\n]+", text or ""):
        reference = normalise_reference(part)
        if reference:
            seen.setdefault(reference, None)
    return list(seen)


@dataclass(frozen=True)
class ChosenCases:
    cases: list[Case]
    unknown: list[str]  # references that match no case, as normalised


def chosen_cases(references: Sequence[str]) -> ChosenCases:
    """The cases with these references, and the references that match no case."""
    references = parse_references("\n".join(references))
    if len(references) > MAX_CHOSEN_REFERENCES:
        raise ProgrammeError(f"Enter {MAX_CHOSEN_REFERENCES} case references or fewer", "references")
    found = db.session.scalars(
        select(Case).where(Case.reference.in_(references)).options(selectinload(Case.team), selectinload(Case.worker))
    ).all()
    by_reference = {case.reference: case for case in found}
    return ChosenCases(
        cases=[by_reference[reference] for reference in references if reference in by_reference],
        unknown=[reference for reference in references if reference not in by_reference],
    )


def _cases_in_order(case_ids: Sequence[int]) -> list[Case]:
    if not case_ids:
        return []
    return list(
        db.session.scalars(
            select(Case)
            .join(Team, Team.id == Case.team_id)
            .where(Case.id.in_(case_ids))
            .options(selectinload(Case.team), selectinload(Case.worker))
            .order_by(Team.name, Case.reference)
        )
    )


# Assigning auditors and creating the programme ---------------------------------------------------


def assign_auditors(cases: Sequence[Case], auditors: Sequence[User]) -> dict[int, User]:
    """An auditor for each case (by case id), shared out as evenly as the conflicts allow.

    Nobody audits a case they hold or a case in a team they manage (``auditor_conflict``). The
    cases with the fewest possible auditors are placed first; each goes to the least-loaded auditor
    who may take it, the earlier in the list on a tie, which is round-robin when nothing conflicts.
    """
    if not auditors:
        raise ProgrammeError("Select at least one auditor", "auditors")
    able: dict[int, list[User]] = {}
    for case in cases:
        able[case.id] = [auditor for auditor in auditors if auditor_conflict(case, auditor) is None]
        if not able[case.id]:
            raise ProgrammeError(_nobody_can_audit(case, auditors), "auditors")
    position = {auditor.id: index for index, auditor in enumerate(auditors)}
    load = dict.fromkeys(position, 0)
    assigned: dict[int, User] = {}
    for case in sorted(cases, key=lambda case: len(able[case.id])):
        auditor = min(able[case.id], key=lambda auditor: (load[auditor.id], position[auditor.id]))
        load[auditor.id] += 1
        assigned[case.id] = auditor
    return assigned


def _nobody_can_audit(case: Case, auditors: Sequence[User]) -> str:
    message = f"None of the selected auditors can audit case {case.reference}"
    if len(auditors) <= 3:
        reasons = "; ".join(filter(None, (auditor_conflict(case, auditor) for auditor in auditors)))
        return f"{message}: {reasons}. Select another auditor"
    return f"{message}: they hold the case or manage its team. Select another auditor"


@dataclass(frozen=True)
class NewProgramme:
    programme: AuditProgramme
    audits: list[Audit]


def create_programme(
    *,
    name: str,
    month: date,
    tool_version: AuditToolVersion,
    due_date: date,
    created_by: User,
    cases: Sequence[Case],
    auditors: Sequence[User],
    seed: int | None = None,
    per_team: int | None = None,
    moderation_percent: int | None = None,
    moderate_best_and_worst: bool | None = None,
    closed_cases: bool = False,
    collaborative: bool = False,
) -> NewProgramme:
    """A programme with one audit per case, assigned to the auditors evenly. Nothing is saved
    if any case cannot be assigned. ``seed`` and ``per_team`` record how a sample was drawn;
    ``moderation_percent`` and ``moderate_best_and_worst`` are the programme's own moderation rule
    (None: the service's)."""
    if moderation_percent is not None and not 0 <= moderation_percent <= 100:
        raise ProgrammeError("Percentage to moderate must be from 0 to 100", "moderation_percent")
    name = " ".join(name.split())
    if not name:
        raise ProgrammeError("Enter a name for the programme", "name")
    if due_date < today():
        raise ProgrammeError("The due date must be today or in the future", "due_date")
    unique_cases = list({case.id: case for case in cases}.values())
    if not unique_cases:
        raise ProgrammeError("There are no cases to audit", "selection")
    assigned = assign_auditors(unique_cases, auditors)

    programme = AuditProgramme(
        name=name,
        month=month.replace(day=1),
        tool_version_id=tool_version.id,
        due_date=due_date,
        sample_seed=seed,
        per_team=per_team,
        moderation_percent=moderation_percent,
        moderate_best_and_worst=moderate_best_and_worst,
        closed_cases=closed_cases,
        collaborative=collaborative,
        created_by_id=created_by.id,
    )
    with all_or_nothing():  # a case refused half way leaves no half-made programme
        db.session.add(programme)
        db.session.flush()
        audits = [
            start_audit(
                case=case,
                tool_version=tool_version,
                auditor=assigned[case.id],
                created_by=created_by,
                due_date=due_date,
                programme=programme,
            )
            for case in unique_cases
        ]
    return NewProgramme(programme=programme, audits=audits)


# Following progress ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeSummary:
    programme: AuditProgramme
    not_started: int
    in_progress: int
    submitted: int
    moderated: int
    overdue: int
    cancelled: int = 0

    @property
    def total(self) -> int:
        """The audits still to be done or done: cancelled ones are not counted."""
        return self.not_started + self.in_progress + self.submitted + self.moderated


def _summaries(programme_id: int | None = None) -> list[ProgrammeSummary]:
    """Programmes with their audits counted by status, from the counts kept per programme, status
    and due date (``ProgrammeStatusSummary``, kept with every change by ``audit.domain.summaries``):
    one query, a few rows a programme however many audits it holds."""
    kept = ProgrammeStatusSummary

    def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(when((condition, kept.audits), else_=0))

    counted = {
        "not_started": kept.status == AuditStatus.ASSIGNED.value,
        "in_progress": kept.status == AuditStatus.IN_PROGRESS.value,
        "submitted": kept.status == AuditStatus.SUBMITTED.value,
        "moderated": kept.status == AuditStatus.MODERATED.value,
        "overdue": and_(kept.status.in_(OPEN_STATUSES), due_before_today(kept.due_date)),
        "cancelled": kept.status == AuditStatus.CANCELLED.value,
    }
    counts = select(kept.programme_id, *(count_where(condition).label(name) for name, condition in counted.items()))
    if programme_id is not None:
        counts = counts.where(kept.programme_id == programme_id)
    by_programme = counts.group_by(kept.programme_id).subquery()
    query = (
        select(AuditProgramme, *(func.coalesce(by_programme.c[name], 0).label(name) for name in counted))
        .outerjoin(by_programme, by_programme.c.programme_id == AuditProgramme.id)
        .options(joinedload(AuditProgramme.tool_version), joinedload(AuditProgramme.created_by))
        .order_by(AuditProgramme.month.desc(), AuditProgramme.id.desc())
    )
    if programme_id is not None:
        query = query.where(AuditProgramme.id == programme_id)
    return [
        ProgrammeSummary(row.AuditProgramme, **{name: int(row._mapping[name]) for name in counted})
        for row in db.session.execute(query)
    ]


def programme_summaries() -> list[ProgrammeSummary]:
    """Every programme, newest month first, with its audits counted by status and overdue."""
    return _summaries()


def programme_summary(programme_id: int) -> ProgrammeSummary | None:
    summaries = _summaries(programme_id)
    return summaries[0] if summaries else None


PROGRAMME_PAGE_SIZE = 50


@dataclass(frozen=True)
class ProgrammeAuditPage:
    audits: Sequence[Audit]
    total: int
    page: int
    pages: int


def programme_audits(summary: ProgrammeSummary, page: int = 1) -> ProgrammeAuditPage:
    """A page of a programme's audits (cancelled ones too) by team and case reference, with what the
    list shows: fixed queries, and ``PROGRAMME_PAGE_SIZE`` rows drawn however large the programme.
    The number in all comes from the programme's counts, not a count of its audits."""
    total = summary.total + summary.cancelled
    page, pages = page_within(total, page, PROGRAMME_PAGE_SIZE)
    ids = db.session.scalars(
        select(Audit.id)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .where(Audit.programme_id == summary.programme.id)
        .order_by(Team.name, Case.reference, Audit.id)
        .offset((page - 1) * PROGRAMME_PAGE_SIZE)
        .limit(PROGRAMME_PAGE_SIZE)
    ).all()
    loaded = select(Audit).options(selectinload(Audit.case), selectinload(Audit.team), selectinload(Audit.auditor))
    return ProgrammeAuditPage(audits=rows_by_id(loaded, ids), total=total, page=page, pages=pages)


# Changing an assigned audit ----------------------------------------------------------------------

REASON_MAX = 2000


def _check_changeable(audit: Audit, reason: str) -> str:
    if not audit.status_enum.is_open:
        raise ProgrammeError(
            f"This audit is {audit.status_enum.label.lower()}: only an audit not yet submitted can be changed"
        )
    reason = reason.strip()
    if not reason:
        raise ProgrammeError("Enter the reason", "reason")
    if len(reason) > REASON_MAX:
        raise ProgrammeError(f"The reason must be {REASON_MAX:,} characters or fewer", "reason")
    return reason


def _record(audit: Audit, by: User, what: str, old: str, new: str, reason: str) -> AuditAmendment:
    """The change, kept with the audit's amendments (who, when, what, from, to, why)."""
    change = AuditAmendment(audit_id=audit.id, user_id=by.id, field=what, old_value=old, new_value=new, reason=reason)
    db.session.add(change)
    audit.updated_at = utcnow()
    audit.updated_by_id = by.id
    db.session.flush()
    return change


def reassign_audit(audit: Audit, auditor: User, reason: str, by: User) -> AuditAmendment:
    """Give an audit not yet submitted to another auditor, keeping its answers; the change and its
    reason are recorded. The same rules as planning apply (``auditor_conflict``)."""
    reason = _check_changeable(audit, reason)
    if auditor.id == audit.auditor_id:
        raise ProgrammeError(f"{auditor.name} is already the auditor. Select someone else", "auditor")
    problem = auditor_conflict(audit.case, auditor)
    if problem:
        raise ProgrammeError(f"{problem}. Select someone else", "auditor")
    previous = audit.auditor.name
    audit.auditor_id = auditor.id
    audit.auditor = auditor
    amendment = _record(audit, by, "Auditor", previous, auditor.name, reason)
    notifications.audit_assigned(audit, auditor)
    return amendment


def cancel_audit(audit: Audit, reason: str, by: User) -> AuditAmendment:
    """Withdraw an audit not yet submitted: it is kept, with its answers and the reason, but is no
    longer open, overdue or counted in the programme's progress or the reports."""
    reason = _check_changeable(audit, reason)
    previous = audit.status_enum.label
    audit.status = AuditStatus.CANCELLED
    return _record(audit, by, "Status", previous, AuditStatus.CANCELLED.label, reason)
