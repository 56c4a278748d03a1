"""Keeping the cases in step with a CSV exported by the case-management system.

Every row is checked before anything is written: one bad row means nothing is applied, and each
problem is reported with its line number. Columns we do not know (an export may carry names) are
ignored, never stored, and listed back to the admin.

An upload is first planned (``plan_import``: what would be added, changed, closed, reopened, left
alone) and shown to the admin; the file waits server-side (``CaseImportUpload``) until they confirm,
when ``apply_import`` plans it again against the cases as they are then and applies it all or
nothing. A reference already held is updated from its row. A row whose ``status`` is "closed"
closes its case; a case absent from a file the admin says is a full export of open cases is closed;
a closed case that appears again as open is reopened. See docs/decisions.md (2026-11-28).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, select

from audit.clock import today, utcnow
from audit.domain.atomic import all_or_nothing
from audit.domain.cases import NOT_A_NAME, normalise_reference
from audit.extensions import db
from audit.models import Case, PlanType, Team, User
from audit.models.cases import AGE_BANDS, DISABILITY, ETHNICITIES, GENDERS, RELIGIONS, CaseImportUpload

REQUIRED_COLUMNS = ("reference", "team", "plan_type")
OPTIONAL_COLUMNS = ("worker_email", "age_band", "gender", "ethnicity", "religion", "disability", "status")
STATUSES = ("open", "closed")
# How long an uploaded file waits for the admin to confirm it.
KEEP_UPLOAD_FOR = timedelta(hours=1)
TEMPLATE_CSV = (
    "reference,team,plan_type,worker_email,age_band,gender,ethnicity,religion,disability,status\r\n"
    "CS-000001,Safeguarding East,Child in need,worker@example.org,5 to 9,Not recorded,Not recorded,"
    "Not recorded,No,open\r\n"
)
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
class NewCase:
    line: int
    reference: str
    values: dict[str, object]
    summary: list[tuple[str, str]]  # (label, value) as shown in the preview


@dataclass
class CaseChange:
    line: int | None  # None for a case closed because it is not in a full export
    case: Case
    values: dict[str, object]  # the attributes to set
    changes: list[tuple[str, str, str]]  # (label, from, to)


@dataclass
class ImportResult:
    """The plan for one file: what would change, or the problems that stop it."""

    full_export: bool = False
    errors: list[tuple[int | None, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    new: list[NewCase] = field(default_factory=list)
    changed: list[CaseChange] = field(default_factory=list)
    closed: list[CaseChange] = field(default_factory=list)
    reopened: list[CaseChange] = field(default_factory=list)
    unchanged: int = 0
    case_ids: list[int] = field(default_factory=list)  # filled in once applied
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed or self.closed or self.reopened)

    @property
    def fingerprint(self) -> str:
        """Identifies what the plan would do: confirming applies only the plan the admin saw."""
        parts = [f"new:{case.reference}:{sorted(case.summary)}" for case in self.new]
        for kind, items in (("changed", self.changed), ("closed", self.closed), ("reopened", self.reopened)):
            parts.extend(f"{kind}:{item.case.id}:{item.changes}" for item in items)
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


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


def _shown(value: object) -> str:
    return NOT_RECORDED if value in (None, "") else str(value)


def _status(closed_on: date | None) -> str:
    return "Open" if closed_on is None else f"Closed on {closed_on.day} {closed_on:%B %Y}"


def _team_problem(name: str, teams: dict[str, Team]) -> str:
    problem = f"There is no team called {name!r}"
    close = difflib.get_close_matches(_team_key(name), list(teams), n=1, cutoff=0.85)
    if close:
        problem += f". Did you mean {teams[close[0]].name!r}?"
    return problem


def _existing_cases(references: list[str]) -> dict[str, Case]:
    existing: dict[str, Case] = {}
    wanted = sorted({reference for reference in references if reference})
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        existing.update(
            (case.reference, case) for case in db.session.scalars(select(Case).where(Case.reference.in_(chunk)))
        )
    return existing


def plan_import(content: bytes, full_export: bool = False) -> ImportResult:
    """Check every row and work out what applying the file would change; change nothing."""
    result = ImportResult(full_export=full_export)
    columns, rows = _read_rows(content, result)
    if not rows:
        return result
    present = set(columns)
    on = today()

    teams = {_team_key(team.name): team for team in db.session.scalars(select(Team))}
    emails = {row["worker_email"].lower() for _, row in rows if row.get("worker_email")}
    workers = {
        user.email: user for user in (db.session.scalars(select(User).where(User.email.in_(emails))) if emails else [])
    }
    references = [normalise_reference(row.get("reference", "")) for _, row in rows]
    existing = _existing_cases(references)

    seen: dict[str, int] = {}
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
        elif reference in seen:
            problems.append(f"Case reference {reference} is also on line {seen[reference]}")
        else:
            seen[reference] = line
        case = existing.get(reference)

        team = teams.get(_team_key(row.get("team", "")))
        if not row.get("team"):
            problems.append("Enter the team")
        elif team is None:
            problems.append(_team_problem(row["team"], teams))

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
            elif not worker.active and (case is None or case.worker_id != worker.id):
                problems.append(f"{row['worker_email']} has been deactivated and cannot be allocated cases")
            elif team is not None and worker.team_id != team.id:
                problems.append(f"{row['worker_email']} is not in the {team.name} team")

        optional: dict[str, str | None] = {}
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
            elif column in present:
                optional[column] = None  # an empty value in the system's export: not recorded

        status = row.get("status", "").lower()
        if status and status not in STATUSES:
            problems.append(f"Status {row['status']!r} is not one of: {', '.join(STATUSES)}")

        if problems:
            result.errors.extend((line, problem) for problem in problems)
            continue
        if result.errors or plan_type is None or team is None:
            continue  # nothing will be applied: only problems are worth working out
        closed_on = on if status == "closed" else None
        values: dict[str, object] = {"team": team, "plan_type": plan_type, **optional}
        if "worker_email" in present:
            values["worker"] = worker
        if case is None:
            summary = [("Team", team.name), ("Plan type", plan_type.label)]
            if worker is not None:
                summary.append(("Allocated worker", worker.name))
            if closed_on is not None:
                summary.append(("Status", _status(closed_on)))
            result.new.append(NewCase(line, reference, {**values, "closed_on": closed_on}, summary))
            continue
        changes: list[tuple[str, str, str]] = []
        if case.team_id != team.id:
            changes.append(("Team", case.team.name, team.name))
        if "worker" in values and case.worker_id != (worker.id if worker else None):
            changes.append(
                (
                    "Allocated worker",
                    case.worker.name if case.worker else "Not allocated",
                    worker.name if worker else "Not allocated",
                )
            )
        if case.plan_type != plan_type:
            changes.append(("Plan type", PlanType(case.plan_type).label, plan_type.label))
        for column, wanted in optional.items():
            held: str | None = getattr(case, column)
            stored = None if held == NOT_RECORDED else held
            if stored != wanted:
                changes.append((column.replace("_", " ").capitalize(), _shown(stored), _shown(wanted)))
        target: list[CaseChange] = result.changed
        if status == "closed" and case.closed_on is None:
            values["closed_on"] = on
            changes.append(("Status", _status(None), _status(on)))
            target = result.closed
        elif status != "closed" and case.closed_on is not None:
            values["closed_on"] = None
            changes.append(("Status", _status(case.closed_on), _status(None)))
            target = result.reopened
        if changes:
            target.append(CaseChange(line, case, values, changes))
        else:
            result.unchanged += 1

    if result.errors:
        result.errors.sort(key=lambda error: error[0] or 0)  # in line order, whole-file problems first
        result.new, result.changed, result.closed, result.reopened = [], [], [], []
        return result
    if full_export:
        in_file = set(references)
        for case in db.session.scalars(select(Case).where(Case.closed_on.is_(None)).order_by(Case.reference)):
            if case.reference not in in_file:
                result.closed.append(
                    CaseChange(None, case, {"closed_on": on}, [("Status", _status(None), _status(on))])
                )
    return result


def apply_import(content: bytes, full_export: bool, fingerprint: str | None = None) -> ImportResult:
    """Plan the file again against the cases as they are now and, if it has no problems (and is
    still the plan the admin saw, when ``fingerprint`` is given), apply all of it or none."""
    result = plan_import(content, full_export)
    if not result.ok or (fingerprint is not None and fingerprint != result.fingerprint):
        return result
    with all_or_nothing():
        created = [Case(reference=new.reference, **new.values) for new in result.new]
        db.session.add_all(created)
        for change in (*result.changed, *result.closed, *result.reopened):
            for name, value in change.values.items():
                setattr(change.case, name, value)
        db.session.flush()
    result.applied = True
    result.case_ids = [case.id for case in created] + [
        change.case.id for change in (*result.changed, *result.closed, *result.reopened)
    ]
    return result


def keep_upload(user_id: int, content: bytes, full_export: bool) -> str:
    """Hold a checked file for its uploader until they confirm it; the token to reach it."""
    db.session.execute(delete(CaseImportUpload).where(CaseImportUpload.created_at < utcnow() - KEEP_UPLOAD_FOR))
    token = secrets.token_urlsafe(32)
    db.session.add(CaseImportUpload(token=token, user_id=user_id, content=content, full_export=full_export))
    db.session.flush()
    return token


def kept_upload(token: str, user_id: int) -> CaseImportUpload | None:
    """The file this user uploaded under this token, unless it has expired (expired files go)."""
    db.session.execute(delete(CaseImportUpload).where(CaseImportUpload.created_at < utcnow() - KEEP_UPLOAD_FOR))
    upload = db.session.scalar(select(CaseImportUpload).where(CaseImportUpload.token == token))
    if upload is None or upload.user_id != user_id or upload.created_at < utcnow() - KEEP_UPLOAD_FOR:
        return None
    return upload


def discard_upload(upload: CaseImportUpload) -> None:
    db.session.delete(upload)
    db.session.flush()
