"""APScheduler in the service's event loop: the jobs of app.jobs, run in threads."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.bootstrap import App
from app.jobs import deadline_job, purge_job, reminders_job
from app.service import Component

log = logging.getLogger("leertraject.scheduler")


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def scheduler_component(app: App) -> Component:
    worker = _worker()
    jobs: list[tuple[str, Callable[[], Any], Any]] = [
        (
            "reminders",
            lambda: reminders_job(app),
            IntervalTrigger(minutes=app.settings.reminders.sweep_minutes),
        ),
        ("deadline", lambda: deadline_job(app, worker), IntervalTrigger(minutes=1)),
        ("purge", lambda: purge_job(app, worker), CronTrigger(hour=3, timezone="Europe/Brussels")),
    ]

    async def run(stop: asyncio.Event) -> None:
        scheduler = AsyncIOScheduler(timezone=UTC)
        for name, job, trigger in jobs:
            scheduler.add_job(
                _threaded(name, job),
                trigger,
                id=name,
                name=name,
                next_run_time=datetime.now(UTC),  # catch up at start on what fell while down
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        scheduler.start()
        try:
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)

    async def once() -> int:
        for name, job, _ in jobs:
            await _threaded(name, job)()
        return 0  # the jobs' own work is counted in their log lines

    return Component("scheduler (reminders, deadline, purge)", run, once)


def _threaded(name: str, job: Callable[[], Any]) -> Callable[[], Any]:
    async def run() -> None:
        try:
            await asyncio.to_thread(job)
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next time", name)

    return run
