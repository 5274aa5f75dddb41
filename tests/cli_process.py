"""The `leertraject` command as staff run it: a separate process, its own database and folders.

The one way the tests run the command: `run_cli` for a single call (the operations tests:
backup, restore, upgrade, doctor, with the repository's config.toml through `cwd=ROOT`),
`make_cli` for a test that calls it many times, and the `cli`, `cli_sqlite` and `app_sqlite`
fixtures for tests/e2e (made available to every module by tests/conftest.py). Nothing of the
developer's own `LEERTRAJECT_*` or `TELEGRAM_*` settings reaches the command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.bootstrap import App, bootstrap
from app.config import Settings

ROOT = Path(__file__).resolve().parents[1]
LEERTRAJECT = [sys.executable, "-m", "app"]
Cli = Callable[..., subprocess.CompletedProcess[str]]


def environment(url: str, home: Path, **extra: str) -> dict[str, str]:
    """The command's environment: the test's database, and folders under `home`."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LEERTRAJECT_", "TELEGRAM_"))},
        "LEERTRAJECT_DATABASE__URL": url,
        "LEERTRAJECT_MAIL__MAILDIR": str(home / "inbox"),
        "LEERTRAJECT_MAIL__OUTBOX_DIR": str(home / "outbox"),
        "LEERTRAJECT_ASSIGNMENT__REPORT_DIR": str(home / "reports"),
        **extra,
    }


def run_cli(
    url: str,
    home: Path,
    *args: str,
    expect: int = 0,
    cwd: Path | None = None,
    stdin: str = "",
    **extra: str,
) -> subprocess.CompletedProcess[str]:
    """`leertraject ARGS` once, in `cwd` (default `home`); fails the test on another exit."""
    done = subprocess.run(
        [*LEERTRAJECT, *args],
        capture_output=True,
        text=True,
        env=environment(url, home, **extra),
        timeout=300,
        cwd=cwd or home,
        input=stdin,
    )
    assert done.returncode == expect, (args, done.returncode, done.stdout, done.stderr)
    return done


def ops_cli(
    url: str, data: Path, *args: str, expect: int = 0, **extra: str
) -> subprocess.CompletedProcess[str]:
    """`run_cli` with the repository's config.toml, for backup, restore, upgrade and doctor."""
    return run_cli(url, data, *args, expect=expect, cwd=ROOT, **extra)


def make_cli(db_url: str, home: Path, cwd: Path | None = None, **extra: str) -> Cli:
    """The command on a migrated database; `invoke(*args, expect=0, env={...}, stdin="")`.
    `cwd=ROOT` shares the repository's config.toml (and code secret) with the test's own
    `app`/`db_settings`."""

    def invoke(
        *args: str, expect: int = 0, env: dict[str, str] | None = None, stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        settings = {**extra, **(env or {})}
        return run_cli(db_url, home, *args, expect=expect, cwd=cwd, stdin=stdin, **settings)

    invoke("db", "upgrade")
    return invoke


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    """On SQLite and on PostgreSQL (db_url runs each test twice)."""
    return make_cli(db_url, tmp_path)


@pytest.fixture
def cli_sqlite(tmp_path: Path) -> Cli:
    """On SQLite only: for what does not depend on the database."""
    return make_cli(f"sqlite:///{tmp_path / 'leertraject.db'}", tmp_path)


@pytest.fixture
def app_sqlite(cli_sqlite: Cli, base_settings: Settings, tmp_path: Path) -> Iterator[App]:
    """The same SQLite database as cli_sqlite, opened in the test: to set up what only a
    failure leaves behind (a quarantined message, a failed delivery)."""
    url = f"sqlite:///{tmp_path / 'leertraject.db'}"
    database = base_settings.database.model_copy(update={"url": url})
    application = bootstrap(base_settings.model_copy(update={"database": database}))
    yield application
    application.close()
