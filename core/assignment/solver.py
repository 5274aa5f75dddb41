"""Solve an assignment instance: classes -> branch and bound over lexicographic flows ->
seats per participant by seeded lottery within a class -> groups -> explanations."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

from core.assignment.classes import Classes, build_classes, rank_of, score_of, theme_of
from core.assignment.explain import Explainer, Outcome
from core.assignment.flow import Relaxation
from core.assignment.groups import Member, split_groups
from core.assignment.levels import Level, make_levels, unit_max
from core.assignment.model import (
    Assignment,
    Explanation,
    Gap,
    Group,
    Instance,
    Solution,
    Theme,
    Unassigned,
)
from core.assignment.search import SearchResult, search
from core.assignment.sizes import SizeRule, size_rule

_PARTICIPANT = attrgetter("participant")


@dataclass(frozen=True, slots=True)
class _Setup:
    """What every search on one instance shares."""

    classes: Classes
    levels: tuple[Level, ...]
    maxima: tuple[int, ...]
    themes: list[Theme]
    rules: list[SizeRule]
    clock: Callable[[], float]
    deadline: float | None

    def search(self, lower: list[int] | None = None) -> SearchResult:
        c, lv, clock = self.classes, self.levels, self.clock
        return search(c, lv, self.maxima, self.rules, clock, self.deadline, lower)


def solve(instance: Instance, clock: Callable[[], float] = time.perf_counter) -> Solution:
    start = clock()
    classes = build_classes(instance)
    levels = make_levels(instance, classes)
    codes = {code for arcs in classes.arcs for code in arcs}
    themes = sorted(instance.themes, key=lambda t: t.id)
    limit = instance.time_limit_seconds
    setup = _Setup(
        classes,
        levels,
        tuple(unit_max(lv, codes) for lv in levels),
        themes,
        [size_rule(t) for t in themes],
        clock,
        start + limit if limit is not None else None,
    )
    found = setup.search()
    stats = {
        "participants": len(instance.participants),
        "classes": len(classes.mult),
        "nodes": found.nodes,
        "flow_solves": found.stages,
    }
    if found.best is None:
        profile_len = instance.max_list_length + 1
        return Solution(
            "infeasible", (), (), (0,) * profile_len, {}, (), (), (), None, clock() - start, stats
        )
    return _answer(instance, setup, found, found.best, start, stats)


def _answer(
    instance: Instance,
    setup: _Setup,
    found: SearchResult,
    best: Relaxation,
    start: float,
    stats: dict[str, int],
) -> Solution:
    classes = setup.classes
    seat = _seats(classes, best)  # participant index -> arc code
    u = classes.num_themes
    people = instance.participants
    theme_by_id: dict[str, int | None] = {}
    profile = [0] * (instance.max_list_length + 1)
    score = 0
    for p, code in zip(people, seat, strict=True):
        t = theme_of(code)
        theme_by_id[p.id] = classes.theme_ids[t] if t != u else None
        if t != u:
            profile[rank_of(code) - 1] += 1
            score += score_of(code)
    groups = _groups(instance, classes, theme_by_id, setup.rules)
    assignments = _assignments(instance, classes, seat, groups)
    unassigned = tuple(
        sorted(
            (
                Unassigned(p.id, _unassigned_reason(classes, i))
                for i, p in enumerate(people)
                if theme_by_id[p.id] is None
            ),
            key=_PARTICIPANT,
        )
    )
    moved = tuple(
        sorted(
            (pid, before, theme_by_id[pid])
            for pid, before in instance.previous.items()
            if pid in theme_by_id and theme_by_id[pid] != before
        )
    )
    objective = {
        "assigned": len(assignments),
        "unassigned": len(unassigned),
        "outside_list": profile[-1],
        "sum_of_ranks": sum((r + 1) * n for r, n in enumerate(profile)),
        "score": score,
    }
    if instance.previous:
        objective["moved"] = len(moved)
    return Solution(
        status=found.status,
        assignments=assignments,
        unassigned=unassigned,
        profile=tuple(profile),
        objective=objective,
        groups=tuple(groups),
        explanations=_explanations(instance, setup, found, theme_by_id, profile),
        moved=moved,
        gap=_gap(setup.levels, found),
        seconds=setup.clock() - start,
        stats=stats,
    )


def _assignments(
    instance: Instance, classes: Classes, seat: list[int], groups: list[Group]
) -> tuple[Assignment, ...]:
    group_of = {name: g.name for g in groups for name in g.members}
    u, unranked = classes.num_themes, classes.unranked  # an unlisted theme's rank: unranked
    return tuple(
        sorted(
            (
                Assignment(p.id, classes.theme_ids[t], group_of[p.id], None if r == unranked else r)
                for p, code in zip(instance.participants, seat, strict=True)
                if (t := theme_of(code)) != u and (r := rank_of(code)) >= 0
            ),
            key=_PARTICIPANT,
        )
    )


def _explanations(
    instance: Instance,
    setup: _Setup,
    found: SearchResult,
    theme_by_id: dict[str, int | None],
    profile: list[int],
) -> tuple[Explanation, ...]:
    classes, rules, themes = setup.classes, setup.rules, setup.themes
    opened: dict[int, Outcome | None] = {}

    def if_opened(theme_id: int) -> Outcome | None:
        """The best answer on the rule with this theme open (only for a proven optimum)."""
        if found.status != "optimal":
            return None
        if theme_id not in opened:
            index = classes.theme_ids.index(theme_id)
            lower = [0] * len(rules)
            lower[index] = max(rules[index].min_size, 1)
            forced = setup.search(lower)
            found_open = _outcome(classes, forced.best, len(profile))
            if found_open is not None and forced.status != "optimal":
                found_open = Outcome(found_open.profile, found_open.unassigned, proven=False)
            opened[theme_id] = found_open
        return opened[theme_id]

    people = instance.participants
    explainer = Explainer(
        instance,
        theme_by_id,
        {t.id: rule for t, rule in zip(themes, rules, strict=True)},
        {t.id: t.max_groups for t in themes},
        Outcome(tuple(profile), len(people) - sum(profile)) if found.status == "optimal" else None,
        if_opened,
    )
    return explainer.explain(sorted(people, key=attrgetter("id")))


def _outcome(classes: Classes, best: Relaxation | None, length: int) -> Outcome | None:
    if best is None:
        return None
    profile = [0] * length
    unassigned = 0
    for flows in best.flows:
        for code, units in flows:
            if theme_of(code) == classes.num_themes:
                unassigned += units
            else:
                profile[rank_of(code) - 1] += units
    return Outcome(tuple(profile), unassigned)


def _unassigned_reason(classes: Classes, person: int) -> str:
    """`no_allowed_theme` when every theme was excluded or closed for this participant."""
    arcs = classes.arcs[classes.class_of[person]]
    return "no_room" if len(arcs) > 1 else "no_allowed_theme"


def _seats(classes: Classes, best: Relaxation) -> list[int]:
    """Hand each class's seats to its members: better seats (assigned, better rank, higher
    score) to lower lottery numbers; the members are all alike to the rule."""
    seat = [0] * len(classes.lottery)
    u = classes.num_themes
    for c, flows in enumerate(best.flows):
        ordered = sorted(
            flows,
            key=lambda f: (theme_of(f[0]) == u, rank_of(f[0]), -score_of(f[0]), theme_of(f[0])),
        )
        members = iter(classes.members[c])
        for code, units in ordered:
            for _ in range(units):
                seat[next(members)] = code
    return seat


def _groups(
    instance: Instance,
    classes: Classes,
    theme_by_id: dict[str, int | None],
    rules: list[SizeRule],
) -> list[Group]:
    members: dict[int | None, list[Member]] = {t: [] for t in classes.theme_ids}
    members[None] = []  # not placed
    for p, lottery in zip(instance.participants, classes.lottery, strict=True):
        members[theme_by_id[p.id]].append(Member(p.id, p.province, lottery))
    out: list[Group] = []
    for t, rule in zip(classes.theme_ids, rules, strict=True):
        out += split_groups(t, members[t], rule)
    return out


def _gap(levels: tuple[Level, ...], found: SearchResult) -> Gap | None:
    if found.status != "feasible" or found.bound is None or found.best is None:
        return None
    for lv, answer, bound in zip(levels, found.best.values, found.bound, strict=True):
        if answer != bound:
            return Gap(lv.name, answer, bound)
    return None
