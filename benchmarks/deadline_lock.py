"""Benchmark: how long the service holds the SQLite write lock during a deadline run.

Every transaction on SQLite starts with BEGIN IMMEDIATE (storage/db.py), so from BEGIN to
COMMIT (or ROLLBACK) no other writer (the mail intake, the bot) can record anything; a hold
longer than the busy timeout (30 s) makes them fail and wait. This registers N participants
(default 3,000: the real Flemish municipalities and numbered test ones), then runs the
deadline job once (solve outside any transaction, then one transaction that records the run
and queues the staff report) and prints every hold longer than 10 ms, the longest one, and
the same figure for a baseline measured in the same run: the transaction of one
registration (the unit the intake waits behind in normal work).

    .venv/bin/python benchmarks/deadline_lock.py [--participants 3000]

No profiling or tracemalloc is on while timing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

import app.jobs as app_jobs
from app.bootstrap import App, bootstrap
from app.config import load_settings
from app.jobs import deadline_job
from app.reference import municipality_directory
from core.clock import FixedClock
from core.model import Channel
from core.municipalities import Municipality, MunicipalityDirectory
from core.usecases.submit import Identity, submit

STAFF = Identity(Channel.CLI, staff="benchmark")
BEFORE_DEADLINE = "2026-12-01T09:00:00+00:00"


class LockTimer:
    """BEGIN IMMEDIATE .. COMMIT/ROLLBACK durations, per transaction, with a label."""

    def __init__(self, app: App) -> None:
        self.holds: list[tuple[float, str]] = []
        self.label = "setup"
        self._started: dict[int, float] = {}
        # Registered after storage/db.py's listener: the clock starts once the lock is held.
        event.listen(app.engine, "begin", self._begin)
        event.listen(app.engine, "commit", self._end)
        event.listen(app.engine, "rollback", self._end)

    def _begin(self, connection: Any) -> None:
        self._started[id(connection)] = time.perf_counter()

    def _end(self, connection: Any) -> None:
        started = self._started.pop(id(connection), None)
        if started is not None:
            self.holds.append((time.perf_counter() - started, self.label))

    def longest(self, label: str) -> float:
        return max((s for s, lab in self.holds if lab == label), default=0.0)


def directory(participants: int) -> MunicipalityDirectory:
    real = list(municipality_directory().all)
    flemish = [m for m in real if m.in_flanders]
    extra = [
        Municipality(f"{90000 + i}", f"Proefgemeente {i}", "Oost-Vlaanderen", "02000")
        for i in range(max(0, participants - len(flemish)))
    ]
    return MunicipalityDirectory([*real, *extra])


def register(app: App, participants: int, timer: LockTimer) -> None:
    names = [m.name for m in app.env.municipalities.all if m.in_flanders][:participants]
    for n, name in enumerate(names):
        raw = {
            "municipality": name,
            "contact_name": f"Contact {n}",
            "contact_function": "Schepen",
            "contact_email": f"contact{n}@gemeente.example.be",
            "preferences": f"{n % 12 + 1}, {(n + 3) % 12 + 1}, {(n + 7) % 12 + 1}",
        }
        timer.label = "registration"
        app.transaction(lambda uow, raw=raw: submit(uow, app.env, raw, STAFF))
    assert len(names) == participants, (len(names), participants)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=3000)
    args = parser.parse_args()
    from datetime import datetime

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings()
        settings = settings.model_copy(
            update={
                "database": settings.database.model_copy(
                    update={"url": f"sqlite:///{Path(tmp) / 'bench.db'}"}
                ),
                "assignment": settings.assignment.model_copy(
                    update={"report_dir": Path(tmp) / "reports"}
                ),
            }
        )
        clock = FixedClock(datetime.fromisoformat(BEFORE_DEADLINE))
        app = bootstrap(settings, clock=clock, migrate=True)
        app.env = replace(app.env, municipalities=directory(args.participants))
        # The report files are written after the commit, outside any transaction: not timed
        # here (rendering them can take minutes on a loaded machine).
        app_jobs.write_report = lambda *a, **k: None  # type: ignore[assignment]
        timer = LockTimer(app)
        start = time.perf_counter()
        register(app, args.participants, timer)
        registering = time.perf_counter() - start
        print(f"registered {args.participants} in {registering:.1f} s", flush=True)
        clock.set(app.env.campaign.deadline + timedelta(minutes=1))
        timer.label = "deadline"
        start = time.perf_counter()
        run_id = deadline_job(app, "benchmark")
        total = time.perf_counter() - start
        app.close()
    assert run_id is not None, "the deadline job did not run"
    baseline = [s for s, label in timer.holds if label == "registration"]
    deadline = sorted((s for s, label in timer.holds if label == "deadline"), reverse=True)
    longest = deadline[0]
    median = statistics.median(baseline)
    print(f"deadline run, {args.participants} participants, SQLite (run {run_id})")
    print(f"registering them: {registering:.1f} s, {len(baseline)} transactions")
    print(f"deadline job: {total:.2f} s in all, {len(deadline)} transactions")
    print("write-lock holds of the deadline job (s): " + ", ".join(f"{s:.3f}" for s in deadline))
    print(f"longest hold during the deadline run: {longest:.3f} s")
    print(
        f"baseline, one registration's transaction: median {median * 1000:.1f} ms, "
        f"longest {max(baseline) * 1000:.1f} ms"
    )
    print(f"ratio longest deadline hold / median registration: {longest / median:.0f}x")
    print(f"share of the deadline job spent holding the lock: {sum(deadline) / total:.0%}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
