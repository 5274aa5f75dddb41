"""Group sizes: which totals split into valid groups, and how a theme is split."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.assignment import Instance, Participant, Theme, solve
from core.assignment.groups import Member, group_name, split_groups
from core.assignment.sizes import balanced_sizes, size_rule


def splittable(lo: int, hi: int, groups: int, total: int) -> bool:
    return total == 0 or any(k * lo <= total <= k * hi for k in range(1, groups + 1))


@given(st.integers(0, 9), st.integers(1, 12), st.integers(0, 6), st.integers(0, 80))
def test_size_rule_matches_the_definition(lo: int, extra: int, groups: int, total: int) -> None:
    hi = lo + extra - 1 if lo + extra - 1 >= max(lo, 1) else max(lo, 1)
    rule = size_rule(Theme(1, lo, hi, groups))
    assert rule.valid(total) == splittable(lo, hi, groups, total)
    below, above = rule.below(total), rule.above(total)
    valid = [x for x in range(groups * hi + 1) if splittable(lo, hi, groups, x)]
    assert below == max((x for x in valid if x < total), default=None)
    assert above == min((x for x in valid if x > total), default=None)
    if rule.valid(total) and total:
        sizes = balanced_sizes(total, rule.groups_for(total))
        assert all(lo <= s <= hi for s in sizes) and len(sizes) <= groups


def test_wide_sizes_leave_only_open_or_closed() -> None:
    # max >= 2 * min - 1: every total from min to max_groups * max splits.
    assert size_rule(Theme(1, 6, 12, 4)).intervals == ((0, 0), (6, 48))
    assert size_rule(Theme(1, 4, 5, 2)).intervals == ((0, 0), (4, 5), (8, 10))


def test_group_names() -> None:
    assert [group_name(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]


def members(spec: dict[str | None, int]) -> list[Member]:
    out = []
    for province, n in spec.items():
        out += [Member(f"{province}-{i}", province, i * 7919 % 101) for i in range(n)]
    return out


def test_split_is_balanced_and_keeps_provinces_together() -> None:
    rule = size_rule(Theme(1, 5, 10, 5))
    groups = split_groups(1, members({"Antwerpen": 8, "Limburg": 8, "Oost-Vlaanderen": 7}), rule)
    assert [len(g.members) for g in groups] == [8, 8, 7]
    assert [g.name for g in groups] == ["A", "B", "C"]
    for g in groups:
        assert len({m.split("-")[0] for m in g.members}) == 1


def test_a_province_larger_than_a_group_is_spread_over_as_few_groups_as_possible() -> None:
    rule = size_rule(Theme(1, 4, 6, 4))
    groups = split_groups(1, members({"Limburg": 9, "Antwerpen": 3, None: 3}), rule)
    assert sorted(len(g.members) for g in groups) == [5, 5, 5]
    spread = [sum(m.startswith("Limburg") for m in g.members) for g in groups]
    assert sorted(spread) == [0, 4, 5]
    antwerpen = [g.name for g in groups if any(m.startswith("Antwerpen") for m in g.members)]
    assert len(antwerpen) == 1


def test_solver_groups_are_balanced_and_named() -> None:
    themes = (Theme(1, 3, 5, 4),)
    people = tuple(Participant(f"p{i:02d}", (1,), province="Limburg") for i in range(13))
    sol = solve(Instance(themes, people))
    assert sorted(len(g.members) for g in sol.groups) == [4, 4, 5]
    assert {a.group for a in sol.assignments} == {"A", "B", "C"}
