"""Lexicographic min-cost flow over classes, exact, in int64.

The network: class c (supply = its members) -> an arc per allowed theme and one to
"unassigned" -> the theme's node -> sink, with each theme total bounded to [lo, hi].

Weighting all levels into one cost would overflow int64 ((n+1)^levels). Instead the levels
are solved in *stages*: as many consecutive levels as fit into OR-Tools' cost range are
combined by mixed-radix weights, the stage is solved, and then the optimal face of that
stage is fixed exactly before the next stage: from the optimal flow we compute optimal
dual potentials on the small exchange graph (themes + unassigned + sink: the cheapest way to
move one unit from one theme node to another through a class), then by complementary
slackness an arc with positive reduced cost carries no flow in *any* optimal flow (drop it),
one with negative reduced cost is saturated in every optimal flow (fix the class to it), and
a theme total whose sink arc has non-zero reduced cost is fixed. What remains free spans
exactly the set of optimal flows, and the next stage optimises over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Literal

import numpy as np
from ortools.graph.python import min_cost_flow

from core.assignment.classes import THEME_BITS, Classes
from core.assignment.hashing import pair_hashes
from core.assignment.levels import TIEBREAK_BITS, Level

INF = 1 << 100
COST_LIMIT = 1 << 62
# Tests set this to 1 to force one stage per level, so that small instances exercise the
# fixing between stages that large ones need.
MAX_LEVELS_PER_STAGE: int | None = None


@dataclass(frozen=True, slots=True)
class Relaxation:
    status: Literal["solved", "infeasible", "pruned"]
    values: tuple[int, ...] = ()
    totals: tuple[int, ...] = ()  # per theme index, then "unassigned"
    flows: tuple[tuple[tuple[int, int], ...], ...] = ()  # per class: (arc code, units)
    stages: int = 0


class _State:
    """The part of the problem not yet decided by earlier stages."""

    def __init__(self, classes: Classes, lo: list[int], hi: list[int]) -> None:
        self.classes = classes
        units = classes.units
        self.lo = [*lo, 0]
        self.hi = [*hi, units]
        self.fixed_units = [0] * (classes.num_themes + 1)
        self.fixed: list[int] = [-1] * len(classes.mult)
        self.fixed_by_code: dict[int, int] = {}
        self.arcs: list[tuple[int, ...]] = list(classes.arcs)
        self.free: list[int] = []
        for c, arcs in enumerate(classes.arcs):
            if len(arcs) == 1:
                self.fix(c, arcs[0])
            else:
                self.free.append(c)

    def fix(self, c: int, code: int) -> None:
        m = self.classes.mult[c]
        self.fixed[c] = code
        self.fixed_units[code & THEME_BITS] += m
        self.fixed_by_code[code] = self.fixed_by_code.get(code, 0) + m

    def infeasible(self) -> bool:
        """Fixed units alone break a bound (lower bounds only count once nothing is free)."""
        if any(f > h for f, h in zip(self.fixed_units, self.hi, strict=True)):
            return True
        return not self.free and any(
            f < lo for f, lo in zip(self.fixed_units, self.lo, strict=True)
        )


@dataclass(slots=True)
class _Network:
    codes: list[int]  # flat: the arc codes of the free classes, class by class
    costs: list[int]
    flows: list[int]
    inflow: list[int]  # free units per theme index (and unassigned)


def solve_relaxation(
    classes: Classes,
    levels: tuple[Level, ...],
    unit_max: tuple[int, ...],
    lo: list[int],
    hi: list[int],
    incumbent: tuple[int, ...] | None = None,
) -> Relaxation:
    """The lexicographic optimum with theme totals in [lo, hi] (per theme index).

    With an `incumbent` (level values of a known solution), stop with "pruned" as soon as a
    prefix of the levels is provably worse than it.
    """
    state = _State(classes, lo, hi)
    if state.infeasible():
        return Relaxation("infeasible")
    values: list[int] = []
    decided = incumbent is None
    net = _Network([], [], [], [0] * (classes.num_themes + 1))
    stages = 0
    while len(values) < len(levels):
        stage = _pack(state, levels, unit_max, len(values))
        if state.free:
            solved = _solve_stage(state, stage)
            if solved is None:
                return Relaxation("infeasible")
            net = solved
            stages += 1
        else:
            net = _Network([], [], [], [0] * (classes.num_themes + 1))
        values += _values(state, net, [lv for lv, _ in stage])
        if not decided and incumbent is not None:
            mine, theirs = tuple(values), incumbent[: len(values)]
            if mine > theirs:
                return Relaxation("pruned", tuple(values), stages=stages)
            decided = mine < theirs
        if len(values) < len(levels) and state.free:
            _fix_optimal_face(state, net)
    return _result(state, net, tuple(values), stages)


def _pack(
    state: _State, levels: tuple[Level, ...], unit_max: tuple[int, ...], start: int
) -> list[tuple[Level, int]]:
    """The next levels that fit in one int64 cost, with their mixed-radix weights."""
    mult = state.classes.mult
    units = sum(mult[c] for c in state.free)
    nodes = len(state.free) + state.classes.num_themes + 2
    budget = COST_LIMIT // (max(nodes, units) + 2)
    ranges: list[int] = []
    product = 1
    for i in range(start, len(levels)):
        size = units * unit_max[i] + 1
        if ranges and (product * size > budget or len(ranges) == MAX_LEVELS_PER_STAGE):
            break
        if size > budget:
            raise OverflowError(f"level {levels[i].name} does not fit in an int64 cost")
        ranges.append(size)
        product *= size
    weights: list[int] = []
    weight = 1
    for size in reversed(ranges):
        weights.append(weight)
        weight *= size
    weights.reverse()
    return [(levels[start + i], w) for i, w in enumerate(weights)]


def _solve_stage(state: _State, stage: list[tuple[Level, int]]) -> _Network | None:
    classes = state.classes
    t_count = classes.num_themes + 1  # themes and "unassigned"
    free = state.free
    nf = len(free)
    sink = nf + t_count
    arcs = [state.arcs[c] for c in free]
    counts = np.fromiter(map(len, arcs), dtype=np.int64, count=nf)
    codes = np.fromiter(chain.from_iterable(arcs), dtype=np.int64, count=int(counts.sum()))
    mult = np.fromiter((classes.mult[c] for c in free), dtype=np.int64, count=nf)
    themes = codes & THEME_BITS
    costs = np.zeros(len(codes), dtype=np.int64)
    for lv, w in stage:
        if lv.kind == "tiebreak":
            keys = np.fromiter((classes.key[c] for c in free), dtype=np.uint64, count=nf)
            costs += w * pair_hashes(np.repeat(keys, counts), themes, TIEBREAK_BITS)
        else:
            costs += w * lv.values(codes)
    supplies = mult.tolist()
    total = sum(supplies)
    low_sum = 0
    sink_caps: list[int] = []
    for t in range(t_count):
        low = max(0, state.lo[t] - state.fixed_units[t])
        high = state.hi[t] - state.fixed_units[t]
        if high < low:
            return None
        sink_caps.append(high - low)
        supplies.append(-low)
        low_sum += low
    supplies.append(low_sum - total)
    smcf = min_cost_flow.SimpleMinCostFlow()
    theme_nodes = nf + np.arange(t_count, dtype=np.int32)
    tails = np.concatenate([np.repeat(np.arange(nf, dtype=np.int32), counts), theme_nodes])
    heads = np.concatenate([(nf + themes).astype(np.int32), np.full(t_count, sink, np.int32)])
    caps = np.concatenate([np.repeat(mult, counts), np.array(sink_caps, dtype=np.int64)])
    smcf.add_arcs_with_capacity_and_unit_cost(
        tails, heads, caps, np.concatenate([costs, np.zeros(t_count, dtype=np.int64)])
    )
    smcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), np.array(supplies, dtype=np.int64))
    status = smcf.solve()
    if status == smcf.INFEASIBLE:
        return None
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    flows = smcf.flows(np.arange(len(codes), dtype=np.int32))
    inflow = np.bincount(themes, weights=flows, minlength=t_count).astype(np.int64).tolist()
    return _Network(codes.tolist(), costs.tolist(), flows.tolist(), inflow)


def _values(state: _State, net: _Network, stage: list[Level]) -> list[int]:
    units = dict(state.fixed_by_code)
    for code, f in zip(net.codes, net.flows, strict=True):
        if f:
            units[code] = units.get(code, 0) + f
    codes = np.fromiter(units.keys(), dtype=np.int64, count=len(units))
    counts = np.fromiter(units.values(), dtype=np.int64, count=len(units))
    out = []
    for lv in stage:
        if lv.kind != "tiebreak":
            out.append(int((lv.values(codes) * counts).sum()))
            continue
        classes = state.classes
        keys: list[int] = []
        themes: list[int] = []
        weights: list[int] = []
        for c, code in enumerate(state.fixed):
            if code >= 0:
                keys.append(classes.key[c])
                themes.append(code & THEME_BITS)
                weights.append(classes.mult[c])
        pos = 0
        for c in state.free:
            for code in state.arcs[c]:
                if net.flows[pos]:
                    keys.append(classes.key[c])
                    themes.append(code & THEME_BITS)
                    weights.append(net.flows[pos])
                pos += 1
        hashes = pair_hashes(
            np.array(keys, dtype=np.uint64), np.array(themes, dtype=np.int64), TIEBREAK_BITS
        )
        out.append(int((hashes * np.array(weights, dtype=np.int64)).sum()))
    return out


def _potentials(state: _State, net: _Network) -> list[int]:
    """Optimal dual potentials of the theme, unassigned and sink nodes (Bellman-Ford on the
    exchange graph; the flow is optimal, so it has no negative cycle)."""
    t_count = state.classes.num_themes + 1
    v = t_count + 1
    sink = t_count
    w = [INF] * (v * v)
    pos = 0
    for c in state.free:
        arcs = state.arcs[c]
        k = len(arcs)
        for j in range(pos, pos + k):
            if not net.flows[j]:
                continue
            row = (net.codes[j] & THEME_BITS) * v
            base = net.costs[j]
            for j2 in range(pos, pos + k):
                cell = row + (net.codes[j2] & THEME_BITS)
                d = net.costs[j2] - base
                if d < w[cell]:
                    w[cell] = d
        pos += k
    for t in range(t_count):
        x = state.fixed_units[t] + net.inflow[t]
        if x < state.hi[t]:
            w[t * v + sink] = min(w[t * v + sink], 0)
        if x > max(state.fixed_units[t], state.lo[t]):
            w[sink * v + t] = min(w[sink * v + t], 0)
    for t in range(v):
        w[t * v + t] = INF  # self-moves are no moves
    dist = [0] * v
    for _ in range(v + 1):
        changed = False
        for a in range(v):
            da = dist[a]
            for b in range(v):
                wab = w[a * v + b]
                if wab < INF and da + wab < dist[b]:
                    dist[b] = da + wab
                    changed = True
        if not changed:
            return dist
    raise RuntimeError("negative cycle in the exchange graph: the flow was not optimal")


def _fix_optimal_face(state: _State, net: _Network) -> None:
    dist = _potentials(state, net)
    totals = [f + i for f, i in zip(state.fixed_units, net.inflow, strict=True)]
    free = state.free
    counts = np.fromiter((len(state.arcs[c]) for c in free), dtype=np.int64, count=len(free))
    starts = np.cumsum(counts) - counts
    codes = np.array(net.codes, dtype=np.int64)
    costs = np.array(net.costs, dtype=np.int64)
    potential = np.array(dist, dtype=np.int64)[codes & THEME_BITS]
    # Per class, dc = min(0, min over its arcs with flow of dist[theme] - cost); then the
    # reduced cost of every arc of the class.
    slack = np.where(np.array(net.flows, dtype=np.int64) != 0, potential - costs, 0)
    dc = np.minimum(np.minimum.reduceat(slack, starts), 0)
    reduced = costs + np.repeat(dc, counts) - potential
    negative = np.flatnonzero(reduced < 0)
    zero = reduced == 0
    first_negative = np.searchsorted(negative, starts).tolist()
    zeros = np.add.reduceat(zero.astype(np.int64), starts).tolist()
    negative_at = negative.tolist()
    zero_at = zero.tolist()
    still_free: list[int] = []
    for i, (c, start) in enumerate(zip(free, starts.tolist(), strict=True)):
        k = len(state.arcs[c])
        n = first_negative[i]
        if n < len(negative_at) and negative_at[n] < start + k:  # saturated in every optimum
            state.fix(c, net.codes[negative_at[n]])
        elif zeros[i] == k:  # every arc can still carry flow: nothing to drop
            still_free.append(c)
        else:
            keep = [net.codes[j] for j in range(start, start + k) if zero_at[j]]
            if len(keep) == 1:
                state.fix(c, keep[0])
            else:
                state.arcs[c] = tuple(keep)
                still_free.append(c)
    sink = len(dist) - 1
    for t in range(sink):
        if dist[t] != dist[sink]:
            state.lo[t] = state.hi[t] = totals[t]
    state.free = still_free


def _result(state: _State, net: _Network, values: tuple[int, ...], stages: int) -> Relaxation:
    classes = state.classes
    flows: list[tuple[tuple[int, int], ...]] = []
    by_class: dict[int, tuple[tuple[int, int], ...]] = {}
    pos = 0
    for c in state.free:
        k = len(state.arcs[c])
        by_class[c] = tuple(
            (net.codes[j], net.flows[j]) for j in range(pos, pos + k) if net.flows[j]
        )
        pos += k
    totals = [0] * (classes.num_themes + 1)
    for c, code in enumerate(state.fixed):
        if code >= 0:
            part: tuple[tuple[int, int], ...] = ((code, classes.mult[c]),)
        else:
            part = by_class[c]
        flows.append(part)
        for arc, units in part:
            totals[arc & THEME_BITS] += units
    return Relaxation("solved", values, tuple(totals), tuple(flows), stages)
