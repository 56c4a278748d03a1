"""The packaging promises: locks that agree with pyproject.toml and name no host, data files that
reach the wheel, and an app root found outside the source tree."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

from audit.config import find_project_root

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=~!; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pins(lock: str) -> dict[str, str]:
    return {name.lower(): version for name, version in PIN.findall((ROOT / "requirements" / lock).read_text())}


def test_every_declared_dependency_is_pinned_and_both_locks_agree():
    main, dev = _pins("main.txt"), _pins("dev.txt")
    runtime = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    tools = {_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]}
    assert runtime <= main.keys()
    assert runtime | tools <= dev.keys()
    assert {name: dev[name] for name in main} == main


def test_locks_carry_hashes_and_name_no_index_or_local_path():
    for lock in ("main.txt", "dev.txt"):
        text = (ROOT / "requirements" / lock).read_text()
        assert "--hash=sha256:" in text
        assert not re.search(r"://|--index-url|--extra-index-url|--find-links|--trusted-host|/opt/", text), lock


def test_every_data_file_in_the_packages_is_declared_as_package_data():
    declared = PYPROJECT["tool"]["setuptools"]["package-data"]
    for package in ("audit", "forms"):
        for path in (ROOT / package).rglob("*"):
            if not path.is_file() or path.suffix in {".py", ".pyc"}:
                continue
            relative = path.relative_to(ROOT / package).as_posix()
            assert any(fnmatch.fnmatch(relative, glob) for glob in declared.get(package, [])), path


def test_the_app_root_is_the_checkout_unless_app_root_names_another(tmp_path):
    assert find_project_root({}) == ROOT
    assert find_project_root({"APP_ROOT": str(tmp_path)}) == tmp_path.resolve()
