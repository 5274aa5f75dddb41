"""The solver against an independent brute force on small instances."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core.assignment.flow as flow
from core.assignment import Instance, Participant, Solution, Theme, solve
from tests.unit.test_assignment_explain import assert_consistent


@pytest.fixture(params=[None, 1], ids=["packed-stages", "one-level-per-stage"])
def stages(request: pytest.FixtureRequest) -> Iterator[None]:
    """Small instances fit all levels in one flow; one level per stage makes them exercise
    the exact fixing between stages that large instances rely on."""
    saved = flow.MAX_LEVELS_PER_STAGE
    flow.MAX_LEVELS_PER_STAGE = request.param
    yield
    flow.MAX_LEVELS_PER_STAGE = saved


def valid_total(theme: Theme, total: int) -> bool:
    if total == 0:
        return True
    return any(
        k * theme.min_size <= total <= k * theme.max_size for k in range(1, theme.max_groups + 1)
    )


def options(inst: Instance, p: Participant) -> list[int | None]:
    if p.pin is not None:
        return [p.pin]
    ids = [t.id for t in inst.themes]
    allowed: list[int | None] = [
        t for t in ids if t not in p.exclude and (t in p.preferences or inst.allow_unranked)
    ]
    return [*allowed, None]


def rule_key(inst: Instance, choice: dict[str, int | None]) -> tuple[int, ...]:
    """The published rule as one tuple to minimise, written independently of the solver."""
    longest = max((len(p.preferences) for p in inst.participants), default=0)
    unranked = longest + 1
    ranks = []
    score = 0
    for p in inst.participants:
        t = choice[p.id]
        if t is not None:
            ranks.append(p.preferences.index(t) + 1 if t in p.preferences else unranked)
            score += p.scores.get(t, 0)
    unassigned = len(inst.participants) - len(ranks)
    moved = sum(1 for pid, t in inst.previous.items() if pid in choice and choice[pid] != t)
    if inst.objective == "rank-maximal":
        rank_part = tuple(-ranks.count(r) for r in range(1, unranked + 1))
    else:
        rank_part = (sum(ranks),)
    if inst.order == "ranks-first":
        return (unassigned, moved, *rank_part, -score)
    outside = ranks.count(unranked)
    return (unassigned, outside, moved, *rank_part, -score)


def brute_force(inst: Instance) -> tuple[int, ...] | None:
    people = inst.participants
    best: tuple[int, ...] | None = None
    for combo in itertools.product(*(options(inst, p) for p in people)):
        totals = {t.id: 0 for t in inst.themes}
        for t in combo:
            if t is not None:
                totals[t] += 1
        if not all(valid_total(t, totals[t.id]) for t in inst.themes):
            continue
        key = rule_key(inst, {p.id: t for p, t in zip(people, combo, strict=True)})
        if best is None or key < best:
            best = key
    return best


def check_valid(inst: Instance, sol: Solution) -> dict[str, int | None]:
    choice: dict[str, int | None] = {p.id: None for p in inst.participants}
    by_id = {p.id: p for p in inst.participants}
    for a in sol.assignments:
        assert choice[a.participant] is None
        choice[a.participant] = a.theme
        p = by_id[a.participant]
        assert a.theme in options(inst, p)
        assert a.rank == (p.preferences.index(a.theme) + 1 if a.theme in p.preferences else None)
    assert {u.participant for u in sol.unassigned} == {k for k, v in choice.items() if v is None}
    for p in inst.participants:
        if p.pin is not None:
            assert choice[p.id] == p.pin
    for t in inst.themes:
        sizes = [len(g.members) for g in sol.groups if g.theme == t.id]
        assert all(t.min_size <= s <= t.max_size for s in sizes)
        assert len(sizes) <= t.max_groups
        assert sum(sizes) == sum(1 for v in choice.values() if v == t.id)
        assert not sizes or max(sizes) - min(sizes) <= 1
    return choice


@st.composite
def instances(draw: st.DrawFn, max_people: int = 6) -> Instance:
    n_themes = draw(st.integers(2, 4))
    themes = []
    for tid in range(1, n_themes + 1):
        lo = draw(st.integers(0, 3))
        hi = draw(st.integers(max(lo, 1), 4))
        themes.append(Theme(tid, lo, hi, draw(st.integers(0, 2))))
    ids = [t.id for t in themes]
    people = []
    for i in range(draw(st.integers(1, max_people))):
        prefs = draw(st.permutations(ids))[: draw(st.integers(0, n_themes))]
        scores = {t: draw(st.integers(0, 3)) for t in ids if draw(st.booleans())}
        exclude = frozenset(t for t in ids if draw(st.integers(0, 5)) == 0)
        pin = draw(st.sampled_from([None, None, None, *ids]))
        if pin in exclude:
            pin = None
        people.append(Participant(f"p{i}", tuple(prefs), scores, pin, exclude))
    previous = {p.id: draw(st.sampled_from(ids)) for p in people if draw(st.integers(0, 3)) == 0}
    return Instance(
        themes=tuple(themes),
        participants=tuple(people),
        objective=draw(st.sampled_from(["rank-maximal", "sum-of-ranks"])),
        allow_unranked=draw(st.booleans()),
        seed=draw(st.integers(0, 3)),
        previous=previous,
        order=draw(st.sampled_from(["inside-first", "inside-first", "ranks-first"])),
    )


def assert_matches_brute_force(inst: Instance) -> None:
    best = brute_force(inst)
    sol = solve(inst)
    if best is None:
        assert sol.status == "infeasible"
        return
    assert sol.status == "optimal"
    choice = check_valid(inst, sol)
    assert rule_key(inst, choice) == best
    assert_consistent(inst, sol)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(inst=instances())
def test_random_small_instances_match_brute_force(stages: None, inst: Instance) -> None:
    assert_matches_brute_force(inst)


def test_seven_participants_four_themes_match_brute_force(stages: None) -> None:
    rng = random.Random(7)
    for _ in range(3):
        themes = tuple(
            Theme(t, rng.randint(1, 3), rng.randint(3, 4), rng.randint(1, 2)) for t in (1, 2, 3, 4)
        )
        people = tuple(
            Participant(f"m{i:02d}", tuple(rng.sample([1, 2, 3, 4], 3)), {rng.randint(1, 4): 3})
            for i in range(7)
        )
        assert_matches_brute_force(Instance(themes, people, seed=rng.randint(0, 99)))


FIVE = (
    Participant("a", (1, 3)),
    Participant("b", (3, 1)),
    Participant("c", (3, 2)),
    Participant("d", (2,)),
    Participant("e", (3,)),
)
ONE_GROUP_OF_2_TO_4 = tuple(Theme(t, 2, 4, 1) for t in (1, 2, 3))


def test_nobody_outside_their_list_while_everyone_can_be_inside(stages: None) -> None:
    """Issue 11's instance: the old rule gave [4, 0, 1] (someone outside their list to win
    first choices); the published rule must give [3, 2, 0], everyone inside their list."""
    inst = Instance(ONE_GROUP_OF_2_TO_4, FIVE)
    sol = solve(inst)
    assert sol.status == "optimal"
    assert sol.profile == (3, 2, 0)
    assert all(a.rank is not None for a in sol.assignments)
    assert sol.objective["outside_list"] == 0
    assert_matches_brute_force(inst)


def test_the_old_order_is_only_an_explicit_option(stages: None) -> None:
    inst = Instance(ONE_GROUP_OF_2_TO_4, FIVE, order="ranks-first")
    sol = solve(inst)
    assert sol.profile == (4, 0, 1)
    assert_matches_brute_force(inst)
