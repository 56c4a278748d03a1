"""A themed report built in the background at scale, watched as a person would watch it.

Seeds a synthetic council (or reuses one kept with ``--keep``), starts a gunicorn web server and
the Huey worker (its own consumer, SQLite queue) on it, signs in as the demo leader, asks for the
12-month themed report, and polls the progress page's status address every 250 ms until the PDF is
ready, then downloads it. Prints when each stage was first seen, and the totals.

Run:

    .venv/bin/python bench/background_report.py --size 100000 --keep /tmp/bench-bg
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_ENV", "testing")

from audit.clock import today  # noqa: E402
from bench.reports import last_twelve_months  # noqa: E402

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def seed(url: str, size: int) -> float:
    """Seed with the same code as bench/reports.py (in a child process, so this one stays small)."""
    started = time.perf_counter()
    code = (
        "import sys; sys.path.insert(0, '.');"
        "from bench.reports import prepare_database;"
        "import flask_migrate; from sqlalchemy import func, select;"
        "from audit import create_app; from audit.extensions import db; from audit.models import Audit;"
        "from audit.demo import council; from audit.demo.audits import seed_audits;"
        "from audit.demo.plan import seed_plan; from audit.demo.supervision import seed_supervision;"
        "from audit.domain.tools import load_definitions; from audit.domain import notifications;"
        f"prepare_database({url!r}, {size}, True);"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': {url!r}}});"
        "ctx = app.app_context(); ctx.push(); flask_migrate.upgrade();"
        f"have = db.session.scalar(select(func.count()).select_from(Audit));"
        f"(have == {size}) or (council.seed(cases=max(200, {size} // 5)), load_definitions(), seed_audits({size}));"
        "seed_supervision(); seed_plan(); notifications.discard_all(); db.session.commit()"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={**os.environ, "APP_ENV": "testing"})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the seeded SQLite file here")
    parser.add_argument("--database-url", help="a database made for the benchmark (default: SQLite)")
    parser.add_argument(
        "--threshold", type=int, help="REPORT_BACKGROUND_AUDITS for the run (default: the service's, 20,000)"
    )
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-bg-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{folder / f'audits-{args.size}.db'}"
    seeded = seed(url, args.size)
    print(f"Seeded (or reused) {args.size:,} audits in {seeded:.1f} s", flush=True)

    server = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "APP_ENV": "development",
        "SECRET_KEY": "benchmark-secret-key-0123456789abcdef0123",
        "DATABASE_URL": url,
        "QUEUE_URL": f"sqlite:///{folder / 'queue.db'}",
        "QUEUE_NAME": f"bench-{os.getpid()}",
        "EMAIL_BACKEND": "none",
        "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_BIND": server.removeprefix("http://"),
        "DATABASE_STATEMENT_TIMEOUT": "0",
    }
    if args.threshold:
        env["REPORT_BACKGROUND_AUDITS"] = str(args.threshold)
    processes = [
        subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env),
        subprocess.Popen(
            [str(BIN / "huey_consumer"), "audit.jobs.tasks.huey", "--workers", "1", "--quiet"], cwd=ROOT, env=env
        ),
    ]
    try:
        for _ in range(100):
            try:
                if requests.get(f"{server}/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        browser = requests.Session()
        page = BeautifulSoup(browser.get(f"{server}/sign-in").text, "html.parser")
        token = page.find("input", {"name": "csrf_token"})["value"]
        browser.post(
            f"{server}/sign-in",
            data={"csrf_token": token, "email": "leader@demo.example", "password": "demo-password-2026"},
        )
        scope = last_twelve_months(today())
        asked = time.perf_counter()
        response = browser.get(
            f"{server}/reports/themed.pdf?from={scope.start.isoformat()}&to={scope.end.isoformat()}",
            allow_redirects=False,
        )
        answered = time.perf_counter() - asked
        if response.status_code != 302:
            sys.exit(f"The report was built in the request ({response.status_code}): fewer audits than the threshold?")
        job = int(re.search(r"/reports/jobs/(\d+)", response.headers["Location"]).group(1))  # type: ignore[union-attr]
        seen: list[tuple[float, str, int]] = []
        while True:
            status = browser.get(f"{server}/reports/jobs/{job}/status").json()
            moment = time.perf_counter() - asked
            if not seen or seen[-1][1] != status["stage"]:
                seen.append((moment, status["stage"], status["progress"]))
            if status["status"] in {"done", "failed"}:
                break
            time.sleep(0.25)
        download_started = time.perf_counter()
        pdf = browser.get(f"{server}/reports/jobs/{job}/download").content
        download = time.perf_counter() - download_started
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)

    print(f"\nThemed report, 12 months ({scope.start} to {scope.end}), {args.size:,} audits, {url.split(':')[0]}")
    print(f"Asking for it answered in {answered * 1000:.0f} ms (a redirect to the progress page)\n")
    print("| seconds after asking | stage shown | % |")
    print("|---:|---|---:|")
    for moment, stage, percent in seen:
        print(f"| {moment:.2f} | {stage} | {percent} |")
    print(f"\nDownload of the finished PDF: {len(pdf) / 1e6:.1f} MB in {download * 1000:.0f} ms")
    assert pdf.startswith(b"%PDF"), "not a PDF"


if __name__ == "__main__":
    main()
