"""Two instances of the service on one PostgreSQL and one mail folder, through faults: one is
killed (kill -9) halfway, the database is cut off under the other, both are started again;
then both reach the deadline at once. Every message has one outcome, every sender one answer,
and the deadline job runs exactly once (one assignment run, one report to staff). Real
processes, real PostgreSQL (a database of the test's own), the real Maildir."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.bootstrap import bootstrap
from app.config import Settings
from tests.faults.fault_audit import Figures, assert_clean, audit, fill_maildir, maildir_names
from tests.faults.service_process import kill_when, recorded, service_env, start
from tests.mailserver_util import wait_until
from tests.pg_faults import faulty_database

pytestmark = pytest.mark.postgres
MESSAGES = 300  # scaled down from 600 for the suite time on 2 shared cores
PAST_DEADLINE = "2026-11-01T17:00:00+01:00"


def finish(processes: list[subprocess.Popen[bytes]], home: Path) -> None:
    for process in processes:
        assert process.wait(timeout=300) is not None
    log = (home / "service.log").read_text()[-3000:]
    assert all(p.returncode == 0 for p in processes), log


def test_two_instances_through_kill_and_database_cut_lose_and_repeat_nothing(
    pg_database: str, base_settings: Settings, tmp_path: Path
) -> None:
    figures = Figures("two instances on PostgreSQL, kill -9 + cut")
    fill_maildir(tmp_path / "inbox", MESSAGES)
    with faulty_database() as db:
        env = service_env(db.url, tmp_path)
        first, second = (start(env, tmp_path, "run", "--once") for _ in range(2))
        assert kill_when(first, db.url, MESSAGES // 4), "the first ended before its kill"
        figures.faults += 1
        halfway = MESSAGES // 2
        wait_until(lambda: second.poll() is not None or recorded(db.url) >= halfway, 120, "halfway")
        db.refuse()  # the other one loses its sessions and cannot connect
        figures.faults += 1
        second.wait(timeout=300)
        db.admit()
        for _ in range(3):
            finish([start(env, tmp_path, "run", "--once") for _ in range(2)], tmp_path)
            if not maildir_names(tmp_path / "inbox"):
                break
        assert recorded(db.url) == MESSAGES
        inbox = tmp_path / "inbox"
        assert maildir_names(inbox) == [] and maildir_names(inbox / ".Mislukt") == []

        late = {**env, "LEERTRAJECT_CAMPAIGN__DEADLINE": PAST_DEADLINE}
        finish([start(late, tmp_path, "run", "--once") for _ in range(2)], tmp_path)
        engine = create_engine(db.url)
        with engine.connect() as conn:
            jobs = conn.execute(
                text(
                    "SELECT finished_at IS NOT NULL, attempts FROM job_runs WHERE name = 'deadline'"
                )
            ).all()
            runs = conn.execute(text("SELECT count(*) FROM assignment_runs")).scalar_one()
            reports = conn.execute(
                text("SELECT count(*) FROM outbox WHERE kind = 'assignment.report'")
            ).scalar_one()
        engine.dispose()
        assert [tuple(j) for j in jobs] == [(True, 1)], "the deadline job ran once"
        assert (runs, reports) == (1, 1), "one assignment run, one report to staff"

        database = base_settings.database.model_copy(update={"url": db.url})
        app = bootstrap(base_settings.model_copy(update={"database": database}))
        try:
            audit(app, figures, MESSAGES)
        finally:
            app.close()
    assert_clean(figures)
