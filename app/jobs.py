"""The scheduled jobs, as plain functions of the app and its injected clock.

Each is safe to run on several service instances at once: reminders are claimed row by row,
and the once-only jobs (the deadline, the purge) take a lease on a job row first; the others
stand down while it holds. The job is done only when its work committed `finished_at` in the
same transaction; a worker killed halfway leaves an unfinished claim whose lease runs out, and
the next instance (or the same after a restart) takes it over and does the work again. A failure
is counted on the row (visible in `leertraject status`) and frees the lease for the next tick.
A job that fell while the service was down runs when it comes back, because each one looks at
the state ("is the deadline past and not yet handled?") rather than at the calendar.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from app.assigning import InputsChanged, assign_options, current_hash, theme_demand
from app.bootstrap import App
from app.erasure import sweep_files
from app.report import attachments, write_report
from core.model import Actor, ActorKind, AssignmentRun, Channel
from core.notify import tell_address
from core.ports import UnitOfWork
from core.usecases.assign import build_instance, compute, publish, record
from core.usecases.manage import erase
from core.usecases.reminders import ReminderPolicy, plan, sweep

T = TypeVar("T")
P = TypeVar("P")
Demand = dict[int, int]  # theme -> registrations that want it
Prepared = tuple[AssignmentRun, Demand, list[dict[str, str]]]  # run, demand, report files
log = logging.getLogger("leertraject.jobs")
SYSTEM = Actor(ActorKind.SYSTEM, Channel.CLI, name="scheduler")
PURGE_LEASE = timedelta(minutes=15)


def deadline_lease(app: App) -> timedelta:
    """Longer than the solver may take, with room for the report and the outbox rows."""
    return timedelta(seconds=app.settings.assignment.time_limit_seconds) + timedelta(minutes=10)


def run_once(
    app: App,
    name: str,
    worker: str,
    lease: timedelta,
    prepare: Callable[[], P],
    work: Callable[[UnitOfWork, P], tuple[T, str]],
) -> T | None:
    """Claim the lease; `prepare` the long part outside any transaction (the solver); then do
    the work and finish in one short transaction; None if another holds it or it is done. A
    failure is recorded on the job row, then raised to the scheduler."""
    key = app.settings.campaign.name
    now = app.env.clock.now()
    if not app.transaction(lambda uow: uow.jobs.claim(name, key, worker, now, lease)):
        return None

    def work_and_finish(uow: UnitOfWork, prepared: P) -> T:
        value, result = work(uow, prepared)
        uow.jobs.finish(name, key, worker, app.env.clock.now(), result)
        return value

    try:
        prepared = prepare()
        return app.transaction(lambda uow: work_and_finish(uow, prepared))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        try:
            app.transaction(
                lambda uow: uow.jobs.fail(name, key, worker, app.env.clock.now(), error)
            )
        except Exception:
            log.exception("job %s failed and its failure could not be recorded", name)
        raise


def policy(app: App) -> ReminderPolicy:
    r = app.settings.reminders
    return ReminderPolicy(
        invited_before_deadline=tuple(timedelta(days=d) for d in r.invited_days_before_deadline),
        draft_after_last_step=timedelta(hours=r.draft_hours_after_last_step),
        draft_before_deadline=tuple(timedelta(days=d) for d in r.draft_days_before_deadline),
        pending_after=timedelta(hours=r.pending_hours_after),
        kickoff_before=tuple(timedelta(days=d) for d in r.kickoff_days_before),
        late_after=timedelta(hours=r.late_hours),
    )


def reminders_job(app: App) -> tuple[int, int, int]:
    planned = app.transaction(lambda uow: plan(uow, app.env, policy(app)))
    sent, cancelled = app.transaction(lambda uow: sweep(uow, app.env, policy(app)))
    if planned or sent or cancelled:
        log.info("reminders: %d planned, %d sent, %d cancelled", planned, sent, cancelled)
    return planned, sent, cancelled


def deadline_job(app: App, worker: str) -> int | None:
    """At the deadline, once: compute the assignment; publish it or send staff the report."""
    if not app.env.deadline_passed():
        return None
    now = app.env.clock.now()
    chosen = assign_options(app)
    settings = app.settings.assignment

    def publishes(run: AssignmentRun) -> bool:
        return settings.auto_publish and run.status != "infeasible"

    def tells_staff(run: AssignmentRun) -> bool:
        return not publishes(run) and bool(settings.staff_email)

    def solve() -> Prepared:
        """Outside the job's transaction: the solve (up to its time limit), the run recorded in
        a short transaction of its own (it gets its number), and the report for staff rendered
        (PDF and XLSX take seconds to minutes): none of it holds the database's write lock."""
        with app.uow() as uow:
            demand = theme_demand(uow, app)
            earlier = unfinished_run(uow)
            instance = None if earlier else build_instance(uow, app.env, chosen)
        if earlier is not None:
            run = earlier
        else:
            assert instance is not None
            run = compute(app.env, instance, SYSTEM).run
            app.transaction(lambda uow: record(uow, run, SYSTEM))
        files = attachments(app.env, run, demand) if tells_staff(run) else []
        return run, demand, files

    def unfinished_run(uow: UnitOfWork) -> AssignmentRun | None:
        """The run an earlier try of this job recorded but did not finish (killed while it
        rendered the report): taken as it is, so the assignment is computed once."""
        latest = uow.assignments.latest_run()
        if (
            latest is None
            or latest.created_by != SYSTEM.label()
            or latest.published_at is not None
            or latest.created_at < app.env.campaign.deadline
            or latest.input_hash != current_hash(uow, app)
        ):
            return None
        return latest

    def work(uow: UnitOfWork, prepared: Prepared) -> tuple[tuple[AssignmentRun, Demand], str]:
        run, demand, files = prepared
        assert run.id is not None
        if current_hash(uow, app) != run.input_hash:
            raise InputsChanged("registrations or decisions changed during the solve")
        if publishes(run):
            publish(uow, app.env, run, SYSTEM, chosen)
        elif tells_staff(run):
            params = {
                "run": run.id,
                "status": run.status,
                "assigned": run.result.placed,
                "participants": run.result.participants,
                "profile": list(run.result.solution.profile),
                "attachments": files,
                "input_hash": run.input_hash,
            }
            staff = settings.staff_email
            tell_address(uow, staff, "nl", "assignment.report", params, f"run{run.id}", now)
        return (run, demand), f"run {run.id}: {run.status}"

    done = run_once(app, "deadline", worker, deadline_lease(app), solve, work)
    if done is None:
        return None
    run, demand = done
    assert run.id is not None
    folder = app.settings.path(app.settings.assignment.report_dir) / f"run-{run.id}"
    try:  # after the commit, each file atomically; the staff e-mail carries the report anyway
        write_report(app.env, run, demand, folder)
    except OSError as exc:
        log.error("assignment run %s: the report files could not be written: %s", run.id, exc)
    log.info("deadline passed: assignment run %s computed", run.id)
    return run.id


def purge_job(app: App, worker: str) -> int:
    """Personal data past the retention period is erased, once, for every contact."""
    retention = timedelta(days=app.settings.campaign.retention_days)
    now = app.env.clock.now()
    if now < app.env.campaign.deadline + retention:
        return 0

    def work(uow: UnitOfWork, _: None) -> tuple[tuple[int, list[str]], str]:
        municipalities = sorted({c.municipality for c in uow.contacts.list() if not c.erased})
        outcomes = [erase(uow, app.env, SYSTEM, municipality=m) for m in municipalities]
        erased = sum(o.contacts for o in outcomes)
        return (erased, [n for o in outcomes for n in o.needles]), f"{erased} contacts erased"

    done = run_once(app, "purge", worker, PURGE_LEASE, lambda: None, work)
    if done is None:
        return 0
    erased, needles = done
    sweep_files(app.settings, needles)  # the files that name them, once the rows are gone
    log.info("retention period over: %d contacts erased", erased)
    return erased
