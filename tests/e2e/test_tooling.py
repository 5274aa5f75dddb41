"""The house rules that tools check: the layering contracts and the real-server tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
ROOMS = ("core", "storage", "mail", "bot", "web", "app")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(cwd)},
    )


@pytest.fixture
def copy_of_the_code(tmp_path: Path) -> Path:
    for room in ROOMS:
        shutil.copytree(ROOT / room, tmp_path / room, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layering_holds_and_fails_on_a_deliberate_violation(copy_of_the_code: Path) -> None:
    kept = lint_imports(copy_of_the_code)
    assert kept.returncode == 0, kept.stdout
    assert "2 kept, 0 broken" in kept.stdout
    (copy_of_the_code / "core" / "shortcut.py").write_text(
        "import sqlalchemy\n\nfrom storage import db\n"
    )
    for module, line in (("i18n", "from babel import Locale"), ("outbox_policy", "import asyncio")):
        with (copy_of_the_code / "core" / f"{module}.py").open("a") as source:
            source.write(f"\n{line}\n")  # the loader and the runner moved out: no exceptions
    (copy_of_the_code / "mail" / "sideways.py").write_text("from bot import service\n")
    broken = lint_imports(copy_of_the_code)
    assert broken.returncode == 1
    assert "0 kept, 2 broken" in broken.stdout
    assert "core.shortcut -> storage.db" in broken.stdout
    assert "mail.sideways -> bot.service" in broken.stdout
    assert "core.shortcut -> sqlalchemy" in broken.stdout
    assert "core.i18n -> babel" in broken.stdout
    assert "core.outbox_policy -> asyncio" in broken.stdout


SKIPPING_TESTS = """
import pytest

@pytest.mark.postgres
def test_needs_postgres():
    pytest.skip("PostgreSQL is not reachable")

def test_without_servers_may_skip():
    pytest.skip("nothing to do here")
"""


@pytest.mark.parametrize(("allow", "code"), [("", 1), ("1", 0)])
def test_a_skipped_real_server_test_fails_the_run_unless_allowed(
    tmp_path: Path, allow: str, code: int
) -> None:
    (tmp_path / "test_skipping.py").write_text(SKIPPING_TESTS)
    environment = {k: v for k, v in os.environ.items() if k != "CI"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "server_skips"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **environment,
            "PYTHONPATH": str(ROOT / "tests"),
            "LEERTRAJECT_ALLOW_SERVER_SKIPS": allow,
        },
    )
    assert done.returncode == code, done.stdout
    if code:
        assert "1 failed, 1 skipped" in done.stdout
        assert "needs a real server: Skipped: PostgreSQL is not reachable" in done.stdout
    else:
        assert "2 skipped" in done.stdout
