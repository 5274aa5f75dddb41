"""`leertraject assign --publish`: show what would be published, ask, then publish in one
short transaction (the run must still match the current inputs)."""

from __future__ import annotations

from typing import Any

import click

from app.assigning import InputsChanged, assign_options, compute_and_record
from app.bootstrap import App
from app.commands.output import say
from core.model import Actor, AssignmentRun
from core.ports import UnitOfWork
from core.usecases.assign import moves
from core.usecases.assign_staff import PublishRefused, publish_checked


def load_run(app: App, run_id: int) -> AssignmentRun:
    with app.uow() as uow:
        run = uow.assignments.get_run(run_id)
    if run is None:
        raise ValueError(say("cli.assign.no_run", run=run_id))
    return run


def summary(run: AssignmentRun, told: int | None) -> dict[str, Any]:
    assert run.id is not None
    return {
        "run": run.id,
        "status": run.status,
        "published": told is not None,
        "messages": told,
        "profile": list(run.result.solution.profile),
        "assigned": run.result.placed,
        "unassigned": run.result.participants - run.result.placed,
        "seconds": round(run.result.solution.seconds, 4),
        "input_hash": run.input_hash,
        "moved": [],
    }


def describe(app: App, shown: dict[str, Any]) -> str:
    keys = ("run", "status", "assigned", "unassigned", "profile", "seconds")
    lines = [say("cli.assign.describe", **{k: shown[k] for k in keys})]
    if shown["moved"]:
        lines.append(say("cli.assign.moved", count=len(shown["moved"])))
        for m in shown["moved"]:
            name = app.env.municipality_name(m["participant"])
            before, after = _theme(m["from"]), _theme(m["to"])
            lines.append(f"  {say('cli.assign.move', name=name, before=before, after=after)}")
    return "\n".join(lines)


def _theme(number: int | None) -> str:
    return say("cli.assign.no_theme") if number is None else say("cli.assign.theme", theme=number)


def publish_run(app: App, actor: Actor, run_id: int | None, yes: bool) -> dict[str, Any]:
    """Publish run `run_id` (or a fresh one): shown with who moves, confirmed unless `yes`."""
    run = load_run(app, run_id) if run_id is not None else compute_and_record(app, actor)
    if run.status == "infeasible":
        raise ValueError(say("cli.assign.infeasible", run=run.id))
    with app.uow() as uow:
        before = uow.assignments.published_run()
    if before is not None and before.id == run.id:
        raise ValueError(say("cli.assign.already_published", run=run.id))
    shown = summary(run, None)
    shown["moved"] = [{"participant": m, "from": a, "to": b} for m, a, b in moves(before, run)]
    click.echo(describe(app, shown), err=True)
    if not yes and not click.confirm(say("cli.assign.confirm_publish", run=run.id), err=True):
        raise click.Abort()

    def work(uow: UnitOfWork) -> int:
        assert run.id is not None
        seen = before.id if before is not None else None
        try:
            return publish_checked(uow, app.env, run.id, seen, actor, assign_options(app), True)
        except PublishRefused as refused:  # the deadline was checked before computing
            raise InputsChanged(say(refused.key, **refused.params)) from refused

    told = app.transaction(work)
    return {**shown, "published": True, "messages": told}
