"""The assignment as the app runs it, shared by the CLI and the jobs: its settings, its
inputs, and the order of work that keeps the database free while the solver runs.

No long work inside a transaction (issue 10): read a snapshot of the inputs in one short
transaction, solve outside any transaction (up to `time_limit_seconds`), then store the run
(and, when publishing, its outbox rows) in one short transaction that first checks the inputs
did not change meanwhile. Report files are written after the commit (app/report.py writes
each atomically), so a failed commit leaves no report of a run that does not exist.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from app.bootstrap import App
from app.commands.output import say
from core.model import Actor, AssignmentRun
from core.ports import UnitOfWork
from core.usecases import assign_staff
from core.usecases.assign import AssignOptions, build_instance, compute, record


class InputsChanged(ValueError):
    """Registrations or staff decisions changed while the solver ran."""


def assign_options(app: App) -> AssignOptions:
    a, r = app.settings.assignment, app.settings.reminders
    return AssignOptions(
        objective=a.objective,
        allow_unranked=a.allow_unranked,
        seed=a.seed,
        time_limit_seconds=a.time_limit_seconds,
        kickoff_before=tuple(timedelta(days=d) for d in r.kickoff_days_before),
    )


def theme_demand(uow: UnitOfWork, app: App) -> dict[int, int]:
    """How many submitted registrations list each theme anywhere (core.stats' totals)."""
    return assign_staff.theme_demand(uow, app.env)


def current_hash(uow: UnitOfWork, app: App) -> str:
    """The input hash a run computed now would carry."""
    return assign_staff.current_hash(uow, app.env, assign_options(app))


def compute_and_record(
    app: App, actor: Actor, timer: Callable[[], float] = time.perf_counter
) -> AssignmentRun:
    """Snapshot, solve outside any transaction, store the run in one short transaction."""
    options = assign_options(app)
    with app.uow() as uow:
        instance = build_instance(uow, app.env, options)
    computed = compute(app.env, instance, actor, timer)

    def store(uow: UnitOfWork) -> AssignmentRun:
        if current_hash(uow, app) != computed.run.input_hash:
            raise InputsChanged(say("cli.assign.inputs_changed_during"))
        record(uow, computed.run, actor)
        return computed.run

    return app.transaction(store)
