"""The published rule on crafted instances a member of staff could check by hand."""

from __future__ import annotations

from core.assignment import Instance, Participant, Solution, Theme, solve
from core.assignment.model import Objective


def person(pid: str, *prefs: int, **kw: object) -> Participant:
    return Participant(pid, tuple(prefs), **kw)  # type: ignore[arg-type]


def themes(*specs: tuple[int, int, int, int]) -> tuple[Theme, ...]:
    return tuple(Theme(*s) for s in specs)


def got(sol: Solution) -> dict[str, int | None]:
    out: dict[str, int | None] = {u.participant: None for u in sol.unassigned}
    out.update({a.participant: a.theme for a in sol.assignments})
    return out


def test_pin_to_an_unlisted_theme_wins_even_without_unranked() -> None:
    inst = Instance(
        themes((1, 1, 3, 1), (2, 1, 3, 1)),
        (person("a", 1, pin=2), person("b", 1)),
        allow_unranked=False,
    )
    sol = solve(inst)
    assert sol.status == "optimal"
    assert got(sol) == {"a": 2, "b": 1}
    assert {a.participant: a.rank for a in sol.assignments} == {"a": None, "b": 1}
    assert sol.profile == (1, 1)  # rank 1, unranked


def test_excluded_theme_is_never_given() -> None:
    inst = Instance(
        themes((1, 1, 5, 1), (2, 1, 5, 1)),
        (person("a", 1, 2, exclude=frozenset({1})), person("b", 1, 2)),
    )
    assert got(solve(inst)) == {"a": 2, "b": 1}


def test_theme_below_minimum_is_not_opened_and_its_candidates_move_on() -> None:
    inst = Instance(
        themes((1, 3, 5, 1), (2, 1, 5, 1)),
        (person("a", 1, 2), person("b", 1, 2), person("c", 2)),
        allow_unranked=False,
    )
    sol = solve(inst)
    assert got(sol) == {"a": 2, "b": 2, "c": 2}
    assert [g.theme for g in sol.groups] == [2]


def test_min_size_gap_leaves_totals_six_and_seven_impossible() -> None:
    # min 4, max 5, two groups: valid totals 0, 4-5, 8-10.
    def run(n: int) -> Solution:
        people = tuple(person(f"p{i}", 1) for i in range(n))
        return solve(Instance(themes((1, 4, 5, 2)), people, allow_unranked=False))

    assert [len(run(n).assignments) for n in (3, 4, 5, 6, 7, 8, 11)] == [0, 4, 5, 5, 5, 8, 10]
    assert sorted(len(g.members) for g in run(9).groups) == [4, 5]


def test_pins_over_capacity_are_infeasible() -> None:
    inst = Instance(themes((1, 1, 2, 1)), tuple(person(f"p{i}", 1, pin=1) for i in range(3)))
    sol = solve(inst)
    assert sol.status == "infeasible"
    assert sol.assignments == ()


def test_pins_that_cannot_reach_the_minimum_are_infeasible() -> None:
    inst = Instance(
        themes((1, 3, 5, 1), (2, 1, 5, 1)),
        (person("a", 1, pin=1), person("b", 2, exclude=frozenset({1}))),
    )
    assert solve(inst).status == "infeasible"


def test_allow_unranked_seats_the_last_one_elsewhere_only_when_on() -> None:
    people = (person("a", 1), person("b", 1), person("c", 1))
    spec = themes((1, 1, 2, 1), (2, 1, 2, 1))
    on = solve(Instance(spec, people, allow_unranked=True, seed=3))
    off = solve(Instance(spec, people, allow_unranked=False, seed=3))
    assert on.profile == (2, 1) and len(on.unassigned) == 0
    assert [a.rank for a in on.assignments if a.theme == 2] == [None]
    assert off.profile == (2, 0) and len(off.unassigned) == 1
    assert off.unassigned[0].reason == "no_room"


