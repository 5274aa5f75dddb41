"""Staff's part in the assignment, the same for `leertraject assign` and the console: pins,
exclusions and fit scores (audited), comparing runs, and publishing a run only while it still
matches the inputs it was computed from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.assignment import input_hash
from core.audit import log_action
from core.campaign import Env
from core.model import Actor, AssignmentRun, Status
from core.ports import UnitOfWork
from core.stats import demand
from core.usecases.assign import AssignOptions, build_instance, publish


class PublishRefused(ValueError):
    """Why a run is not published: a text key (cli.assign.*) and its parameters."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def decide(
    uow: UnitOfWork,
    env: Env,
    actor: Actor,
    municipality: str,
    theme: int | None,
    kind: str | None,
    action: str,
) -> None:
    """Pin (`kind` "pin"), exclude ("exclude") or allow again (None) a theme for one
    municipality; without a theme, remove its pin whatever theme it was. Audited as `action`."""
    if theme is None:
        for m, t, k in uow.assignments.rules():
            if m == municipality and k == "pin":
                uow.assignments.set_rule(m, t, None)
    else:
        uow.assignments.set_rule(municipality, theme, kind)
    log_action(uow, env.clock.now(), actor, action, municipality, theme=theme)


def set_score(
    uow: UnitOfWork, env: Env, actor: Actor, municipality: str, theme: int, score: int
) -> None:
    """How well a municipality fits a theme (0-3), audited."""
    if not 0 <= score <= 3:
        raise ValueError("a fit score is 0 to 3")
    uow.assignments.set_score(municipality, theme, score)
    log_action(
        uow, env.clock.now(), actor, "assignment.scored", municipality, theme=theme, score=score
    )


def current_hash(uow: UnitOfWork, env: Env, options: AssignOptions) -> str:
    """The input hash a run computed now would carry."""
    return input_hash(build_instance(uow, env, options))


def publish_checked(
    uow: UnitOfWork,
    env: Env,
    run_id: int,
    seen_published: int | None,
    actor: Actor,
    options: AssignOptions,
    before_deadline: bool = False,
) -> int:
    """Publish run `run_id` as `assign --publish` does, in the caller's one transaction, if
    nothing changed since staff confirmed it: the run still matches the inputs, and the
    published run is still `seen_published` (the one the confirmation compared against).
    Returns how many confirmations were queued in the outbox."""
    run = uow.assignments.get_run(run_id)
    if run is None:
        raise PublishRefused("cli.assign.no_run", run=run_id)
    if run.status == "infeasible":
        raise PublishRefused("cli.assign.infeasible", run=run_id)
    if not env.deadline_passed() and not before_deadline:
        raise PublishRefused("cli.assign.before_deadline")
    latest = uow.assignments.published_run()
    if latest is not None and latest.id == run.id:
        raise PublishRefused("cli.assign.already_published", run=run_id)
    if current_hash(uow, env, options) != run.input_hash:
        raise PublishRefused("cli.assign.inputs_changed", run=run_id)
    if (latest.id if latest else None) != seen_published:
        raise PublishRefused("cli.assign.other_published")
    return publish(uow, env, run, actor, options)


def themes_of(run: AssignmentRun) -> dict[str, int]:
    """Municipality -> theme of one run (who is not placed is not in it)."""
    return run.result.theme_of()


@dataclass(frozen=True)
class Figures:
    """One run's objective figures, as compared side by side."""

    run: AssignmentRun
    assigned: int
    unassigned: int
    outside_list: int
    sum_of_ranks: int
    score: int
    profile: tuple[int, ...]
    sizes: dict[int, int]  # theme -> members
    groups: dict[int, int]  # theme -> groups


@dataclass(frozen=True)
class Comparison:
    runs: list[Figures]
    themes: list[int]
    # who does not have the same theme in every run: municipality, its theme per run
    moved: list[tuple[str, tuple[int | None, ...]]] = field(default_factory=list)


def figures(run: AssignmentRun) -> Figures:
    solution = run.result.solution
    objective = solution.objective
    sizes: dict[int, int] = {}
    for theme in themes_of(run).values():
        sizes[theme] = sizes.get(theme, 0) + 1
    groups: dict[int, int] = {}
    for group in solution.groups:
        groups[group.theme] = groups.get(group.theme, 0) + 1
    return Figures(
        run=run,
        assigned=len(solution.assignments),
        unassigned=len(solution.unassigned),
        outside_list=int(objective.get("outside_list", 0)),
        sum_of_ranks=int(objective.get("sum_of_ranks", 0)),
        score=int(objective.get("score", 0)),
        profile=tuple(solution.profile),
        sizes=sizes,
        groups=groups,
    )


def compare(runs: list[AssignmentRun], themes: list[int]) -> Comparison:
    """Two or more runs side by side: their figures, theme sizes, and who moves between them."""
    shown = [figures(r) for r in runs]
    placed = [themes_of(r) for r in runs]
    everyone = sorted(set().union(*placed)) if placed else []
    moved = [
        (m, tuple(p.get(m) for p in placed))
        for m in everyone
        if len({p.get(m) for p in placed}) > 1
    ]
    return Comparison(shown, themes, moved)


def theme_demand(uow: UnitOfWork, env: Env) -> dict[int, int]:
    """How many submitted registrations list each theme anywhere (the report's demand)."""
    registrations = uow.registrations.list(Status.SUBMITTED)
    rows = demand(registrations, env.themes, env.campaign.max_preferences)
    return {row.number: row.total for row in rows}
