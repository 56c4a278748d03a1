"""Importing cases from a CSV exported by the case-management system.

Every row is checked before anything is written: one bad row means nothing is imported, and each
problem is reported with its line number. Columns we do not know (an export may carry names) are
ignored, never stored, and listed back to the admin.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from audit.domain.cases import NOT_A_NAME, normalise_reference
from audit.extensions import db
from audit.models import Case, PlanType, Team, User
from audit.models.cases import AGE_BANDS, DISABILITY, ETHNICITIES, GENDERS, RELIGIONS

REQUIRED_COLUMNS = ("reference", "team", "plan_type")
OPTIONAL_COLUMNS = ("worker_email", "age_band", "gender", "ethnicity", "religion", "disability")
CHOICE_COLUMNS: dict[str, Sequence[str]] = {
    "age_band": AGE_BANDS,
    "gender": GENDERS,
    "ethnicity": ETHNICITIES,
    "religion": RELIGIONS,
    "disability": DISABILITY,
}
MAX_ROWS = 20_000
MAX_REFERENCE = 40
_ALPHANUMERIC = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_REFERENCE_CHARACTERS = _ALPHANUMERIC | set("/_-.")
NOT_RECORDED = "Not recorded"
NUL_PROBLEM = "The line contains a null character: save the file again as a CSV"


@dataclass
class ImportResult:
    imported: int = 0
    errors: list[tuple[int | None, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _column_name(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").split())


def _team_key(name: str) -> str:
    return " ".join(name.split()).lower()


def _choice(value: str, allowed: Sequence[str]) -> str | None:
    for option in allowed:
        if option.lower() == value.lower():
            return option
    return None


def _read_rows(content: bytes, result: ImportResult) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header's column names and each non-blank row with the physical line it starts on."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append((None, "The file must be a CSV saved with UTF-8 encoding"))
        return [], []
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] = []
    header_line = 0
    try:
        for values in reader:  # blank lines before the header are skipped
            if any(value.strip() for value in values):
                header, header_line = values, reader.line_num
                break
    except csv.Error as error:
        result.errors.append((reader.line_num, f"The line cannot be read as CSV ({error})"))
        return [], []
    if not header:
        result.errors.append((None, "The file is empty"))
        return [], []
    if any("\x00" in value for value in header):
        result.errors.append((header_line, NUL_PROBLEM))
        return [], []
    columns = [_column_name(name) for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        result.errors.append(
            (header_line, f"The file is missing the column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
        )
        return columns, []
    known = set(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    repeated = sorted({name for name in columns if name in known and columns.count(name) > 1})
    if repeated:
        result.errors.append((header_line, f"The header names these columns more than once: {', '.join(repeated)}"))
        return columns, []
    result.ignored_columns = [header[i].strip() for i, name in enumerate(columns) if name not in known and name]
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num
    try:
        for values in reader:
            # A quoted value may run over several lines: report the line the row starts on.
            start, line = line + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= MAX_ROWS:
                result.errors.append((None, f"The file has more than {MAX_ROWS:,} cases: split it into smaller files"))
                return columns, []
            if any("\x00" in value for value in values):
                # Never let it reach a query: PostgreSQL refuses NUL in text.
                result.errors.append((start, NUL_PROBLEM))
                continue
            if any(value.strip() for value in values[len(columns) :]):
                result.errors.append(
                    (
                        start,
                        f"The line has {len(values)} values but the header has {len(columns)} columns "
                        "(a value with a comma in it must be in double quotes)",
                    )
                )
                continue
            rows.append((start, {name: value.strip() for name, value in zip(columns, values, strict=False)}))
    except csv.Error as error:
        result.errors.append((reader.line_num, f"The line cannot be read as CSV ({error})"))
        return columns, []
    if not rows and not result.errors:
        result.errors.append((None, "The file has a header row but no cases"))
    return columns, rows


def import_cases(content: bytes) -> ImportResult:
    """Check every row, then import all of them or none."""
    result = ImportResult()
    _columns, rows = _read_rows(content, result)
    if not rows:
        return result

    teams = {_team_key(team.name): team for team in db.session.scalars(select(Team))}
    emails = {row["worker_email"].lower() for _, row in rows if row.get("worker_email")}
    workers = {
        user.email: user for user in (db.session.scalars(select(User).where(User.email.in_(emails))) if emails else [])
    }
    references = [normalise_reference(row.get("reference", "")) for _, row in rows]
    existing: set[str] = set()
    for start in range(0, len(references), 500):
        chunk = references[start : start + 500]
        existing.update(db.session.scalars(select(Case.reference).where(Case.reference.in_(chunk))))

    seen: dict[str, int] = {}
    new_cases = []
    for (line, row), reference in zip(rows, references, strict=True):
        problems = []
        if not reference:
            problems.append("Enter a case reference")
        elif len(reference) > MAX_REFERENCE:
            problems.append(f"Case reference must be {MAX_REFERENCE} characters or fewer")
        elif reference[0] not in _ALPHANUMERIC or not set(reference) <= _REFERENCE_CHARACTERS:
            problems.append(
                f"Case reference {reference} must start with a letter or number "
                "and contain only letters, numbers and / _ - ."
            )
        elif not any(character.isdigit() for character in reference):
            problems.append(f"Case reference {reference} must include a number: {NOT_A_NAME}")
        elif reference in existing:
            problems.append(f"A case with the reference {reference} already exists")
        elif reference in seen:
            problems.append(f"Case reference {reference} is also on line {seen[reference]}")
        else:
            seen[reference] = line

        team = teams.get(_team_key(row.get("team", "")))
        if not row.get("team"):
            problems.append("Enter the team")
        elif team is None:
            problems.append(f"There is no team called {row['team']!r}")

        plan_type = PlanType.from_text(row.get("plan_type", ""))
        if not row.get("plan_type"):
            problems.append("Enter the plan type")
        elif plan_type is None:
            allowed = ", ".join(plan.label.lower() for plan in PlanType)
            problems.append(f"Plan type {row.get('plan_type', '')!r} is not one of: {allowed}")

        worker = None
        if row.get("worker_email"):
            worker = workers.get(row["worker_email"].lower())
            if worker is None:
                problems.append(f"There is no user with the email address {row['worker_email']}")
            elif not worker.active:
                problems.append(f"{row['worker_email']} has been deactivated and cannot be allocated cases")
            elif team is not None and worker.team_id != team.id:
                problems.append(f"{row['worker_email']} is not in the {team.name} team")

        optional = {}
        for column, allowed_values in CHOICE_COLUMNS.items():
            value = row.get(column, "")
            if value:
                chosen = _choice(value, allowed_values)
                if chosen is None:
                    problems.append(
                        f"{column.replace('_', ' ').capitalize()} {value!r} is not one of: {', '.join(allowed_values)}"
                    )
                # "Not recorded" is stored as no value, as the add a case page stores it.
                optional[column] = None if chosen == NOT_RECORDED else chosen

        if problems:
            result.errors.extend((line, problem) for problem in problems)
        elif not result.errors and plan_type is not None:  # no problems: the plan type was read
            new_cases.append(Case(reference=reference, team=team, worker=worker, plan_type=plan_type, **optional))

    if result.errors:
        result.errors.sort(key=lambda error: error[0] or 0)  # in line order, whole-file problems first
        return result
    db.session.add_all(new_cases)
    db.session.flush()
    result.imported = len(new_cases)
    result.case_ids = [case.id for case in new_cases]
    return result