def test_unlisted_theme_is_not_used_when_it_assigns_nobody_extra() -> None:
    people = (person("a", 1, 2), person("b", 1, 2))
    sol = solve(Instance(themes((1, 1, 1, 1), (2, 1, 1, 1), (3, 1, 5, 1)), people))
    assert sol.profile == (1, 1, 0)


def objective_instance(objective: Objective) -> Instance:
    # Themes 8 and 9 cannot open: they only fill up c's list so that C is c's 4th choice.
    spec = themes((1, 1, 1, 1), (2, 1, 1, 1), (3, 1, 1, 1), (8, 1, 1, 0), (9, 1, 1, 0))
    people = (person("a", 1, 2), person("b", 2, 3), person("c", 1, 8, 9, 3))
    return Instance(spec, people, objective=objective, allow_unranked=False)


def test_rank_maximal_and_sum_of_ranks_differ_on_a_crafted_instance() -> None:
    rank_maximal = solve(objective_instance("rank-maximal"))
    sum_of_ranks = solve(objective_instance("sum-of-ranks"))
    assert got(rank_maximal) == {"a": 1, "b": 2, "c": 3}
    assert rank_maximal.profile == (2, 0, 0, 1, 0)
    assert got(sum_of_ranks) == {"a": 2, "b": 3, "c": 1}
    assert sum_of_ranks.profile == (1, 2, 0, 0, 0)
    assert sum_of_ranks.objective["sum_of_ranks"] == 5 < rank_maximal.objective["sum_of_ranks"]


def test_fit_score_breaks_equal_profiles() -> None:
    spec = themes((1, 1, 1, 1), (2, 1, 1, 1))
    people = (person("a", 1, 2, scores={2: 3}), person("b", 1, 2, scores={1: 2}))
    for seed in range(5):
        sol = solve(Instance(spec, people, seed=seed))
        assert got(sol) == {"a": 2, "b": 1}
        assert sol.objective["score"] == 5


def test_stability_keeps_published_seats_before_better_ranks() -> None:
    spec = themes((1, 1, 1, 1), (2, 1, 1, 1))
    people = (person("a", 1, 2), person("b", 2, 1))
    fresh = solve(Instance(spec, people))
    assert got(fresh) == {"a": 1, "b": 2}
    rerun = solve(Instance(spec, people, previous={"a": 2, "b": 1}))
    assert got(rerun) == {"a": 2, "b": 1}
    assert rerun.moved == ()
    assert rerun.objective["moved"] == 0


def test_stability_still_moves_someone_to_seat_one_more() -> None:
    spec = themes((1, 1, 1, 1), (2, 1, 1, 1))
    people = (person("a", 1, 2), person("newcomer", 1))
    sol = solve(Instance(spec, people, previous={"a": 1}, allow_unranked=False))
    assert got(sol) == {"a": 2, "newcomer": 1}
    assert sol.moved == (("a", 1, 2),)


def test_previous_entries_of_withdrawn_participants_are_ignored() -> None:
    inst = Instance(themes((1, 1, 3, 1)), (person("a", 1),), previous={"gone": 1})
    assert solve(inst).status == "optimal"


def test_time_limit_answer_is_feasible_with_a_gap() -> None:
    # The relaxations keep landing in size gaps, so the proof needs several nodes; a clock
    # that jumps past the limit after the root stops the search at the first valid answer.
    spec = themes((1, 3, 4, 1), (2, 3, 4, 2), (3, 3, 4, 2), (4, 3, 4, 2))
    lists = ["231", "314", "341", "314", "321", "324", "234", "432", "134", "132"]
    people = tuple(person(f"p{i}", *map(int, x)) for i, x in enumerate(lists))
    exact = solve(Instance(spec, people))
    assert exact.status == "optimal" and exact.gap is None
    ticks = iter([0.0] + [100.0] * 10_000)
    limited = solve(Instance(spec, people, time_limit_seconds=1.0), clock=lambda: next(ticks))
    assert limited.status == "feasible"
    assert limited.gap is not None and limited.gap.bound < limited.gap.answer
    assert len(limited.assignments) == len(exact.assignments) == 10
    assert limited.stats["nodes"] < exact.stats["nodes"]
