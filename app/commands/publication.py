"""`leertraject assign --publish`: show what would be published, ask, then publish in one
short transaction (the run must still match the current inputs)."""

from __future__ import annotations

from typing import Any

import click

from app.assigning import InputsChanged, assign_options, compute_and_record, current_hash
from app.bootstrap import App
from core.model import Actor, AssignmentRun
from core.ports import UnitOfWork
from core.usecases.assign import moves, publish


def load_run(app: App, run_id: int) -> AssignmentRun:
    with app.uow() as uow:
        run = uow.assignments.get_run(run_id)
    if run is None:
        raise ValueError(f"Er is geen run {run_id}.")
    return run


def summary(run: AssignmentRun, told: int | None) -> dict[str, Any]:
    assert run.id is not None
    return {
        "run": run.id,
        "status": run.status,
        "published": told is not None,
        "messages": told,
        "profile": run.result["profile"],
        "assigned": len(run.result["assignments"]),
        "unassigned": len(run.result["unassigned"]),
        "seconds": run.result["seconds"],
        "input_hash": run.input_hash,
        "moved": [],
    }


def describe(app: App, shown: dict[str, Any]) -> str:
    lines = [
        f"Run {shown['run']}: {shown['status']}, {shown['assigned']} geplaatst, "
        f"{shown['unassigned']} niet, profiel {shown['profile']}, {shown['seconds']} s."
    ]
    if shown["moved"]:
        lines.append(f"{len(shown['moved'])} gemeente(n) verschuiven t.o.v. de publicatie:")
        for m in shown["moved"]:
            before = f"thema {m['from']}" if m["from"] is not None else "geen thema"
            after = f"thema {m['to']}" if m["to"] is not None else "geen thema"
            lines.append(f"  {app.env.municipality_name(m['participant'])}: {before} -> {after}")
    return "\n".join(lines)


def publish_run(app: App, actor: Actor, run_id: int | None, yes: bool) -> dict[str, Any]:
    """Publish run `run_id` (or a fresh one): shown with who moves, confirmed unless `yes`."""
    run = load_run(app, run_id) if run_id is not None else compute_and_record(app, actor)
    if run.status == "infeasible":
        raise ValueError(
            f"Run {run.id} heeft geen oplossing (infeasible) en kan niet gepubliceerd worden."
        )
    with app.uow() as uow:
        before = uow.assignments.published_run()
    if before is not None and before.id == run.id:
        raise ValueError(f"Run {run.id} is al gepubliceerd.")
    shown = summary(run, None)
    shown["moved"] = [{"participant": m, "from": a, "to": b} for m, a, b in moves(before, run)]
    click.echo(describe(app, shown), err=True)
    if not yes and not click.confirm(f"Run {run.id} publiceren?", err=True):
        raise click.Abort()

    def work(uow: UnitOfWork) -> int:
        if current_hash(uow, app) != run.input_hash:
            raise InputsChanged(
                f"De inschrijvingen of beslissingen zijn veranderd sinds run {run.id}; "
                "bereken een nieuwe run (assign --dry-run)."
            )
        latest = uow.assignments.published_run()
        if latest is not None and (before is None or latest.id != before.id):
            raise InputsChanged("Intussen werd een andere run gepubliceerd; bekijk die eerst.")
        return publish(uow, app.env, run, actor, assign_options(app))

    told = app.transaction(work)
    return {**shown, "published": True, "messages": told}
