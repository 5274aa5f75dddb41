"""Upgrades from every earlier schema with data in it, on SQLite and PostgreSQL.

The revisions come from Alembic's script directory, so a new migration is tested without
touching this file. The data is made by the application itself (registrations by staff and by
e-mail, reminders, the deadline's assignment run) in a database at head; for each earlier
revision a database is created at that revision and given those rows, as far as its tables and
columns go; it is upgraded to head; then every row is still there and the service runs on.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Boolean, Column, Engine, Integer, MetaData, String, insert, select, text

from app.bootstrap import App, bootstrap
from app.config import Settings
from app.jobs import deadline_job, reminders_job
from app.mailing import intake
from core.clock import FixedClock
from core.model import Channel
from core.usecases.submit import Identity
from storage.db import make_engine
from storage.migrate import UPGRADE_LOCK, alembic_config, current_revision, upgrade
from tests.cli_process import LEERTRAJECT, ROOT, environment, ops_cli
from tests.conftest import PG_ADMIN
from tests.submitting import staff_submit

STAFF = Identity(Channel.CLI, staff="els")
CITIES = ["Gent", "Brugge", "Antwerpen", "Leuven", "Mechelen", "Aalst", "Kortrijk", "Hasselt"]


# Rows a migration drops on purpose: 0004_trust deletes the codes kept in plain text (valid for
# minutes, asked again at once) rather than keep them.
EMPTIED = {"verifications": "0004_trust"}


def revisions() -> list[str]:
    """Every revision from the first to the newest."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


EARLIER = revisions()[:-1]


def mail(n: int, city: str) -> bytes:
    return (
        f"From: Official {n} <official{n}@{city.lower()}.example.test>\r\n"
        f"To: leertrajecten@vlaio.example\r\nSubject: Inschrijving {n}\r\n"
        f"Message-ID: <migrate-{n}@example.test>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Gemeente: {city}\r\nContactpersoon: Official {n}\r\nFunctie: Schepen\r\n"
        f"Voorkeur 1: {n % 12 + 1}\r\nVoorkeur 2: {(n + 5) % 12 + 1}\r\nVoorkeur 3: 12\r\n"
    ).encode()


def campaign(app: App, clock: FixedClock) -> None:
    """A campaign's worth of rows, made by the application."""
    for index, city in enumerate(CITIES):
        raw = {
            "municipality": city,
            "contact_name": f"Contact {index}",
            "contact_function": "Schepen",
            "contact_email": f"info@{city.lower()}.be",
            "preferences": f"{index + 1}, {index + 2}, 12",
        }
        staff_submit(app, raw, STAFF)
    pipeline = intake(app)
    for n, city in enumerate(["Lier", "Geel", "Tielt", "Ieper"]):
        pipeline.process(mail(n, city))
    pipeline.process(b"not a message at all")
    reminders_job(app)
    clock.set(app.env.campaign.deadline + timedelta(seconds=30))
    assert deadline_job(app, "w1") is not None


@pytest.fixture
def old_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"leertraject_old_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield db_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_rows(source: Engine, target: Engine) -> dict[str, list[str]]:
    """The source's rows into the target's tables, only the columns the target has."""
    have, want = MetaData(), MetaData()
    have.reflect(source)
    want.reflect(target)
    copied: dict[str, list[str]] = {}
    with source.connect() as reading, target.begin() as writing:
        for table in want.sorted_tables:
            if table.name == "alembic_version" or table.name not in have.tables:
                continue
            columns = [c.name for c in table.columns if c.name in have.tables[table.name].c]
            found = reading.execute(select(*(have.tables[table.name].c[c] for c in columns)))
            # A column the old schema requires and the new one dropped gets a stand-in value.
            dropped = {c.name: _stand_in(c) for c in table.columns if _required_and_gone(c, have)}
            values = [dict(zip(columns, row, strict=True)) | dropped for row in found]
            if values:
                writing.execute(insert(table), values)
            copied[table.name] = columns
            if target.dialect.name == "postgresql" and "id" in columns:
                writing.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
    return copied


def _required_and_gone(column: Column[Any], have: MetaData) -> bool:
    required = not column.nullable and column.server_default is None and not column.primary_key
    return required and column.name not in have.tables[column.table.name].c


def _stand_in(column: Column[Any]) -> object:
    if isinstance(column.type, String):
        return "0" * min(column.type.length or 6, 6)
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, Integer):
        return 0
    raise AssertionError(f"no stand-in for {column.table.name}.{column.name}")


