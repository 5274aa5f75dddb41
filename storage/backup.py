"""A consistent copy of the database while the service runs, and putting one back.

SQLite: the online backup API (one step, so the copy is one snapshot even while the intake
writes). PostgreSQL: `pg_dump --format=custom` (one snapshot by design) and `pg_restore`. The
password goes to the client tools in their environment, never on their command line (where
`ps` would show it).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine, MetaData, inspect, literal, select, table
from sqlalchemy.engine import URL, make_url

from storage.db import make_engine

SQLITE_FILE = "database.sqlite"
POSTGRES_FILE = "database.pgdump"
_MARK = "alembic_version"


class BackupError(Exception):
    """A copy that cannot be made or put back; the message says why."""


def backend(url: str) -> str:
    return make_url(url).get_backend_name()


def dump_file_name(url: str) -> str:
    return SQLITE_FILE if backend(url) == "sqlite" else POSTGRES_FILE


def dump(url: str, folder: Path) -> Path:
    """Write the database into `folder`; returns the file written."""
    target = folder / dump_file_name(url)
    if backend(url) == "sqlite":
        source = _sqlite_path(url)
        if not source.is_file():
            raise BackupError(f"{source}: database file not found")
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(target)) as copy:
            live.backup(copy)
    else:
        _pg_tool("pg_dump", url, ["--format=custom", "--no-owner", f"--file={target}"])
    return target


def load(url: str, source: Path) -> None:
    """Replace the database's content by the dump in `source` (see has_data first)."""
    if backend(url) == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(source)) as copy, closing(sqlite3.connect(target)) as live:
            copy.backup(live)
        return
    engine = make_engine(url)
    try:
        drop_tables(engine)
    finally:
        engine.dispose()
    _pg_tool(
        "pg_restore",
        url,
        ["--no-owner", "--no-acl", "--single-transaction", "--exit-on-error", str(source)],
        database_flag=True,
    )


def has_data(engine: Engine) -> bool:
    """Does any table but the migration mark hold a row?"""
    names = [n for n in inspect(engine).get_table_names() if n != _MARK]
    with engine.connect() as connection:
        for name in names:
            if connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first():
                return True
    return False


def drop_tables(engine: Engine) -> None:
    metadata = MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)


def copy_folder(source: Path, target: Path) -> int:
    """Copy a folder's regular files; links are left out, never followed (a backup may come
    from anywhere, and a link in it must not make restore write or read elsewhere)."""
    if not source.is_dir() or source.is_symlink():
        return 0

    def links(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if (Path(folder) / n).is_symlink()}

    shutil.copytree(source, target, ignore=links, dirs_exist_ok=True)
    return sum(1 for p in target.rglob("*") if p.is_file() and not p.is_symlink())


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(database)


def _pg_tool(tool: str, url: str, args: list[str], database_flag: bool = False) -> None:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(f"{tool} not found: install postgresql-client")
    parsed = make_url(url)
    command = [program, *args]
    if database_flag:
        command.insert(1, f"--dbname={parsed.database}")
    done = subprocess.run(
        command, env=_pg_environment(parsed), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[:2000]}")


def _pg_environment(url: URL) -> dict[str, str]:
    """libpq's variables: the tools then need no URL (and no password) in their arguments."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
    }
    environment.update({k: str(v) for k, v in values.items() if v})
    return environment
