"""Once-only jobs are leases: a worker killed (kill -9) inside the deadline job leaves a claim
that runs out and is taken over, and the assignment is computed and staff told once; a job
that fails is counted, visible, and tried again. Real SQLite and PostgreSQL, real processes."""

from __future__ import annotations

import multiprocessing
import os
import signal
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import app.jobs as app_jobs
from app.bootstrap import App, bootstrap
from app.config import Settings
from app.jobs import deadline_job, deadline_lease, reminders_job
from app.report import attachments as report_attachments
from core.clock import FixedClock
from core.model import Contact
from storage.campaign import JobState, SqlJobs, SqlReminders
from tests.integration.jobs_worker import deadline_until_killed
from tests.integration.test_jobs import CITIES, register, with_reports


def jobs(app: App) -> list[JobState]:
    with app.sessions() as session:
        return SqlJobs(session).list()


def staff_reports(app: App) -> list[str]:
    with app.uow() as uow:
        return [m.recipient for m in uow.outbox.list() if m.kind == "assignment.report"]


def test_a_worker_killed_during_the_deadline_job_is_taken_over_once(
    db_settings: Settings, db_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    app = bootstrap(with_reports(db_settings, tmp_path), clock=clock)
    for city in CITIES[:5]:
        register(app, city, "9, 3, 1")
    when = app.env.campaign.deadline + timedelta(minutes=1)
    context = multiprocessing.get_context("spawn")
    inside = context.Event()
    worker = context.Process(
        target=deadline_until_killed, args=(db_url, when, str(tmp_path / "reports"), inside)
    )
    worker.start()
    try:
        for _ in range(600):  # up to 2 minutes; a worker that died early ends the wait
            if inside.wait(timeout=0.2) or not worker.is_alive():
                break
        assert inside.is_set(), "the worker never reached its work"
    finally:
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(timeout=30)
    assert worker.exitcode == -signal.SIGKILL

    [claim] = jobs(app)
    assert claim.claimed_by == "killed-worker" and claim.finished_at is None
    assert staff_reports(app) == [], "the killed transaction committed nothing"

    clock.set(when + timedelta(minutes=1))
    assert deadline_job(app, "restarted") is None, "the lease still holds: stand down"
    clock.set(when + deadline_lease(app) + timedelta(seconds=1))
    run_id = deadline_job(app, "restarted")
    assert run_id is not None, "the expired claim is taken over and the work done"
    assert deadline_job(app, "restarted") is None and deadline_job(app, "other") is None

    [done] = jobs(app)
    assert (done.claimed_by, done.attempts, done.failures) == ("restarted", 2, 0)
    assert done.finished_at is not None and done.result == f"run {run_id}: optimal"
    with app.uow() as uow:
        runs = uow.assignments.recent_runs(10)
    assert [r.id for r in runs] == [run_id], "computed once: the killed try's run is taken over"
    assert staff_reports(app) == [app.settings.assignment.staff_email], "staff told once"
    app.close()


def test_a_failing_job_is_counted_shown_and_tried_again(
    db_settings: Settings, tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = bootstrap(with_reports(db_settings, tmp_path), clock=clock)
    register(app, "Gent", "9, 3, 1")
    clock.set(app.env.campaign.deadline + timedelta(minutes=1))
    attach = report_attachments

    def no_disk(*args: Any, **kwargs: Any) -> Any:
        raise OSError("No space left on device")  # the report cannot be rendered for now

    monkeypatch.setattr(app_jobs, "attachments", no_disk)
    for attempt in (1, 2):
        with pytest.raises(OSError):
            deadline_job(app, "w1")
        [failing] = jobs(app)
        assert (failing.failures, failing.finished_at) == (attempt, None)
        assert failing.last_error is not None and "Error" in failing.last_error
    assert staff_reports(app) == []
    with app.uow() as uow:
        [kept] = uow.assignments.recent_runs(10)
    assert kept.published_at is None, "the run is recorded once, before its report, unpublished"

    monkeypatch.setattr(app_jobs, "attachments", attach)
    assert deadline_job(app, "w1") == kept.id, "the recorded run is taken, not computed again"
    [done] = jobs(app)
    assert done.finished_at is not None and done.failures == 2 and done.attempts == 3
    assert len(staff_reports(app)) == 1
    with app.uow() as uow:
        assert len(uow.assignments.recent_runs(10)) == 1
    app.close()


def test_the_report_files_are_written_after_the_commit_and_their_failure_loses_no_run(
    db_settings: Settings, tmp_path: Path, clock: FixedClock
) -> None:
    blocked = tmp_path / "reports"
    blocked.write_text("a file where the report folder should be")
    app = bootstrap(with_reports(db_settings, tmp_path), clock=clock)
    register(app, "Gent", "9, 3, 1")
    clock.set(app.env.campaign.deadline + timedelta(minutes=1))
    run_id = deadline_job(app, "w1")
    assert run_id is not None, "the run is kept although its report folder cannot be made"
    [done] = jobs(app)
    assert done.finished_at is not None and done.failures == 0
    assert len(staff_reports(app)) == 1, "staff get the report by e-mail all the same"
    app.close()


def test_catching_up_on_a_real_database_sends_the_latest_reminder_and_records_the_rest(
    db_settings: Settings, clock: FixedClock
) -> None:
    app = bootstrap(db_settings, clock=clock)
    clock.set(app.env.campaign.deadline - timedelta(days=1))
    app.transaction(
        lambda uow: uow.contacts.add(
            Contact("44021", "An", "an@stad.gent", invited=True, token="t")
        )
    )
    assert reminders_job(app) == (2, 1, 1)
    with app.uow() as uow:
        assert [m.kind for m in uow.outbox.list()] == ["reminder.invited"]
    with app.sessions() as session:
        assert SqlReminders(session).dropped() == {"superseded": 1}
    app.close()
