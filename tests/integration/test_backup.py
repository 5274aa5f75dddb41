"""`leertraject backup` and `restore` as separate processes, on SQLite and PostgreSQL, while
the mail intake keeps writing: every registration, history row and outbox row comes back, and
the restored database runs on."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from app.bootstrap import App, bootstrap
from app.config import Settings
from app.mailing import intake
from core.clock import FixedClock
from core.municipalities import MunicipalityDirectory
from tests.cli_process import ops_cli
from tests.conftest import PG_ADMIN

COMPARED = ("registrations", "registration_history", "outbox", "inbound_messages", "contacts")


def message(n: int, municipality: str) -> bytes:
    return (
        f"From: Official {n} <official{n}@gemeente{n}.example.test>\r\n"
        f"To: leertrajecten@vlaio.example\r\nSubject: Inschrijving {n}\r\n"
        f"Message-ID: <backup-{n}@gemeente.example.test>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Gemeente: {municipality}\r\nContactpersoon: Official {n}\r\nFunctie: Centrummanager\r\n"
        f"Voorkeur 1: {n % 12 + 1}\r\nVoorkeur 2: {(n + 3) % 12 + 1}\r\n"
        f"Voorkeur 3: {(n + 7) % 12 + 1}\r\nBeleidsprioriteiten: Een levendige kern.\r\n"
    ).encode()


class Ingest(threading.Thread):
    """The intake at work: one message after another until told how many more to do."""

    def __init__(self, app: App, messages: list[bytes]) -> None:
        super().__init__(daemon=True)
        self.pipeline, self.messages = intake(app), messages
        self.done = 0
        self.limit = len(messages)
        self.started = threading.Event()

    def run(self) -> None:
        for raw in self.messages:
            if self.done >= self.limit:
                return
            self.pipeline.process(raw)
            self.done += 1
            if self.done == 5:
                self.started.set()


@pytest.fixture
def fresh_url(db_url: str, tmp_path: Path) -> Iterator[Any]:
    """Makes empty databases of the same kind as db_url (new server, nothing migrated)."""
    created: list[str] = []

    def make(name: str) -> str:
        if db_url.startswith("sqlite"):
            return f"sqlite:///{tmp_path / name / 'leertraject.db'}"
        database = f"leertraject_restore_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        created.append(database)
        return db_url.rsplit("/", 1)[0] + "/" + database

    yield make
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for database in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def rows(app: App, table: str) -> list[tuple[Any, ...]]:
    with app.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


def app_on(settings: Settings, url: str, clock: FixedClock) -> App:
    moved = settings.model_copy(
        update={"database": settings.database.model_copy(update={"url": url})}
    )
    return bootstrap(moved, clock=clock)


def test_backup_while_mail_comes_in_and_restore_on_a_new_server(
    app: App,
    clock: FixedClock,
    db_url: str,
    fresh_url: Any,
    tmp_path: Path,
    municipalities: MunicipalityDirectory,
) -> None:
    names = [m.name for m in municipalities.flemish]
    messages = [message(n, names[n % len(names)]) for n in range(len(names) * 3)]
    live = tmp_path / "live"
    (live / "reports" / "run-1").mkdir(parents=True)
    (live / "reports" / "run-1" / "rapport.html").write_text("<h1>Toewijzing</h1>")

    ingest = Ingest(app, messages)
    ingest.start()
    assert ingest.started.wait(120)
    before = ingest.done
    ops_cli(db_url, live, "backup", str(tmp_path / "during"))
    after = ingest.done
    ingest.limit = after + 10  # a few more after the copy, then stop
    ingest.join(120)
    assert before < after < ingest.done, "the intake kept writing during the backup"

    # A new, empty server gets the copy made during the intake, and runs on: the intake reads
    # the same mailbox again; what the copy has is recognised, the rest is handled.
    second = fresh_url("second")
    restored = ops_cli(second, tmp_path / "second", "restore", str(tmp_path / "during"))
    assert "Teruggezet" in restored.stdout
    assert (tmp_path / "second" / "reports" / "run-1" / "rapport.html").is_file()
    runs_on = app_on(app.settings, second, clock)
    try:
        in_copy = len(rows(runs_on, "inbound_messages"))
        assert before <= in_copy <= after
        for raw in messages[: ingest.done]:
            intake(runs_on).process(raw)
        assert len(rows(runs_on, "registrations")) == len(rows(app, "registrations"))
        assert len(rows(runs_on, "inbound_messages")) == ingest.done
        assert len(rows(runs_on, "outbox")) == len(rows(app, "outbox"))
    finally:
        runs_on.close()

    # Quiet now: a second copy brings every row back exactly, and the files beside it.
    ops_cli(db_url, live, "backup", str(tmp_path / "quiet"))
    third = fresh_url("third")
    ops_cli(third, tmp_path / "third", "restore", str(tmp_path / "quiet"))
    copy = app_on(app.settings, third, clock)
    try:
        for table in COMPARED:
            assert rows(copy, table) == rows(app, table), table
        assert len(rows(copy, "registrations")) > 0
    finally:
        copy.close()
    assert (tmp_path / "third" / "reports" / "run-1" / "rapport.html").read_text() == (
        "<h1>Toewijzing</h1>"
    )

    # A database with data is not overwritten unless asked.
    refused = ops_cli(third, tmp_path / "third", "restore", str(tmp_path / "during"), expect=1)
    assert "--force" in refused.stderr
    copy = app_on(app.settings, third, clock)
    try:
        assert len(rows(copy, "inbound_messages")) == ingest.done
    finally:
        copy.close()
    ops_cli(third, tmp_path / "third", "restore", "--force", str(tmp_path / "during"))
    copy = app_on(app.settings, third, clock)
    try:
        assert len(rows(copy, "inbound_messages")) == in_copy
    finally:
        copy.close()


def test_restore_refuses_what_is_not_a_backup_of_this_database(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'leertraject.db'}"
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "manifest.json").write_text('{"format": 1, "database": "oracle", "revision": null}')
    refused = ops_cli(db_url, tmp_path, "restore", str(fake), expect=1)
    assert "oracle" in refused.stderr and "Fout:" in refused.stderr
    (fake / "manifest.json").write_text("nonsense")
    refused = ops_cli(db_url, tmp_path, "--lang", "en", "restore", str(fake), expect=1)
    assert "is not a leertraject backup" in refused.stderr


def test_a_link_in_a_backup_is_not_followed_on_restore(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'leertraject.db'}"
    (tmp_path / "live" / "reports").mkdir(parents=True)
    (tmp_path / "live" / "reports" / "rapport.html").write_text("rapport")
    ops_cli(url, tmp_path / "live", "db", "upgrade")
    ops_cli(url, tmp_path / "live", "backup", str(tmp_path / "copy"))
    (tmp_path / "copy" / "files" / "reports" / "passwd").symlink_to("/etc/passwd")
    elsewhere = f"sqlite:///{tmp_path / 'new' / 'leertraject.db'}"
    ops_cli(elsewhere, tmp_path / "new", "restore", str(tmp_path / "copy"))
    restored = tmp_path / "new" / "reports"
    assert (restored / "rapport.html").read_text() == "rapport"
    assert not (restored / "passwd").exists() and not (restored / "passwd").is_symlink()
