"""`leertraject status` tells staff what is alive, how far behind, and what failed: a job
that fails shows up with its error, the parts that ran leave a heartbeat, and mail waiting
in the mail folder is counted. The command runs as its own process on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import mailbox
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import app.jobs as app_jobs
from app.bootstrap import bootstrap
from app.config import Settings
from app.health import heartbeat
from app.scheduler import campaign_jobs, scheduler_component
from core.clock import FixedClock
from tests.integration.test_jobs import register, with_reports
from tests.mail_messages import raw_message


def test_status_shows_heartbeats_the_failing_job_and_waiting_mail(
    db_settings: Settings,
    db_url: str,
    tmp_path: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_disk(*args: Any, **kwargs: Any) -> Any:
        raise OSError("No space left on device")  # the deadline job cannot finish for now

    monkeypatch.setattr(app_jobs, "attachments", no_disk)
    app = bootstrap(with_reports(db_settings, tmp_path), clock=clock)
    register(app, "Gent", "9, 3, 1")
    clock.set(app.env.campaign.deadline + timedelta(minutes=1))
    scheduler = scheduler_component(campaign_jobs(app), heartbeat(app))
    asyncio.run(scheduler.once())
    app.close()
    inbox = tmp_path / "inbox"
    mailbox.Maildir(inbox, factory=None, create=True).add(raw_message(1))

    environment = {
        **os.environ,
        "LEERTRAJECT_DATABASE__URL": db_url,
        "LEERTRAJECT_MAIL__MAILDIR": str(inbox),
    }

    def status(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "app", "status", *args],
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    data = json.loads(status("--json"))
    beats = {b["component"]: b for b in data["heartbeats"]}
    assert beats["deadline"]["ok"] is False and beats["deadline"]["failures"] == 1
    assert beats["reminders"]["ok"] is True and beats["purge"]["ok"] is True
    [job] = data["jobs"]
    assert (job["name"], job["failures"], job["finished_at"]) == ("deadline", 1, None)
    assert "Error" in job["last_error"]
    assert data["intake"]["mail_folder"]["waiting"] == 1
    assert data["outbox"]["email"]["failed"] == 0

    shown = status()
    assert "deadline" in shown and "NEE" in shown and "1 wachtend" in shown
