"""Branch and bound over theme totals: minimum group sizes made exact.

A theme's total must split into groups (see `sizes.py`); the flow relaxation only knows an
interval [lo, hi] per theme. When the relaxation puts a theme in a gap (typically 1..min-1:
"open but too small"), we branch into [lo, below] and [above, hi]. Each node is one
lexicographic flow (`flow.py`) whose level values bound every solution in the node from below
(lexicographically), so best-first search ends at the first node whose relaxation is itself
valid, and any node not better than the incumbent is cut. The node order and the flow are
deterministic, so the answer is too.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from core.assignment.classes import Classes
from core.assignment.flow import Relaxation, solve_relaxation
from core.assignment.levels import Level
from core.assignment.sizes import SizeRule


@dataclass(frozen=True, slots=True)
class SearchResult:
    status: Literal["optimal", "feasible", "infeasible"]
    best: Relaxation | None
    bound: tuple[int, ...] | None  # best proven bound when not optimal
    nodes: int
    stages: int


@dataclass(order=True, slots=True)
class _Node:
    values: tuple[int, ...]
    seq: int
    lo: list[int] = field(compare=False)
    hi: list[int] = field(compare=False)
    totals: tuple[int, ...] = field(compare=False)


def _violations(rules: list[SizeRule], totals: tuple[int, ...]) -> list[int]:
    return [t for t, rule in enumerate(rules) if not rule.valid(totals[t])]


def _branch_theme(rules: list[SizeRule], totals: tuple[int, ...], bad: list[int]) -> int:
    """The theme furthest from a valid total (lowest index on ties)."""

    def distance(t: int) -> int:
        x = totals[t]
        below, above = rules[t].below(x), rules[t].above(x)
        return min(x - below if below is not None else x, above - x if above is not None else x)

    return max(bad, key=lambda t: (distance(t), -t))


def search(
    classes: Classes,
    levels: tuple[Level, ...],
    unit_max: tuple[int, ...],
    rules: list[SizeRule],
    clock: Callable[[], float],
    deadline: float | None,
    lower: list[int] | None = None,
) -> SearchResult:
    """`lower` raises the theme totals' lower bounds (used to ask "what if it opened")."""
    incumbent: Relaxation | None = None
    heap: list[_Node] = []
    counter = {"nodes": 0, "stages": 0, "seq": 0}

    def visit(lo: list[int], hi: list[int]) -> _Node | None:
        nonlocal incumbent
        counter["nodes"] += 1
        bound = incumbent.values if incumbent is not None else None
        relax = solve_relaxation(classes, levels, unit_max, lo, hi, bound)
        counter["stages"] += relax.stages
        if relax.status != "solved":
            return None
        if incumbent is not None and relax.values >= incumbent.values:
            return None
        if not _violations(rules, relax.totals):
            incumbent = relax
            return None
        counter["seq"] += 1
        return _Node(relax.values, counter["seq"], lo, hi, relax.totals)

    def children(node: _Node) -> list[_Node]:
        t = _branch_theme(rules, node.totals, _violations(rules, node.totals))
        x = node.totals[t]
        below, above = rules[t].below(x), rules[t].above(x)
        out = []
        if below is not None and below >= node.lo[t]:
            hi = list(node.hi)
            hi[t] = below
            out.append(visit(list(node.lo), hi))
        if above is not None and above <= node.hi[t]:
            lo = list(node.lo)
            lo[t] = above
            out.append(visit(lo, list(node.hi)))
        return sorted(n for n in out if n is not None)

    root = visit(list(lower or [0] * len(rules)), [rule.capacity for rule in rules])
    if root is not None:
        heap.append(root)
    timed_out = False
    while heap:
        if incumbent is not None and heap[0].values >= incumbent.values:
            heap.clear()
            break
        if deadline is not None and clock() > deadline:
            timed_out = True
            if incumbent is not None:
                break
            # No answer yet: dive depth-first from the best node until one is valid.
            node: _Node | None = heapq.heappop(heap)
            while node is not None and incumbent is None:
                kids = children(node)
                node = kids[0] if kids else None
                for other in kids[1:]:
                    heapq.heappush(heap, other)
            continue
        for kid in children(heapq.heappop(heap)):
            heapq.heappush(heap, kid)
    heap = [n for n in heap if incumbent is None or n.values < incumbent.values]
    if incumbent is None:
        return SearchResult("infeasible", None, None, counter["nodes"], counter["stages"])
    if not heap:
        return SearchResult("optimal", incumbent, None, counter["nodes"], counter["stages"])
    bound = min(heap).values
    status: Literal["optimal", "feasible"] = "feasible" if timed_out else "optimal"
    return SearchResult(status, incumbent, bound, counter["nodes"], counter["stages"])
