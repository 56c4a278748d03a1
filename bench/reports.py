"""How the reports behave as audits grow: figures time, dashboard queries, PDF time and memory.

At each size a synthetic council is seeded into a fresh database (a throwaway SQLite file by
default), then the script measures, as a median of several runs after a warm-up:

- the figures of the themed report for the last 12 months and the last complete quarter, all
  teams, with the previous period it compares against: the figure functions the issue names, one
  by one, and ``themed.build_report`` (every figure the report shows), and each call apart;
- the SQL statements and time of GET /reports/ (the dashboard) as a leader;
- the themed report's PDF by ``audit.pdf.render_pdf`` against WeasyPrint alone on the same HTML;
- peak memory: tracemalloc's peak of Python allocations while computing the figures and while
  rendering the PDF, and the process's peak resident set size (each size runs in its own process).

Run:

    .venv/bin/python bench/reports.py                       # 1,000, 10,000 and 100,000 audits
    .venv/bin/python bench/reports.py --sizes 1000 10000
    .venv/bin/python bench/reports.py --keep /tmp/bench     # keep (and reuse) the seeded files
    .venv/bin/python bench/reports.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports

A PostgreSQL database is emptied (its public schema dropped) before each size: give one made
for the benchmark (``createdb -h 127.0.0.1 -U postgres bench_reports``), never a real one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import flask_migrate
import sqlalchemy as sa
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from audit import create_app
from audit.clock import today
from audit.config import PROJECT_ROOT
from audit.demo import council
from audit.demo.audits import seed_audits
from audit.demo.plan import seed_plan
from audit.demo.supervision import seed_supervision
from audit.domain import moderation, summaries
from audit.domain.tools import load_definitions
from audit.extensions import db
from audit.models import Audit, AuditStatus, ScaleGrade, SectionJudgement, User
from audit.reporting import agreement, evidence, figures, themed
from audit.reporting.figures import ReportScope

SIZES = [1000, 10000, 100000]
REPEATS = 5
PDF_REPEATS = 5
# Transaction control is not a query the page chose to make (as tests/querycount.py counts).
NOT_QUERIES = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK")


# Periods ----------------------------------------------------------------------------------------


def last_twelve_months(day: date) -> ReportScope:
    return ReportScope(start=day - timedelta(days=364), end=day)


def last_quarter(day: date) -> ReportScope:
    """The last complete calendar quarter before ``day``."""
    first_of_this = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    end = first_of_this - timedelta(days=1)
    return ReportScope(start=date(end.year, end.month - 2, 1), end=end)


# The figures ------------------------------------------------------------------------------------

# The calls the issue names, each for the period and the one before it (``scope.previous()``, the
# period of the same length just before, as the themed report compares).
FIGURE_CALLS: list[tuple[str, Callable[[ReportScope], object]]] = [
    ("audit_counts", figures.audit_counts),
    ("theme_grades", figures.theme_grades),
    ("theme_trend", lambda scope: figures.theme_trend(scope, by="month")),
    ("theme_by_team", figures.theme_by_team),
    ("overall_grades", figures.overall_grades),
    ("moderation_agreement", agreement.moderation_agreement),
    ("action_figures", figures.action_figures),
]


def figure_set(scope: ReportScope) -> None:
    """The figures the issue names, called one by one, for the period and the previous one."""
    for period in (scope, scope.previous()):
        for _name, call in FIGURE_CALLS:
            call(period)


# Timed one by one too: the calls above, and those the themed report adds.
REPORT_CALLS = [
    *FIGURE_CALLS,
    ("theme_actions", evidence.theme_actions),
    ("theme_evidence", evidence.theme_evidence),
    ("theme_action_examples", evidence.theme_action_examples),
]


def write_costs(samples: int = 15) -> dict[str, float]:
    """Milliseconds a write takes with the grade summary kept (the flush listener on) and without
    it (off), medians over ``samples`` audits, each write rolled back: a section grade changed on a
    submitted audit (what an amendment or a re-grade writes), a submission (status and time), and a
    whole moderation through ``moderation.record_moderation``."""
    ids = list(
        db.session.scalars(
            select(Audit.id).where(Audit.status == AuditStatus.SUBMITTED.value).order_by(Audit.id.desc()).limit(samples)
        )
    )
    moderator = db.session.scalar(select(User).where(User.email == "moderator@demo.example"))
    costs: dict[str, float] = {}

    def regrade(audit: Audit) -> None:
        judgement = db.session.scalars(select(SectionJudgement).where(SectionJudgement.audit_id == audit.id)).first()
        grades = db.session.scalars(select(ScaleGrade.id).where(ScaleGrade.scale_id == audit.tool_version.scale_id))
        judgement.grade_id = next(grade for grade in grades if grade != judgement.grade_id)
        db.session.flush()

    def submit(audit: Audit) -> None:
        audit.status, submitted, audit.submitted_at = AuditStatus.IN_PROGRESS.value, audit.submitted_at, None
        db.session.flush()
        started = time.perf_counter()
        audit.status, audit.submitted_at = AuditStatus.SUBMITTED.value, submitted
        db.session.flush()
        raise _Timed(time.perf_counter() - started)

    def moderate(audit: Audit) -> None:
        sections = {
            judgement.section_id: (judgement.grade_id, judgement.not_applicable, None) for judgement in audit.judgements
        }
        overall = (audit.overall_grade_id, None) if audit.tool_version.asks_overall_grade else None
        moderation.record_moderation(audit, moderator, sections, overall)

    for name, work in (("re-grade", regrade), ("submit", submit), ("moderate", moderate)):
        for listening in (True, False):
            if not listening:
                event.remove(sa.orm.Session, "after_flush", summaries._refresh_flushed)
            times = []
            for audit_id in ids:
                db.session.begin_nested()
                audit = db.session.get(Audit, audit_id)
                db.session.flush()
                started = time.perf_counter()
                try:
                    work(audit)
                    times.append(time.perf_counter() - started)
                except _Timed as timed:
                    times.append(timed.seconds)
                db.session.rollback()
                db.session.expire_all()
            if not listening:
                event.listen(sa.orm.Session, "after_flush", summaries._refresh_flushed)
            costs[f"{name} {'kept' if listening else 'without'}"] = statistics.median(times) * 1000
    return costs


class _Timed(Exception):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


def median_seconds(work: Callable[[], object], repeats: int = REPEATS) -> float:
    work()  # warm-up: caches, compiled statements, the database's pages in memory
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_megabytes(work: Callable[[], object]) -> float:
    """tracemalloc's peak of Python allocations while ``work`` runs (C allocations not included)."""
    tracemalloc.start()
    try:
        work()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


