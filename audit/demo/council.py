"""A synthetic council for demonstrations and trying the service: teams, staff and cases.

Everything here is invented. Children have no names anywhere in the service; staff names are
made up. Running it again adds only what is missing, so it never duplicates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from sqlalchemy import func, select

from audit.domain import people
from audit.extensions import db
from audit.models import Case, PlanType, Role, ServiceArea, Team, User
from audit.models.cases import AGE_BANDS, DISABILITY, ETHNICITIES, GENDERS, RELIGIONS
from audit.security.passwords import hash_password

DEMO_PASSWORD = "demo-password-2026"
DEMO_DOMAIN = "demo.example"
CASE_PREFIX = "DEMO-"

# (team, service area, plan types its cases mostly have)
DEMO_TEAMS = (
    ("MASH and front door", "Front door (MASH)", (PlanType.CHILD_IN_NEED, PlanType.EARLY_HELP)),
    ("Assessment North", "Assessment", (PlanType.CHILD_IN_NEED, PlanType.CHILD_PROTECTION)),
    ("Assessment South", "Assessment", (PlanType.CHILD_IN_NEED, PlanType.CHILD_PROTECTION)),
    ("Safeguarding East", "Child in need and child protection", (PlanType.CHILD_PROTECTION, PlanType.CHILD_IN_NEED)),
    ("Safeguarding West", "Child in need and child protection", (PlanType.CHILD_PROTECTION, PlanType.CHILD_IN_NEED)),
    ("Children in care", "Children in care", (PlanType.CHILD_IN_CARE,)),
    ("Leaving care", "Care leavers", (PlanType.CARE_LEAVER,)),
    ("Disabled children", "Disabled children", (PlanType.CHILD_IN_NEED, PlanType.CHILD_IN_CARE)),
    ("Emergency duty", "Emergency duty", (PlanType.CHILD_IN_NEED,)),
)

# One sign-in per role, printed for the newcomer; the team is where the role's work is.
DEMO_ACCOUNTS = (
    ("admin", "Alex Admin", (Role.ADMIN,), None),
    ("leader", "Lee Leader", (Role.LEADER,), None),
    ("auditor", "Ash Auditor", (Role.AUDITOR,), "Safeguarding East"),
    ("moderator", "Morgan Moderator", (Role.MODERATOR,), None),
    ("supervisor", "Sam Supervisor", (Role.SUPERVISOR, Role.AUDITOR), "Safeguarding East"),
    ("practitioner", "Pat Practitioner", (Role.PRACTITIONER,), "Safeguarding East"),
)

_FIRST = (
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Erin",
    "Femi",
    "Grace",
    "Hamza",
    "Isla",
    "Jonah",
    "Kiran",
    "Lena",
    "Marcus",
    "Nia",
    "Owen",
    "Priya",
    "Rhys",
    "Sofia",
    "Tom",
    "Uma",
    "Vikram",
    "Wren",
    "Yusuf",
    "Zara",
)
_LAST = (
    "Adeyemi",
    "Brooks",
    "Chen",
    "Dawson",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Novak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Reid",
    "Shah",
    "Turner",
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    roles: str
    team: str


def _ensure_team(name: str, area_name: str, areas: dict[str, ServiceArea]) -> Team:
    team = people.team_by_name(name)
    if team is None:
        team = people.save_team(None, name=name, service_area_id=areas[area_name].id)
    return team


def _ensure_user(email: str, name: str, roles: tuple[Role, ...], team: Team | None) -> User:
    user = people.user_by_email(email)
    if user is None:
        user = people.create_user(email=email, name=name, roles=roles, password_hash=_demo_hash(), team=team)
    return user


@cache
def _demo_hash() -> str:
    # One argon2id hash for every demo account: hashing is deliberately slow (~90 ms each).
    return hash_password(DEMO_PASSWORD)


def seed(*, cases: int = 200, seed: int = 2026) -> list[DemoAccount]:
    rng = random.Random(seed)
    people.ensure_default_service_areas()
    db.session.flush()
    areas = {area.name: area for area in people.service_areas()}
    teams = {name: _ensure_team(name, area, areas) for name, area, _plans in DEMO_TEAMS}

    accounts = []
    for key, name, roles, team_name in DEMO_ACCOUNTS:
        email = f"{key}@{DEMO_DOMAIN}"
        _ensure_user(email, name, roles, teams[team_name] if team_name else None)
        accounts.append(DemoAccount(email, name, ", ".join(role.label for role in roles), team_name or "All teams"))

    # Each team: a team manager (supervisor and auditor) and four practitioners.
    workers: dict[str, list[User]] = {}
    for index, (team_name, _area, _plans) in enumerate(DEMO_TEAMS):
        team = teams[team_name]
        slug = team_name.lower().replace(" ", "-")
        manager_name = f"{_FIRST[index % len(_FIRST)]} {_LAST[index % len(_LAST)]}"
        _ensure_user(f"manager.{slug}@{DEMO_DOMAIN}", manager_name, (Role.SUPERVISOR, Role.AUDITOR), team)
        team_workers = []
        for n in range(4):
            worker_name = f"{_FIRST[(index * 4 + n + 7) % len(_FIRST)]} {_LAST[(index * 3 + n + 5) % len(_LAST)]}"
            team_workers.append(
                _ensure_user(f"worker{n + 1}.{slug}@{DEMO_DOMAIN}", worker_name, (Role.PRACTITIONER,), team)
            )
        workers[team_name] = team_workers
    practitioner = people.user_by_email(f"practitioner@{DEMO_DOMAIN}")
    if practitioner is not None:  # made above
        workers["Safeguarding East"].append(practitioner)

    have = db.session.scalar(select(func.count()).select_from(Case).where(Case.reference.startswith(CASE_PREFIX))) or 0
    for number in range(have + 1, cases + 1):
        team_name, _area, plans = DEMO_TEAMS[rng.randrange(len(DEMO_TEAMS))]
        plan = plans[0] if rng.random() < 0.7 else rng.choice(list(PlanType))
        age_band = "18 to 25" if plan == PlanType.CARE_LEAVER else rng.choice(AGE_BANDS[:-1])
        db.session.add(
            Case(
                reference=f"{CASE_PREFIX}{number:06d}",
                team=teams[team_name],
                worker=rng.choice(workers[team_name]) if rng.random() < 0.92 else None,
                plan_type=plan.value,
                age_band=age_band if rng.random() < 0.9 else None,
                gender=rng.choice(GENDERS),
                ethnicity=rng.choices(ETHNICITIES, weights=(12, 8, 7, 65, 3, 5))[0],
                religion=rng.choice(RELIGIONS) if rng.random() < 0.6 else None,
                disability=rng.choices(DISABILITY, weights=(12, 70, 18))[0],
            )
        )
    db.session.flush()
    return accounts
