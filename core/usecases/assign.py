"""From registrations to published groups: build the solver's input, run it, publish.

The solver (core.assignment) knows nothing of registrations; this module turns submitted
registrations, staff scores, pins and exclusions into its input, and its answer into stored
runs, confirmations, and kick-off reminders.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from core.assignment import Instance, Participant, Solution, Theme, input_hash, solve
from core.assignment.instance import solution_to_dict
from core.audit import log_action
from core.campaign import Env
from core.clock import format_local
from core.model import Actor, AssignmentRun, Reminder, Status
from core.notify import tell
from core.ports import UnitOfWork


@dataclass(frozen=True)
class AssignOptions:
    objective: str = "rank-maximal"
    allow_unranked: bool = True
    seed: int = 0
    time_limit_seconds: float | None = 300.0
    kickoff_before: tuple[timedelta, ...] = (timedelta(days=7), timedelta(days=1))


@dataclass
class DryRun:
    instance: Instance
    solution: Solution
    run: AssignmentRun


def build_instance(uow: UnitOfWork, env: Env, options: AssignOptions) -> Instance:
    scores = uow.assignments.scores()
    pins: dict[str, int] = {}
    excluded: dict[str, set[int]] = defaultdict(set)
    for municipality, theme, kind in uow.assignments.rules():
        if kind == "pin":
            pins[municipality] = theme
        else:
            excluded[municipality].add(theme)
    participants = []
    for registration in uow.registrations.list(Status.SUBMITTED):
        m = registration.municipality
        found = env.municipalities.get(m)
        participants.append(
            Participant(
                id=m,
                preferences=tuple(registration.preferences),
                scores={t: s for (mm, t), s in scores.items() if mm == m},
                pin=pins.get(m),
                exclude=frozenset(excluded.get(m, set())),
                province=found.province if found else None,
            )
        )
    published = uow.assignments.published_run()
    previous = {
        a["participant"]: a["theme"]
        for a in (published.result if published else {}).get("assignments", [])
    }
    themes = tuple(Theme(t.number, t.min_size, t.max_size, t.max_groups) for t in env.themes)
    return Instance(
        themes=themes,
        participants=tuple(participants),
        objective=options.objective,  # type: ignore[arg-type]
        allow_unranked=options.allow_unranked,
        seed=options.seed,
        previous={k: v for k, v in previous.items() if any(p.id == k for p in participants)},
        time_limit_seconds=options.time_limit_seconds,
    )


def dry_run(uow: UnitOfWork, env: Env, options: AssignOptions, actor: Actor) -> DryRun:
    """Solve and keep the run (not published): the report and a later publish read it."""
    instance = build_instance(uow, env, options)
    solution = solve(instance)
    result = solution_to_dict(solution)
    result["objective_rule"] = instance.objective
    result["allow_unranked"] = instance.allow_unranked
    run = AssignmentRun(
        created_at=env.clock.now(),
        created_by=actor.label(),
        status=solution.status,
        seed=instance.seed,
        input_hash=input_hash(instance),
        result=result,
    )
    uow.assignments.add_run(run)
    log_action(
        uow,
        run.created_at,
        actor,
        "assignment.computed",
        f"run:{run.id}",
        status=solution.status,
        input_hash=run.input_hash,
    )
    return DryRun(instance, solution, run)


def publish(
    uow: UnitOfWork, env: Env, run: AssignmentRun, actor: Actor, options: AssignOptions
) -> int:
    """Store the run as the assignment and tell everyone whose outcome is new or changed."""
    assert run.id is not None
    if run.status == "infeasible":
        raise ValueError("an infeasible run cannot be published")
    now = env.clock.now()
    before = uow.assignments.published_run()
    old = {
        a["participant"]: (a["theme"], a["group"])
        for a in (before.result if before else {}).get("assignments", [])
    }
    uow.assignments.mark_published(run.id, now)
    members: dict[tuple[int, str], list[str]] = defaultdict(list)
    for a in run.result["assignments"]:
        members[(a["theme"], a["group"])].append(a["participant"])
    told = 0
    for a in run.result["assignments"]:
        m, theme_number, group = a["participant"], a["theme"], a["group"]
        if old.get(m) == (theme_number, group):
            continue
        contacts = uow.contacts.for_municipality(m)
        params = _confirmation(
            env, m, theme_number, group, members[(theme_number, group)], a["rank"]
        )
        told += len(tell(uow, contacts, "assignment.confirmed", params, f"run{run.id}", now))
        _plan_kickoff(uow, env, run, contacts, m, theme_number, group, options)
    for u in run.result["unassigned"]:
        if u["participant"] in old or before is None:
            contacts = uow.contacts.for_municipality(u["participant"])
            params = {
                "municipality_name": env.municipality_name(u["participant"]),
                "reason": u["reason"],
            }
            told += len(tell(uow, contacts, "assignment.unassigned", params, f"run{run.id}", now))
    log_action(uow, now, actor, "assignment.published", f"run:{run.id}", messages=told)
    return told


def _confirmation(
    env: Env,
    municipality: str,
    theme_number: int,
    group: str,
    group_members: list[str],
    rank: int | None,
) -> dict[str, Any]:
    theme = env.themes.get(theme_number)
    assert theme is not None
    return {
        "municipality_name": env.municipality_name(municipality),
        "theme": theme_number,
        "theme_title_nl": theme.title_nl,
        "theme_title_en": theme.title_en,
        "group": group,
        "rank": rank,
        "others": sorted(env.municipality_name(o) for o in group_members if o != municipality),
        "kernmeesters": [{"name": k.name, "email": k.email} for k in theme.kernmeesters],
        "kickoff_at": theme.kickoff_at.isoformat() if theme.kickoff_at else None,
        "kickoff_local": format_local(theme.kickoff_at) if theme.kickoff_at else "",
        "kickoff_place": theme.kickoff_place,
    }


def _plan_kickoff(
    uow: UnitOfWork,
    env: Env,
    run: AssignmentRun,
    contacts: list[Any],
    municipality: str,
    theme_number: int,
    group: str,
    options: AssignOptions,
) -> None:
    theme = env.themes.get(theme_number)
    if theme is None or theme.kickoff_at is None:
        return
    for contact in contacts:
        for before in options.kickoff_before:
            due = theme.kickoff_at - before
            key = f"kickoff:{run.id}:{contact.id}:{int(before.total_seconds())}"
            subject = f"{municipality}:{theme_number}:{group}"
            uow.reminders.add(Reminder(key, "reminder.kickoff", due, contact.id, subject=subject))
