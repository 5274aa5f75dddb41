"""The database fails under the mail intake: PostgreSQL cut off (sessions ended, connections
refused) twice during a 500-message intake, and SQLite held by another writer for longer than
the busy timeout. Nothing is lost or filed as failed while nothing can be recorded; once the
database is back, every message gets one outcome and every sender one answer. Real
PostgreSQL (a database of the test's own, tests/pg_faults.py), real SQLite, the real Maildir,
the service's own handler; the intake's pauses pass on a clock the test moves."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from app.bootstrap import App, bootstrap
from app.config import Settings
from app.mailing import intake_handler
from core.clock import FixedClock
from mail.intake import Backoff, Disposition, RetryGate
from mail.maildir import drain_maildir_once
from tests.faults.fault_audit import Figures, assert_clean, audit, fill_maildir, maildir_names
from tests.pg_faults import FaultyDatabase


class Ticks:
    """The intake gate's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.postgres
def test_postgresql_cut_off_twice_during_a_500_message_intake(
    faulty_app: App, faulty: FaultyDatabase, tmp_path: Path
) -> None:
    count, cut_at, refused_scans = 500, (120, 370), 3
    root = tmp_path / "inbox"
    fill_maildir(root, count)
    figures = Figures("PostgreSQL cut off twice (500 messages)")
    handle, calls = intake_handler(faulty_app), 0

    def cut_mid_intake(raw: bytes) -> Disposition:
        nonlocal calls
        calls += 1
        if calls in cut_at:
            faulty.refuse()
            figures.faults += 1
        return handle(raw)

    ticks = Ticks()
    gate = RetryGate(Backoff(initial=5.0, maximum=60.0, jitter=0.0), clock=ticks)
    handled, refused = 0, 0
    for _ in range(40):
        handled += drain_maildir_once(root, cut_mid_intake, settle_seconds=0, gate=gate)
        assert maildir_names(root / ".Mislukt") == [], "the failed folder holds no unrecorded"
        if faulty.refusing:
            refused += 1
            assert len(maildir_names(root)) == count - handled, "waiting mail stays in the inbox"
            if refused % refused_scans == 0:
                faulty.admit()
        ticks.now += gate.wait_seconds() + 0.1
        if not maildir_names(root):
            break
    assert handled == count and maildir_names(root) == []
    assert len(maildir_names(root / ".Verwerkt")) == count
    assert refused >= 2 * refused_scans
    audit(faulty_app, figures, count)
    assert_clean(figures)


def test_sqlite_held_by_another_writer_past_the_busy_timeout(
    base_settings: Settings, tmp_path: Path, clock: FixedClock
) -> None:
    count = 100
    path = tmp_path / "leertraject.db"
    database = base_settings.database.model_copy(update={"url": f"sqlite:///{path}"})
    app = bootstrap(
        base_settings.model_copy(update={"database": database}), clock=clock, migrate=True
    )

    @event.listens_for(app.engine, "connect")
    def short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
        # 0.2 s instead of 30 s, so the other writer outlasts it without a long test.
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    app.engine.dispose()
    root = tmp_path / "inbox"
    fill_maildir(root, count)
    figures = Figures("SQLite held past the busy timeout")
    ticks = Ticks()
    gate = RetryGate(Backoff(initial=5.0, jitter=0.0), clock=ticks)
    handle = intake_handler(app)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer takes the write lock and keeps it
        figures.faults += 1
        assert drain_maildir_once(root, handle, settle_seconds=0, gate=gate) == 0
        assert len(maildir_names(root)) == count, "nothing recorded, nothing leaves the inbox"
        assert maildir_names(root / ".Mislukt") == []
        ticks.now += gate.wait_seconds()
        assert drain_maildir_once(root, handle, settle_seconds=0, gate=gate) == 0, "still held"
        assert gate.failures == 2
        other.execute("COMMIT")
    finally:
        other.close()
    ticks.now += gate.wait_seconds()
    assert drain_maildir_once(root, handle, settle_seconds=0, gate=gate) == count
    assert maildir_names(root) == [] and maildir_names(root / ".Mislukt") == []
    audit(app, figures, count)
    app.close()
    assert_clean(figures)
