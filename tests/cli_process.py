"""The `leertraject` command as staff run it: a separate process, its own database and folders.

Fixtures for tests/e2e, made available to every module by tests/conftest.py.
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

LEERTRAJECT = [sys.executable, "-m", "app"]
Cli = Callable[..., subprocess.CompletedProcess[str]]


def make_cli(db_url: str, home: Path) -> Cli:
    environment = {
        **{k: v for k, v in os.environ.items() if k != "LEERTRAJECT_LANG"},
        "LEERTRAJECT_DATABASE__URL": db_url,
        "LEERTRAJECT_MAIL__MAILDIR": str(home / "inbox"),
        "LEERTRAJECT_MAIL__OUTBOX_DIR": str(home / "outbox"),
    }

    def invoke(
        *args: str, expect: int = 0, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*LEERTRAJECT, *args],
            capture_output=True,
            text=True,
            env={**environment, **(env or {})},
            timeout=120,
            cwd=home,
        )
        assert done.returncode == expect, (args, done.returncode, done.stdout, done.stderr)
        return done

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
