"""The structure the code promises (docs/decisions.md, "Layers"): every module imports on its own,
the import contracts hold, and views never touch the session or commit."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AREAS = ("admin", "audits", "auth", "cases", "home", "moderation", "plan", "programme", "reports", "supervision")


def _modules(*packages: str) -> list[str]:
    found = []
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def _view_files() -> list[Path]:
    files = []
    for area in AREAS:
        package = ROOT / "audit" / area
        files += [package / "views.py"] if (package / "views.py").exists() else sorted((package / "views").glob("*.py"))
    return files


CHUNKS = 4  # the modules are split so that parallel test workers share the work


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_module_imports_on_its_own(chunk: int) -> None:
    """A cycle shows only when a module is the first of its package to be imported, so each module
    is imported into an interpreter that has none of the project's modules loaded yet."""
    script = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m.split(".")[0] in ("audit", "forms")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:
        failed.append(f"{name}: {type(error).__name__}: {error}")
print("\\n".join(failed))
"""
    every = _modules("audit", "forms")
    assert "forms.reports" in every and "audit.reporting.figures" in every
    modules = every[chunk::CHUNKS]
    result = subprocess.run(
        [sys.executable, "-c", script, *modules], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300
    )
    assert result.stdout.strip() == ""


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    if not lint_imports.exists():
        pytest.skip("import-linter is not installed in this environment")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_every_area_keeps_its_views_in_views() -> None:
    for area in AREAS:
        package = ROOT / "audit" / area
        assert (package / "views.py").exists() or (package / "views" / "__init__.py").exists(), area
        # The package itself only makes the blueprint (and commands); its routes are in views.
        init = (package / "__init__.py").read_text()
        assert ".route(" not in init, area


@pytest.mark.parametrize("path", _view_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_views_neither_commit_nor_use_the_session(path: Path) -> None:
    """One commit per request (audit.database) and no SQL in views: the domain does the work."""
    tree = ast.parse(path.read_text())
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "audit.extensions"
        for alias in node.names
    }
    assert "db" not in imported
    calls = {
        node.func.attr for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & {"commit", "rollback", "execute", "scalar", "scalars", "get_or_404"}


def test_the_commit_is_the_last_thing_a_request_does(app) -> None:
    """Flask runs after_request hooks in reverse order of registration. Were any hook to run after
    the commit, reading the signed-in user (as the request log does) would load it again: two more
    queries on every page (found by bench/reports.py: the dashboard went from 23 to 25)."""
    from audit.database import commit_after_request

    hooks = app.after_request_funcs[None]
    assert hooks[0] is commit_after_request
    assert commit_after_request not in hooks[1:]
