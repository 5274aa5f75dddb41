"""The assignment's settings and inputs as the app reads them, shared by the CLI and the jobs."""

from __future__ import annotations

from datetime import timedelta

from app.bootstrap import App
from core.model import Status
from core.ports import UnitOfWork
from core.stats import demand
from core.usecases.assign import AssignOptions


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
    registrations = uow.registrations.list(Status.SUBMITTED)
    rows = demand(registrations, app.env.themes, app.env.campaign.max_preferences)
    return {row.number: row.total for row in rows}
