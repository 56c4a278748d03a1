"""Seed a synthetic council of N audits quickly, for benchmarks up to 1,000,000 audits.

The audits are the demo's (``audit.demo.audits``: every tool in the library, teams that differ in
quality and auditors in generosity, final grades through moderation, UK dates over the 364 days to
today, actions and concerns) drawn by the same code in the same order, so a size gives the same
council as ``flask seed-demo --audits N`` would, apart from the answers left out (below) and the
moderation sample, which the demo too skips above 5,000 audits. What differs is how the rows are
written: ids are given here rather than returned one batch at a time, and each table's rows go in
with PostgreSQL's COPY (SQLite: one executemany per table and batch). Answers are written only
where a report reads them (``--answers counted``: yes/no and choice questions, which the question
figures count); ``--answers all`` writes every answer, as the demo does.

It leaves the database as the app expects it: migrated to head, the demo council's people and
cases, audits grouped into monthly programmes as the demo does, and the grade summary rebuilt
(``audit.domain.summaries.rebuild``). On PostgreSQL it then runs ``VACUUM ANALYZE``, as autovacuum
soon would after a bulk load. Use a database made for the benchmark: the script adds to it.

    createdb -h 127.0.0.1 -U postgres bench_million
    .venv/bin/python bench/bulk_seed.py --audits 1000000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_million
    .venv/bin/python bench/bulk_seed.py --audits 10000 --database-url sqlite:////tmp/bench-10k.db
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

from audit.clock import utcnow
from audit.demo import audits as demo
from audit.demo import council
from audit.domain import summaries
from audit.domain.tools import load_definitions
from audit.extensions import Model, db
from audit.models import (
    Action,
    Answer,
    Audit,
    AuditStatus,
    ModeratedSection,
    Moderation,
    SafeguardingConcern,
    SectionJudgement,
)
from audit.reporting.questions import COUNTED_TYPES

BATCH = 10_000
ANSWERS = ("counted", "all", "none")


@dataclass
class Seeded:
    """What was written and how long each part took (seconds)."""

    audits: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def took(self, part: str, started: float) -> None:
        self.seconds[part] = self.seconds.get(part, 0.0) + time.perf_counter() - started

    def wrote(self, table: str, count: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + count


def bulk_seed(
    audits: int, *, cases: int | None = None, answers: str = "counted", seed: int = 2026, today: date | None = None
) -> Seeded:
    """Add the demo council and ``audits`` synthetic audits to the database of the app context, in
    the session's transaction (the caller commits). The database must be migrated to head."""
    if answers not in ANSWERS:
        raise ValueError(f"answers must be one of {', '.join(ANSWERS)}")
    seeded = Seeded()
    started = time.perf_counter()
    if db.session.get_bind().dialect.name == "postgresql":
        # The app's statement timeout guards requests; rebuilding the summary of a million audits
        # is one long statement, and the whole seeding is one transaction.
        db.session.execute(text("SET LOCAL statement_timeout = 0"))
    load_definitions()
    with _summary_kept_at_the_end():
        council.seed(cases=cases or max(200, audits // 5))
        db.session.flush()
    seeded.took("council", started)

    rng = random.Random(seed)
    people = demo._load_council(rng, today or utcnow().date())
    if people is None:
        raise RuntimeError("the demo council has no cases, auditors or leader")
    counted_questions = {
        question.id
        for version in people.by_slug.values()
        for section in version.sections
        for question in section.questions
        if question.answer_type in COUNTED_TYPES
    }
    writer = _Writer(seeded)
    next_audit = (db.session.scalar(select(func.max(Audit.id))) or 0) + 1
    next_moderation = (db.session.scalar(select(func.max(Moderation.id))) or 0) + 1
    added = 0
    while added < audits:
        started = time.perf_counter()
        batch = min(BATCH, audits - added)
        planned = [
            audit
            for index in range(batch)
            if (audit := demo._plan_audit(rng, people, index, first=added == 0)) is not None
        ]
        ids = range(next_audit, next_audit + len(planned))
        rows = demo._Rows()
        for audit_id, audit in zip(ids, planned, strict=True):
            if audit.status != AuditStatus.ASSIGNED:
                demo._add_records(rng, people, rows, audit_id, audit)
        moderation_ids = {}
        for moderation in rows.moderations:
            moderation["id"] = moderation_ids[moderation["audit_id"]] = next_moderation
            next_moderation += 1
        if answers == "counted":
            rows.answers = [row for row in rows.answers if row["question_id"] in counted_questions]
        elif answers == "none":
            rows.answers = []
        seeded.took("generating rows", started)

        started = time.perf_counter()
        writer.write(Audit, [{"id": audit_id, **audit.row} for audit_id, audit in zip(ids, planned, strict=True)])
        writer.write(Answer, rows.answers)
        writer.write(SectionJudgement, rows.judgements)
        writer.write(Action, rows.actions)
        writer.write(SafeguardingConcern, rows.concerns)
        writer.write(Moderation, rows.moderations)
        writer.write(
            ModeratedSection,
            [
                {"moderation_id": moderation_ids[audit_id], **section}
                for audit_id, sections in rows.moderated_sections
                for section in sections
            ],
        )
        seeded.took("writing rows", started)
        next_audit += len(planned)
        added += batch
        seeded.audits += len(planned)

    started = time.perf_counter()
    _follow_sequences(Audit, Moderation)
    demo._group_into_programmes(people.leader.id)
    db.session.flush()
    seeded.took("programmes", started)
    started = time.perf_counter()
    summaries.rebuild(db.session.connection())
    seeded.took("grade summary", started)
    return seeded


@contextmanager
def _summary_kept_at_the_end() -> Iterator[None]:
    """Without the grade summary's listener on every flush: the council's cases touch no figure,
    and the listener's look at each flushed row costs time that grows with the square of the rows
    in one flush (200,000 cases: many minutes). The summary is rebuilt once at the end."""
    listening = event.contains(Session, "after_flush", summaries._refresh_flushed)
    if listening:
        event.remove(Session, "after_flush", summaries._refresh_flushed)
    try:
        yield
    finally:
        if listening:
            event.listen(Session, "after_flush", summaries._refresh_flushed)


class _Writer:
    """Rows into a table as fast as the database takes them: COPY on PostgreSQL, else executemany."""

    def __init__(self, seeded: Seeded) -> None:
        self.seeded = seeded
        self.postgresql = db.session.get_bind().dialect.name == "postgresql"

    def write(self, model: type[Model], rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table = model.__table__
        self.seeded.wrote(table.name, len(rows))
        values = [_columns(model, row) for row in rows]
        # Rows of one table may name different columns (an answer sets the one its kind uses).
        names = list(dict.fromkeys(name for row in values for name in row))
        if not self.postgresql:
            db.session.execute(insert(table), [{name: row.get(name) for name in names} for row in values])
            return
        cursor = db.session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in values:
                copy.write_row([row.get(name) for name in names])


def _columns(model: type[Model], row: dict[str, Any]) -> dict[str, Any]:
    """A row keyed by attribute names, keyed by column names, with every column that has a Python
    default filled in (the demo's rows leave a few to the ORM's defaults)."""
    mapper = model.__mapper__
    values = {mapper.get_property(key).columns[0].name: value for key, value in row.items()}
    for column in model.__table__.c:
        if column.name not in values and column.default is not None and not column.primary_key:
            default = column.default.arg
            values[column.name] = default(None) if callable(default) else default
    return values


def _follow_sequences(*models: type[Model]) -> None:
    """On PostgreSQL, move each id sequence past the ids given here."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        name = model.__table__.name
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))


def _vacuum(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def main(arguments: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--audits", type=int, required=True)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--cases", type=int, help="the demo's cases (default audits / 5, at least 200)")
    parser.add_argument("--answers", choices=ANSWERS, default="counted")
    options = parser.parse_args(list(arguments) if arguments is not None else None)
    if not options.database_url:
        parser.error("--database-url (or DATABASE_URL) is needed: a database made for the benchmark")
    import flask_migrate

    from audit import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": options.database_url})
    began = time.perf_counter()
    with app.app_context():
        started = time.perf_counter()
        flask_migrate.upgrade()
        migrated = time.perf_counter() - started
        seeded = bulk_seed(options.audits, cases=options.cases, answers=options.answers)
        started = time.perf_counter()
        db.session.commit()
        seeded.took("commit", started)
        postgresql = db.engine.dialect.name == "postgresql"
        db.engine.dispose()
    if postgresql:
        started = time.perf_counter()
        _vacuum(options.database_url)
        seeded.seconds["VACUUM ANALYZE"] = time.perf_counter() - started
    total = time.perf_counter() - began
    print(f"seeded {seeded.audits:,} audits in {total:.1f} s (migrations {migrated:.1f} s)")
    for part, seconds in seeded.seconds.items():
        print(f"  {part:<20}{seconds:>10.1f} s")
    for table, count in seeded.rows.items():
        print(f"  {table:<20}{count:>12,} rows")


if __name__ == "__main__":
    main()