# The dashboard ----------------------------------------------------------------------------------


def sign_in(client: Any, user: User) -> None:
    from flask_login.utils import _create_identifier

    from audit.clock import utcnow

    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session.update(_user_id=user.get_id(), _fresh=True, _id=identifier, last_active=utcnow().timestamp())


def page_queries(app: Any, client: Any, path: str) -> tuple[int, float]:
    """The statements one GET of ``path`` sends, and its median time in milliseconds."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(NOT_QUERIES):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    client.get(path).close()  # warm-up
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    def get() -> None:
        client.get(path).close()

    return len(statements), median_seconds(get) * 1000


# The PDF ----------------------------------------------------------------------------------------


def file_url_html(html: str) -> str:
    """The same HTML with its site-relative ``/static/`` URLs pointing at the files on disk, so
    WeasyPrint's own fetcher loads the very same fonts and images without ours."""
    static = (PROJECT_ROOT / "static").as_uri() + "/"
    return html.replace('url("/static/', f'url("{static}').replace('src="/static/', f'src="{static}')


def weasyprint_alone(html: str) -> bytes:
    """What WeasyPrint does on its own: its default URL fetcher, a new font configuration per
    render, and the same output options as ours (a tagged PDF)."""
    from weasyprint import HTML

    return HTML(string=file_url_html(html), base_url=PROJECT_ROOT.as_uri() + "/").write_pdf(pdf_tags=True)


def report_html(app: Any, scope: ReportScope) -> str:
    """The themed report's HTML, as its PDF download renders it."""
    with app.test_request_context():
        return themed.report_html(themed.build_report(scope))


