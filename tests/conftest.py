"""Shared fixtures: settings, an injected clock, and real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from app.bootstrap import App, bootstrap
from app.config import Settings, load_settings
from app.reference import municipality_directory
from core.campaign import Env
from core.clock import FixedClock
from core.municipalities import MunicipalityDirectory
from storage.migrate import upgrade
from tests.cli_process import app_sqlite, cli, cli_sqlite  # noqa: F401  (fixtures for tests/e2e)
from tests.fakes import FakeUnitOfWork
from tests.mail_fixtures import mail_servers, mailboxes  # noqa: F401  (fixtures for every module)
from tests.server_skips import pytest_runtest_makereport  # noqa: F401  (real-server skips fail)
from tests.standin_echo import bot, standin, tg_clock  # noqa: F401  (fixtures for every module)

PG_ADMIN = os.environ.get("LEERTRAJECT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
# Before the default deadline of config.toml (2027-01-29 17:00 Brussels).
BEFORE_DEADLINE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AFTER_DEADLINE = datetime(2027, 1, 29, 16, 0, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def municipalities() -> MunicipalityDirectory:
    return municipality_directory()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(BEFORE_DEADLINE)


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return load_settings()


@pytest.fixture
def env(base_settings: Settings, clock: FixedClock, municipalities: MunicipalityDirectory) -> Env:
    from app.bootstrap import campaign_from, themes_from

    return Env(campaign_from(base_settings), themes_from(base_settings), municipalities, clock)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


# --- real databases -----------------------------------------------------------------------


def _pg_reachable() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    if not _pg_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN}; .ci/run must start it")
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN}")
    name = f"leertraject_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{base}/{name}"
    upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_pg(url: str) -> None:
    """Every table but the migration mark, so that a new table can never leak between tests."""
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs twice: on a fresh SQLite file and on a clean PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'leertraject.db'}"
        upgrade(url)
        return url
    url = str(request.getfixturevalue("pg_database"))
    _truncate_pg(url)
    return url


@pytest.fixture
def db_settings(base_settings: Settings, db_url: str) -> Settings:
    return base_settings.model_copy(
        update={"database": base_settings.database.model_copy(update={"url": db_url})}
    )


@pytest.fixture
def app(db_settings: Settings, clock: FixedClock) -> Iterator[App]:
    application = bootstrap(db_settings, clock=clock)
    yield application
    application.close()
