"""Create or migrate the database to the newest schema (Alembic, from the first table on)."""

from __future__ import annotations

import enum
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, text

from storage.db import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"
# PostgreSQL advisory lock held while migrating: a second instance waits, then finds no work.
UPGRADE_LOCK = 0x1EE27A1EC7


class SchemaState(enum.Enum):
    CURRENT = "current"
    EMPTY = "empty"  # no schema yet: `db upgrade` creates it
    BEHIND = "behind"  # an upgrade is needed
    AHEAD = "ahead"  # made by a newer version of the program


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    engine = make_engine(url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        command.upgrade(alembic_config(url), revision)
        return
    try:
        with engine.connect() as lock:
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK})
            try:
                command.upgrade(alembic_config(url), revision)
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK})
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine.url.render_as_string(False))


def schema_state(engine: Engine) -> SchemaState:
    current = current_revision(engine)
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(False)))
    if current is None:
        return SchemaState.EMPTY
    if current == script.get_current_head():
        return SchemaState.CURRENT
    try:
        script.get_revision(current)
    except CommandError:
        return SchemaState.AHEAD
    return SchemaState.BEHIND
