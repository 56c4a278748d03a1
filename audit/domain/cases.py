"""Cases: a child's case reference, team, allocated worker and aggregate-only fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import false, select
from sqlalchemy.orm import selectinload

from audit.domain.bounded import numbered_page
from audit.extensions import db
from audit.models import Case, PlanType, Team, User
from audit.routing import MAX_ID

PAGE_SIZE = 50
# Record ids are 32-bit integers in PostgreSQL (and SQLite refuses any integer over 64 bits): a
# larger number in an address or filter must be "not found", not a database error.


class DuplicateCaseError(ValueError):
    pass


@dataclass(frozen=True)
class CasePage:
    cases: Sequence[Case]
    total: int
    page: int
    pages: int


# Case-management references carry a number; a reference without one is most likely a name.
NOT_A_NAME = "it is the case-management system's reference, never a name"


def normalise_reference(reference: str) -> str:
    """Upper case, no spaces and no control characters (PostgreSQL refuses NUL in a query)."""
    return "".join(character for character in "".join(reference.split()) if character.isprintable()).upper()


def case_by_reference(reference: str) -> Case | None:
    return db.session.scalar(select(Case).where(Case.reference == normalise_reference(reference)))


def case_page(*, team_id: int | None, page: int = 1, search: str = "", plan_type: str = "") -> CasePage:
    """One page of cases, with team and worker, in a fixed number of queries."""
    query = select(Case)
    if team_id is not None:
        query = query.where(Case.team_id == team_id if 0 < team_id <= MAX_ID else false())
    if search:
        query = query.where(Case.reference.contains(normalise_reference(search), autoescape=True))
    if plan_type in {plan.value for plan in PlanType}:
        query = query.where(Case.plan_type == plan_type)
    # A listed worker's roles are not shown: do not load them.
    loaded = query.options(selectinload(Case.team), selectinload(Case.worker).lazyload(User.role_rows))
    found = numbered_page(loaded.order_by(Case.reference), page, PAGE_SIZE)
    return CasePage(cases=found.items, total=found.total, page=found.page, pages=found.pages)


@dataclass(frozen=True)
class CaseDetails:
    reference: str
    team: Team
    worker: User | None
    plan_type: PlanType
    age_band: str | None = None
    gender: str | None = None
    ethnicity: str | None = None
    religion: str | None = None
    disability: str | None = None


def save_case(case: Case | None, details: CaseDetails) -> Case:
    reference = normalise_reference(details.reference)
    clash = case_by_reference(reference)
    if clash is not None and clash is not case:
        raise DuplicateCaseError(f"A case with the reference {reference} already exists")
    if case is None:
        case = Case(reference=reference, team=details.team, plan_type=details.plan_type)
        db.session.add(case)
    case.reference = reference
    case.team = details.team
    case.worker = details.worker
    case.plan_type = details.plan_type
    case.age_band = details.age_band or None
    case.gender = details.gender or None
    case.ethnicity = details.ethnicity or None
    case.religion = details.religion or None
    case.disability = details.disability or None
    db.session.flush()
    return case