def projected(engine: Engine, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    metadata = MetaData()
    metadata.reflect(engine, only=[table])
    reflected = metadata.tables[table]
    query = select(*(reflected.c[c] for c in columns)).order_by(reflected.c[columns[0]])
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


@pytest.mark.parametrize("start", EARLIER)
def test_upgrade_from_an_earlier_schema_keeps_every_row(
    start: str,
    db_settings: Settings,
    old_url: str,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    assignment = db_settings.assignment.model_copy(update={"report_dir": tmp_path / "reports"})
    settings = db_settings.model_copy(update={"assignment": assignment})
    source = bootstrap(settings, clock=clock)
    try:
        campaign(source, clock)
        upgrade(old_url, start)
        old = make_engine(old_url)
        try:
            assert current_revision(old) == start
            copied = copy_rows(source.engine, old)
            assert sum(len(projected(old, t, c)) for t, c in copied.items()) > 20
            upgrade(old_url)
            assert current_revision(old) == revisions()[-1]
            for table, columns in copied.items():
                if table in EMPTIED and revisions().index(start) < revisions().index(
                    EMPTIED[table]
                ):
                    assert projected(old, table, columns) == [], table
                    continue
                assert projected(old, table, columns) == projected(source.engine, table, columns), (
                    table
                )
        finally:
            old.dispose()
        upgraded = settings.model_copy(
            update={"database": settings.database.model_copy(update={"url": old_url})}
        )
        runs_on = bootstrap(upgraded, clock=clock)
        try:
            with runs_on.uow() as uow, source.uow() as original:
                names = sorted(r.municipality for r in uow.registrations.list())
                assert names == sorted(r.municipality for r in original.registrations.list())
                gent = original.registrations.get("44021")
                assert gent is not None and gent.id is not None
                assert uow.history.for_registration(gent.id) == original.history.for_registration(
                    gent.id
                )
            # New rows get new ids: the sequences came along.
            result = intake(runs_on).process(mail(99, "Zele"))
            assert result.outcome not in {"quarantined", "failed"}, result
        finally:
            runs_on.close()
    finally:
        source.close()


def test_every_revision_is_reachable_from_the_first() -> None:
    found = revisions()
    assert found[0] == "0001" and len(found) == len(set(found)) >= 3


def test_db_status_says_when_an_upgrade_is_needed(old_url: str, tmp_path: Path) -> None:
    upgrade(old_url, EARLIER[-1])
    behind = ops_cli(old_url, tmp_path, "db", "status")
    assert "een upgrade is nodig" in behind.stdout and EARLIER[-1] in behind.stdout
    assert json.loads(ops_cli(old_url, tmp_path, "db", "status", "--json").stdout)["upgrade_needed"]
    ops_cli(old_url, tmp_path, "db", "upgrade")
    current = json.loads(ops_cli(old_url, tmp_path, "db", "status", "--json").stdout)
    assert current["state"] == "current" and not current["upgrade_needed"]


def test_run_refuses_a_database_newer_than_the_program(old_url: str, tmp_path: Path) -> None:
    upgrade(old_url)
    engine = make_engine(old_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999_later'"))
        for args in (("run", "--once"), ("db", "upgrade")):
            refused = ops_cli(old_url, tmp_path, *args, expect=1)
            assert "9999_later is nieuwer dan deze versie" in refused.stderr, args
        assert current_revision(engine) == "9999_later"
        assert "nieuwer" in ops_cli(old_url, tmp_path, "db", "status").stdout
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_second_instance_waits_while_the_first_migrates(pg_database: str, tmp_path: Path) -> None:
    name = f"leertraject_wait_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_database.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url, EARLIER[0])
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as first:
            # The first instance is migrating: it holds the lock.
            first.execute("SELECT pg_advisory_lock(%s)", (UPGRADE_LOCK,))
            second = subprocess.Popen(
                [*LEERTRAJECT, "db", "upgrade"],
                cwd=ROOT,
                env=environment(url, tmp_path),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            while first.execute(waiting).fetchone() != (1,):
                assert second.poll() is None, second.communicate()
                first.execute("SELECT pg_sleep(0.1)")  # the other process's progress, not time
            engine = make_engine(url)
            try:
                assert current_revision(engine) == EARLIER[0]
            finally:
                engine.dispose()
            first.execute("SELECT pg_advisory_unlock(%s)", (UPGRADE_LOCK,))
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        assert "Databank bijgewerkt" in out
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
