"""From registrations to published groups: build the solver's input, run it, publish.

The solver (core.assignment) knows nothing of registrations; this module turns submitted
registrations, staff scores, pins and exclusions into its input, and its answer into stored
runs, confirmations, and kick-off reminders.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from core.assignment import (
    Assignment,
    Explanation,
    Instance,
    Participant,
    RunResult,
    Solution,
    Theme,
    input_hash,
    solve,
    wording,
)
from core.audit import log_action
from core.campaign import Env
from core.clock import format_local
from core.i18n import LANGUAGES
from core.model import Actor, AssignmentRun, OutboxStatus, Reminder, Status
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
    previous = published.result.theme_of() if published else {}
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


def compute(
    env: Env, instance: Instance, actor: Actor, timer: Callable[[], float] = time.perf_counter
) -> DryRun:
    """The solver's answer as a run to store: no database, so it may take its time. `timer`
    is the solver's stopwatch (for its time limit)."""
    solution = solve(instance, timer)
    result = RunResult(
        solution=solution,
        objective_rule=instance.objective,
        order=instance.order,
        allow_unranked=instance.allow_unranked,
        preferences={p.id: p.preferences for p in instance.participants},
    )
    run = AssignmentRun(
        created_at=env.clock.now(),
        created_by=actor.label(),
        status=solution.status,
        seed=instance.seed,
        input_hash=input_hash(instance),
        result=result,
    )
    return DryRun(instance, solution, run)


def record(uow: UnitOfWork, run: AssignmentRun, actor: Actor) -> None:
    """Store a computed run (not published) and audit it."""
    uow.assignments.add_run(run)
    log_action(
        uow,
        run.created_at,
        actor,
        "assignment.computed",
        f"run:{run.id}",
        status=run.status,
        input_hash=run.input_hash,
    )


def moves(
    before: AssignmentRun | None, run: AssignmentRun
) -> list[tuple[str, int | None, int | None]]:
    """Who would change theme (or lose or gain one) if `run` replaced the published `before`."""
    if before is None:
        return []
    old: dict[str, int] = before.result.theme_of()
    new: dict[str, int] = run.result.theme_of()
    return sorted(
        (m, old.get(m), new.get(m)) for m in old.keys() | new.keys() if old.get(m) != new.get(m)
    )


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
        a.participant: (a.theme, a.group)
        for a in (before.result.solution.assignments if before else ())
    }
    uow.assignments.mark_published(run.id, now)
    solution = run.result.solution
    members = {(g.theme, g.name): g.members for g in solution.groups}
    told = 0
    explained = solution.explained()
    for a in solution.assignments:
        m, theme_number, group = a.participant, a.theme, a.group
        if old.get(m) == (theme_number, group):
            continue
        contacts = uow.contacts.for_municipality(m)
        params = _confirmation(
            env, m, theme_number, group, list(members.get((theme_number, group), ())), a.rank
        )
        params["outside_reason"] = _outside_reason(a, explained.get(m))
        told += len(tell(uow, contacts, "assignment.confirmed", params, f"run{run.id}", now))
        _plan_kickoff(uow, env, run, contacts, m, theme_number, group, options)
    for u in solution.unassigned:
        if u.participant in old or before is None:
            contacts = uow.contacts.for_municipality(u.participant)
            params = {
                "municipality_name": env.municipality_name(u.participant),
                "reason": u.reason,
            }
            told += len(tell(uow, contacts, "assignment.unassigned", params, f"run{run.id}", now))
    cancelled = close_registration(uow, now)
    log_action(
        uow, now, actor, "assignment.published", f"run:{run.id}", messages=told, cancelled=cancelled
    )
    return told


REGISTRATION_REMINDERS = ("reminder.invited", "reminder.draft", "reminder.pending")


def close_registration(uow: UnitOfWork, now: Any) -> int:
    """Publication closes registration (core.campaign.closed_by_publication): invitations
    still queued and reminders to register are cancelled, for everyone, so no municipality
    is asked to register once the groups are known. Kick-off reminders stay."""
    cancelled = 0
    for message in uow.outbox.list(OutboxStatus.QUEUED, limit=1_000_000):
        if message.kind == "invitation" and message.id is not None:
            uow.outbox.mark_failed(
                message.id, "registration closed by publication", OutboxStatus.CANCELLED
            )
            cancelled += 1
    for reminder in uow.reminders.list(sent=False):
        if reminder.kind in REGISTRATION_REMINDERS and not reminder.cancelled:
            assert reminder.id is not None
            uow.reminders.mark(reminder.id, None, True)
            cancelled += 1
    return cancelled


def _outside_reason(assignment: Assignment, explanation: Explanation | None) -> dict[str, str]:
    """For a theme outside the municipality's list: one sentence per language saying why
    none of its own themes could be given (the first explanation, about its first choice)."""
    if assignment.rank is not None or not explanation or not explanation.why_not:
        return {}
    first = explanation.why_not[0]
    return {language: wording.why_not(first, language) for language in LANGUAGES}


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
