"""APScheduler in the service's event loop: the jobs of app.jobs, run in threads."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.bootstrap import App
from app.health import Beat, worker_id
from app.jobs import deadline_job, purge_job, reminders_job
from app.service import Component

log = logging.getLogger("leertraject.scheduler")


@dataclass(frozen=True)
class Job:
    """One scheduled job: `run` does one pass and says how many things it handled."""

    name: str
    run: Callable[[], Awaitable[int]]
    trigger: Any


def handled(result: object) -> int:
    """How many things a job's answer says it handled: a count, or a tuple of counts
    (the reminders: planned, sent, dropped); None (nothing to do) is 0."""
    if isinstance(result, int):  # a bool too: done or not
        return result
    if isinstance(result, tuple):
        return sum(handled(part) for part in result)
    return 0


def threaded(name: str, work: Callable[[], Any], trigger: Any) -> Job:
    """A job whose work blocks (database, files): it runs in a thread, never in the loop."""

    async def run() -> int:
        return handled(await asyncio.to_thread(work))

    return Job(name, run, trigger)


def campaign_jobs(app: App) -> list[Job]:
    worker = worker_id()
    sweep = IntervalTrigger(minutes=app.settings.reminders.sweep_minutes)
    nightly = CronTrigger(hour=3, timezone="Europe/Brussels")
    return [
        threaded("reminders", lambda: reminders_job(app), sweep),
        threaded(
            "deadline", lambda: deadline_job(app, worker) is not None, IntervalTrigger(minutes=1)
        ),
        threaded("purge", lambda: purge_job(app, worker), nightly),
    ]


def scheduler_component(jobs: list[Job], beat: Beat | None = None) -> Component:
    """Every job that polls runs here; what is event-driven (IMAP IDLE, the bot) runs beside.
    With `beat`, each run of a job leaves a heartbeat (see `leertraject status`)."""

    async def run(stop: asyncio.Event) -> None:
        scheduler = AsyncIOScheduler(timezone=UTC)
        for job in jobs:
            scheduler.add_job(
                _guarded(job, beat),
                job.trigger,
                id=job.name,
                name=job.name,
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
        return sum([await _guarded(job, beat)() for job in jobs])

    names = ", ".join(job.name for job in jobs)
    return Component(f"scheduler ({names})", run, once)


def _guarded(job: Job, beat: Beat | None = None) -> Callable[[], Awaitable[int]]:
    async def run() -> int:
        try:
            count = await job.run()
        except Exception as exc:
            log.exception("scheduled job %s failed; it runs again at its next time", job.name)
            if beat is not None:
                await asyncio.to_thread(beat, job.name, False, f"{type(exc).__name__}: {exc}")
            return 0
        if beat is not None:
            await asyncio.to_thread(beat, job.name, True, f"{count} handled")
        return count

    return run
