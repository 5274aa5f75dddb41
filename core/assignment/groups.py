"""Splitting a theme's participants into named groups of balanced size.

The number of groups is the fewest that fit (ceil(total / max_size)); sizes then differ by at
most one and lie within [min_size, max_size] because the total is valid. Participants of
one province are kept together where the sizes allow: provinces are placed whole, largest
first, into the group with the least room that still holds them (best fit); a province too
large for any remaining room is spread over the roomiest groups; participants without a
province fill what is left. It is a greedy rule, not an optimal packing.
"""

from __future__ import annotations

from operator import itemgetter
from typing import NamedTuple

from core.assignment.model import Group
from core.assignment.sizes import SizeRule, balanced_sizes


class Member(NamedTuple):  # a tuple: one per placed participant, made by the hundred thousand
    participant: str
    province: str | None
    lottery: int


_LOTTERY_ORDER = itemgetter(2, 0)  # (lottery, participant) of a Member


def group_name(index: int) -> str:
    """A, B, ..., Z, AA, AB, ... (bijective base 26)."""
    name = ""
    index += 1
    while index:
        index, r = divmod(index - 1, 26)
        name = chr(ord("A") + r) + name
    return name


def split_groups(theme: int, members: list[Member], rule: SizeRule) -> list[Group]:
    total = len(members)
    if total == 0:
        return []
    sizes = balanced_sizes(total, rule.groups_for(total))
    room = list(sizes)
    placed: list[list[str]] = [[] for _ in sizes]
    by_province: dict[str, list[Member]] = {}
    loose: list[Member] = []
    for m in sorted(members, key=_LOTTERY_ORDER):
        if m.province is None:
            loose.append(m)
        else:
            by_province.setdefault(m.province, []).append(m)
    blocks = sorted(by_province.items(), key=lambda item: (-len(item[1]), item[0]))
    for _, people in blocks:
        fits = [g for g in range(len(room)) if room[g] >= len(people)]
        if fits:
            g = min(fits, key=lambda g: (room[g], g))
            placed[g] += [m.participant for m in people]
            room[g] -= len(people)
            continue
        start = 0
        for g in sorted(range(len(room)), key=lambda g: (-room[g], g)):
            take = min(room[g], len(people) - start)
            placed[g] += [m.participant for m in people[start : start + take]]
            room[g] -= take
            start += take
    g = 0
    for m in loose:
        while room[g] == 0:
            g += 1
        placed[g].append(m.participant)
        room[g] -= 1
    return [Group(theme, group_name(i), tuple(sorted(names))) for i, names in enumerate(placed)]