def _poppler(tool: str, pdf: bytes) -> str:
    """The output of a poppler-utils tool (``pdfinfo``, ``pdffonts``) for a PDF."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return subprocess.run([tool, file.name], check=True, capture_output=True, text=True).stdout


def pdf_pages(pdf: bytes) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", _poppler("pdfinfo", pdf), re.MULTILINE).group(1))


def pdf_fonts(pdf: bytes) -> set[str]:
    """The fonts a PDF embeds, without their subset prefixes ("ABCDEF+")."""
    lines = _poppler("pdffonts", pdf).splitlines()[2:]
    return {re.sub(r"^[A-Z]{6}\+", "", line.split()[0]).rstrip(",") for line in lines if line.strip()}


# One size ---------------------------------------------------------------------------------------


def prepare_database(url: str, size: int, keep: bool) -> None:
    """Empty a PostgreSQL database for a fresh seed (unless it is kept and already seeded)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    if parsed.database in {"test", "postgres", None}:
        sys.exit(f"refusing to empty the database {parsed.database!r}: create one for the benchmark")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        if keep:
            seeded = connection.execute(
                sa.text("SELECT count(*) FROM information_schema.tables WHERE table_name = 'audits'")
            ).scalar()
            if seeded and connection.execute(sa.text("SELECT count(*) FROM audits")).scalar() == size:
                engine.dispose()
                return
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def measure(
    size: int, url: str, keep: bool, pdf: bool = True, bulk: bool = False, figures_only: bool = False
) -> dict[str, Any]:
    prepare_database(url, size, keep)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SESSION_COOKIE_SECURE": False})
    result: dict[str, Any] = {"size": size}
    with app.app_context():
        flask_migrate.upgrade()
        dialect = db.engine.dialect
        result["database"] = f"{dialect.name} {'.'.join(map(str, dialect.server_version_info or ()))}"
        have = db.session.scalar(select(func.count()).select_from(Audit))
        started = time.perf_counter()
        if have != size:
            # As `flask seed-demo --cases size/5 --audits size` does.
            council.seed(cases=max(200, size // 5))
            load_definitions()
            audits_started = time.perf_counter()
            if bulk:  # bench/bulk_seed.py: the same council and audits, written in bulk
                sys.path.insert(0, str(Path(__file__).resolve().parent))
                from bulk_seed import bulk_seed

                bulk_seed(size)
            else:
                seed_audits(size)
            result["seed audits seconds"] = time.perf_counter() - audits_started
        # Supervision and the improvement plan feed the themed report too; both add only what
        # is missing, so a reused database gets them once.
        seed_supervision()
        seed_plan()
        db.session.commit()
        result["seed_seconds"] = None if have == size else time.perf_counter() - started
        if dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: planner statistics, and the visibility
            # map that lets PostgreSQL answer from an index alone.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE"))
        result["audits"] = db.session.scalar(select(func.count()).select_from(Audit))
        started = time.perf_counter()
        result["summary rows"] = summaries.rebuild()
        db.session.commit()
        result["rebuild seconds"] = time.perf_counter() - started
        result["check differences"], result["check seconds"] = None, None
        if not figures_only:  # the check holds a rebuild in memory: too much at a million audits
            started = time.perf_counter()
            result["check differences"] = len(summaries.differences(limit=0))
            result["check seconds"] = time.perf_counter() - started
        db.session.rollback()
        result["write ms"] = write_costs()
        leader = db.session.scalar(select(User).where(User.email == "leader@demo.example"))
        db.session.expunge(leader)

        day = today()
        periods = {"12 months": last_twelve_months(day), "quarter": last_quarter(day)}
        result["periods"] = {name: [str(scope.start), str(scope.end)] for name, scope in periods.items()}
        for name, scope in periods.items():
            result[f"figures {name}"] = median_seconds(lambda scope=scope: figure_set(scope))
            result[f"figures {name} by call"] = {
                call_name: median_seconds(lambda call=call, scope=scope: (call(scope), call(scope.previous())))
                for call_name, call in REPORT_CALLS
            }
            if not figures_only:
                with app.test_request_context():
                    result[f"build_report {name}"] = median_seconds(lambda scope=scope: themed.build_report(scope))
        result["figures memory MB"] = peak_megabytes(lambda: figure_set(periods["12 months"]))
        if figures_only:
            db.session.remove()
            db.engine.dispose()
            result["max rss MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            return result
        with app.test_request_context():
            result["build_report memory MB"] = peak_megabytes(lambda: themed.build_report(periods["12 months"]))
        db.session.remove()

    for label, path in (
        ("dashboard", "/reports/"),
        ("dashboard, quarter", f"/reports/?from={periods['quarter'].start}&to={periods['quarter'].end}"),
    ):
        client = app.test_client()
        sign_in(client, leader)
        result[f"{label} queries"], result[f"{label} ms"] = page_queries(app, client, path)

    if not pdf:
        with app.app_context():
            db.engine.dispose()
        result["max rss MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return result

    from audit.pdf import render_pdf

    with app.app_context():
        html = report_html(app, periods["12 months"])
        db.session.remove()
    ours, alone = render_pdf(html), weasyprint_alone(html)  # warm-up, and the documents compared
    result["pdf"] = "the themed report for the last 12 months"
    result["pdf pages"] = pdf_pages(ours)
    # Both must lay out the same document: the same pages, the same fonts embedded.
    assert pdf_pages(alone) == result["pdf pages"], "WeasyPrint alone laid out a different document"
    assert pdf_fonts(ours) == pdf_fonts(alone), (pdf_fonts(ours), pdf_fonts(alone))
    result["pdf fonts"] = sorted(pdf_fonts(ours))
    result["pdf kB"] = len(ours) / 1000
    result["pdf html kB"] = len(html) / 1000
    ours_times, alone_times = [], []
    for _ in range(PDF_REPEATS):  # alternate, so that anything else on the machine hits both alike
        for work, times in ((render_pdf, ours_times), (weasyprint_alone, alone_times)):
            started = time.perf_counter()
            work(html)
            times.append(time.perf_counter() - started)
    result["pdf seconds"] = statistics.median(ours_times)
    result["weasyprint seconds"] = statistics.median(alone_times)
    result["pdf memory MB"] = peak_megabytes(lambda: render_pdf(html))
    result["weasyprint memory MB"] = peak_megabytes(lambda: weasyprint_alone(html))
    with app.app_context():
        db.engine.dispose()
    result["max rss MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


# The table --------------------------------------------------------------------------------------


def _seconds(seconds: float | None) -> str:
    return "reused" if seconds is None else f"{seconds:,.1f}"


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.0f}"


def _cell(cell: Callable[[dict[str, Any]], str], result: dict[str, Any]) -> str:
    """A cell of the table, or a dash for what this run did not measure (--figures-only)."""
    try:
        return cell(result)
    except (KeyError, TypeError):
        return "–"


def print_table(results: list[dict[str, Any]]) -> None:
    first = results[0]
    print(f"Database: {first['database']}")
    for name, (start, end) in first["periods"].items():
        print(f"Period '{name}': {start} to {end}, with the period before it")
    print(f"PDF: {first.get('pdf', 'not measured (--no-pdf)')}; fonts: {', '.join(first.get('pdf fonts', []))}")
    print()
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("audits seeded", lambda r: f"{r['audits']:,}"),
        ("seeding, all (s)", lambda r: _seconds(r["seed_seconds"])),
        ("seeding, of which audits (s)", lambda r: _seconds(r.get("seed audits seconds"))),
        ("flask rebuild-summaries (s)", lambda r: _seconds(r["rebuild seconds"])),
        ("flask check-summaries (s) / differences", lambda r: f"{r['check seconds']:.1f} / {r['check differences']}"),
        ("grade_summary rows", lambda r: f"{r['summary rows']['grade_summary']:,}"),
        ("pair_summary rows", lambda r: f"{r['summary rows']['pair_summary']:,}"),
        ("figures, 12 months + previous (ms)", lambda r: _ms(r["figures 12 months"])),
        ("figures, quarter + previous (ms)", lambda r: _ms(r["figures quarter"])),
        ("build_report, 12 months (ms)", lambda r: _ms(r["build_report 12 months"])),
        ("build_report, quarter (ms)", lambda r: _ms(r["build_report quarter"])),
        ("figures peak Python memory (MB)", lambda r: f"{r['figures memory MB']:.1f}"),
        ("build_report peak Python memory (MB)", lambda r: f"{r['build_report memory MB']:.1f}"),
        ("GET /reports/ queries", lambda r: str(r["dashboard queries"])),
        ("GET /reports/ (ms)", lambda r: f"{r['dashboard ms']:,.0f}"),
        ("GET /reports/ last quarter queries", lambda r: str(r["dashboard, quarter queries"])),
        ("GET /reports/ last quarter (ms)", lambda r: f"{r['dashboard, quarter ms']:,.0f}"),
    ]
    if "pdf" in first:
        rows += [
            ("PDF pages / kB", lambda r: f"{r['pdf pages']} / {r['pdf kB']:,.0f}"),
            ("PDF, render_pdf (ms)", lambda r: _ms(r["pdf seconds"])),
            ("PDF, WeasyPrint alone (ms)", lambda r: _ms(r["weasyprint seconds"])),
            ("render_pdf / WeasyPrint alone", lambda r: f"{r['pdf seconds'] / r['weasyprint seconds']:.2f}"),
            ("PDF peak Python memory, ours (MB)", lambda r: f"{r['pdf memory MB']:.1f}"),
            ("PDF peak Python memory, alone (MB)", lambda r: f"{r['weasyprint memory MB']:.1f}"),
        ]
    rows += [
        ("process peak RSS (MB)", lambda r: f"{r['max rss MB']:,.0f}"),
    ]
    width = max(len(label) for label, _ in rows) + 2
    print(f"{'':<{width}}" + "".join(f"{format(r['size'], ',') + ' audits':>16}" for r in results))
    for label, cell in rows:
        print(f"{label:<{width}}" + "".join(f"{_cell(cell, r):>16}" for r in results))
    print()
    print("Figures by call, period + previous, 12 months (ms):")
    for call_name in first["figures 12 months by call"]:
        print(
            f"  {call_name:<{width - 2}}"
            + "".join(f"{_ms(r['figures 12 months by call'].get(call_name)):>16}" for r in results)
        )
    print()
    print("Writes, median ms with the summary kept / without (each rolled back):")
    for name in ("re-grade", "submit", "moderate"):
        print(
            f"  {name:<{width - 2}}"
            + "".join(
                f"{r['write ms'][name + ' kept']:>9.1f} / {r['write ms'][name + ' without']:<4.1f}" for r in results
            )
        )
    print()
    if "dashboard queries" not in first:
        return
    print("Targets:")
    counts = {r["dashboard queries"] for r in results} | {r["dashboard, quarter queries"] for r in results}
    print(f"  the dashboard's queries the same at every size: {'yes' if len(counts) == 1 else 'NO'} ({counts})")
    largest = results[-1]
    targets = {
        "figures 12 months": 0.15,
        "figures quarter": 0.15,
        "build_report 12 months": 1,
        "build_report quarter": 1,
    }
    for name, target in targets.items():
        seconds = largest[name]
        met = "yes" if seconds < target else "NO"
        print(f"  {name} at {largest['size']:,} audits under {target * 1000:,.0f} ms: {met} ({seconds * 1000:,.0f} ms)")
    dashboard = largest["dashboard ms"]
    met = "yes" if dashboard < 300 else "NO"
    print(f"  GET /reports/ at {largest['size']:,} under 300 ms: {met} ({dashboard:,.0f} ms)")
    extra = max(
        largest["write ms"][f"{name} kept"] - largest["write ms"][f"{name} without"]
        for name in ("re-grade", "submit", "moderate")
    )
    print(f"  a write costs at most 10 ms more: {'yes' if extra <= 10 else 'NO'} ({extra:.1f} ms more at most)")
    if "pdf" in first:
        ratios = [r["pdf seconds"] / r["weasyprint seconds"] for r in results]
        within = all(ratio <= 1.1 for ratio in ratios)
        print(f"  render_pdf within 10% of WeasyPrint alone: {'yes' if within else 'NO'} ({max(ratios):.2f} at most)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES, help="audits to seed (default: %(default)s)")
    parser.add_argument("--database-url", help="a database made for the benchmark (default: SQLite in a temp dir)")
    parser.add_argument("--keep", type=Path, help="keep the SQLite files here, and reuse one already seeded")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--no-pdf", action="store_true", help="measure the figures and the dashboard only")
    parser.add_argument("--bulk", action="store_true", help="seed with bench/bulk_seed.py (for a million audits)")
    parser.add_argument(
        "--figures-only", action="store_true", help="the figures, rebuild and writes only: no report, page or check"
    )
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--directory", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one_size is not None:  # the child process for one size
        url = args.database_url or f"sqlite:///{args.directory / f'reports-{args.one_size}.db'}"
        found = measure(
            args.one_size,
            url,
            keep=args.keep is not None,
            pdf=not args.no_pdf,
            bulk=args.bulk,
            figures_only=args.figures_only,
        )
        print(json.dumps(found))
        return

    with tempfile.TemporaryDirectory() as temporary:
        directory = args.keep or Path(temporary)
        directory.mkdir(parents=True, exist_ok=True)
        results = []
        for size in args.sizes:
            # Each size in its own process, so its peak RSS is its own.
            command = [sys.executable, __file__, "--one-size", str(size), "--directory", str(directory)]
            if args.database_url:
                command += ["--database-url", args.database_url]
            if args.keep:
                command += ["--keep", str(args.keep)]
            if args.no_pdf:
                command.append("--no-pdf")
            command += ["--bulk"] if args.bulk else []
            command += ["--figures-only"] if args.figures_only else []
            output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
            results.append(json.loads(output.strip().splitlines()[-1]))
            print(f"measured {size:,} audits", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print_table(results)


if __name__ == "__main__":
    main()
