"""A PostgreSQL database of its own for a fault test, which the test can turn away and let back.

`refuse()` sets ALLOW_CONNECTIONS false and ends every session on it: from then on each
connection attempt of the service fails, as when the server is down. `admit()` undoes it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from app.bootstrap import App, bootstrap
from app.config import Settings
from core.clock import FixedClock
from storage.migrate import upgrade

PG_ADMIN = os.environ.get("LEERTRAJECT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


class FaultyDatabase:
    def __init__(self, name: str) -> None:
        self.name = name
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        self.url = f"{base}/{name}"
        self.refusing = False

    def _admin(self, *statements: str) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def refuse(self) -> None:
        self._admin(
            f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false',
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()",
        )
        self.refusing = True

    def admit(self) -> None:
        self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')
        self.refusing = False


@contextmanager
def faulty_database() -> Iterator[FaultyDatabase]:
    db = FaultyDatabase(f"leertraject_fault_{uuid.uuid4().hex[:8]}")
    db._admin(f'CREATE DATABASE "{db.name}"')
    try:
        upgrade(db.url)
        yield db
    finally:
        db._admin(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


@pytest.fixture
def faulty(pg_database: str) -> Iterator[FaultyDatabase]:
    """A database of the test's own (pg_database: skipped without PostgreSQL)."""
    with faulty_database() as db:
        yield db


@pytest.fixture
def faulty_app(base_settings: Settings, faulty: FaultyDatabase, clock: FixedClock) -> Iterator[App]:
    database = base_settings.database.model_copy(update={"url": faulty.url})
    app = bootstrap(base_settings.model_copy(update={"database": database}), clock=clock)
    yield app
    app.close()
