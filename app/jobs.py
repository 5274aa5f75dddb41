"""The scheduled jobs, as plain functions of the app and its injected clock.

Each is safe to run on several service instances at once: reminders are claimed row by row,
and the once-only jobs (the deadline, the purge) claim a job row first; the loser stands down.
A job that fell while the service was down runs when it comes back, because each one looks at
the state ("is the deadline past and not yet handled?") rather than at the calendar.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from app.assigning import assign_options, theme_demand
from app.bootstrap import App
from app.report import attachments, write_report
from core.model import Actor, Channel
from core.notify import tell_address
from core.ports import UnitOfWork
from core.usecases.assign import dry_run, publish
from core.usecases.manage import erase
from core.usecases.reminders import ReminderPolicy, plan, sweep

log = logging.getLogger("leertraject.jobs")
SYSTEM = Actor("system", Channel.CLI, name="scheduler")


def policy(app: App) -> ReminderPolicy:
    r = app.settings.reminders
    return ReminderPolicy(
        invited_before_deadline=tuple(timedelta(days=d) for d in r.invited_days_before_deadline),
        draft_after_last_step=timedelta(hours=r.draft_hours_after_last_step),
        draft_before_deadline=tuple(timedelta(days=d) for d in r.draft_days_before_deadline),
        pending_after=timedelta(hours=r.pending_hours_after),
        kickoff_before=tuple(timedelta(days=d) for d in r.kickoff_days_before),
    )


def reminders_job(app: App) -> tuple[int, int, int]:
    planned = app.transaction(lambda uow: plan(uow, app.env, policy(app)))
    sent, cancelled = app.transaction(lambda uow: sweep(uow, app.env))
    if planned or sent or cancelled:
        log.info("reminders: %d planned, %d sent, %d cancelled", planned, sent, cancelled)
    return planned, sent, cancelled


def deadline_job(app: App, worker: str) -> int | None:
    """At the deadline, once: compute the assignment; publish it or send staff the report."""
    if not app.env.deadline_passed():
        return None
    key = app.settings.campaign.name
    now = app.env.clock.now()
    if not app.transaction(lambda uow: uow.jobs.claim("deadline", key, worker, now)):
        return None
    chosen = assign_options(app)

    def work(uow: UnitOfWork) -> int:
        result = dry_run(uow, app.env, chosen, SYSTEM)
        run = result.run
        assert run.id is not None
        folder = app.settings.path(app.settings.assignment.report_dir) / f"run-{run.id}"
        write_report(app.env, run, theme_demand(uow, app), folder)
        if app.settings.assignment.auto_publish and run.status != "infeasible":
            publish(uow, app.env, run, SYSTEM, chosen)
        elif app.settings.assignment.staff_email:
            params = {
                "run": run.id,
                "status": run.status,
                "assigned": len(run.result["assignments"]),
                "participants": len(run.result["assignments"]) + len(run.result["unassigned"]),
                "profile": run.result["profile"],
                "attachments": attachments(app.env, run, theme_demand(uow, app)),
                "input_hash": run.input_hash,
            }
            staff = app.settings.assignment.staff_email
            tell_address(uow, staff, "nl", "assignment.report", params, f"run{run.id}", now)
        uow.jobs.finish("deadline", key, app.env.clock.now(), f"run {run.id}: {run.status}")
        return run.id

    run_id = app.transaction(work)
    log.info("deadline passed: assignment run %s computed", run_id)
    return run_id


def purge_job(app: App, worker: str) -> int:
    """Personal data past the retention period is erased, once, for every contact."""
    retention = timedelta(days=app.settings.campaign.retention_days)
    now = app.env.clock.now()
    if now < app.env.campaign.deadline + retention:
        return 0
    key = app.settings.campaign.name
    if not app.transaction(lambda uow: uow.jobs.claim("purge", key, worker, now)):
        return 0

    def work(uow: UnitOfWork) -> int:
        municipalities = sorted({c.municipality for c in uow.contacts.list() if not c.erased})
        erased = sum(erase(uow, app.env, SYSTEM, municipality=m).contacts for m in municipalities)
        uow.jobs.finish("purge", key, app.env.clock.now(), f"{erased} contacts erased")
        return erased

    erased: int = app.transaction(work)
    log.info("retention period over: %d contacts erased", erased)
    return erased
