"""Benchmark of the exact assignment solver against two baselines, measured in the same run.

For each size: a seeded instance (12 themes, 3-5 choices with Zipf-skewed popularity, groups
of 6-12 or 8-10 members, capacity about 5 % above demand, sparse staff scores, a few pins
and exclusions, provinces), then in a fresh process each:

- `solver`: the code path of `leertraject solve --json` on the instance's bytes (JSON parse,
  validation, input hash, solve, groups, explanations, the printed JSON text);
- `flow`: a bare OR-Tools SimpleMinCostFlow of the capacity-only relaxation (one node per
  participant, cost = rank, no minimum sizes): a lower bound on the work;
- `cpsat`: a plain CP-SAT model of the full problem (booleans per participant and theme,
  an integer group count per theme, minimum and maximum sizes, one weighted objective:
  unassigned first, then the sum of ranks), 2 workers, with a time limit; skipped above
  `--cpsat-max`.

Each of `solver` and `flow` runs `--repeat` times (3) in fresh processes; the table shows the
medians, and the ratio of the two medians (`x flow`), so load from other work on the machine
hits both alike. No profiling or memory tracing is on while timing.

Run: `python benchmarks/assignment.py [--sizes 300,3000] [--repeat 3] [--cpsat-limit 60]
[--variant gaps]`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import time
from collections.abc import Callable
from typing import Any

from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from core.assignment import input_hash, parse_instance, solve
from core.assignment.codec import answer_json

THEMES = 12
PROVINCES = ["Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen"]


def make_instance(n: int, variant: str = "standard", seed: int = 20260101) -> dict[str, Any]:
    rng = random.Random(seed * 1_000_003 + n)
    order = list(range(1, THEMES + 1))
    rng.shuffle(order)
    weight = {t: 1.0 / (i + 1) for i, t in enumerate(order)}  # Zipf, s = 1
    share = sum(weight.values())
    themes = []
    for t in range(1, THEMES + 1):
        gap = t % 4 == 0  # every fourth theme has size gaps: 8-10 per group
        lo, hi = (8, 10) if gap else (6, 12)
        demand = n * (0.6 * weight[t] / share + 0.4 / THEMES)
        themes.append(
            {"id": t, "min_size": lo, "max_size": hi, "max_groups": max(1, round(demand / hi))}
        )
    capacity = sum(t["max_size"] * t["max_groups"] for t in themes)
    scale = 1.05 * n / capacity
    for t in themes:
        t["max_groups"] = max(1, round(t["max_groups"] * scale))
    ids = list(range(1, THEMES + 1))
    people = []
    for i in range(n):
        k = rng.randint(3, 5)
        prefs: list[int] = []
        while len(prefs) < k:
            t = rng.choices(ids, [weight[x] for x in ids])[0]
            if t not in prefs:
                prefs.append(t)
        scores = {str(t): rng.randint(0, 3) for t in prefs[:2]} if rng.random() < 0.2 else {}
        roll = rng.random()
        pin = prefs[rng.randrange(k)] if roll < 0.005 else None
        exclude = [rng.choice([t for t in ids if t != pin])] if 0.005 <= roll < 0.015 else []
        people.append(
            {
                "id": f"m{i:06d}",
                "preferences": prefs,
                "scores": scores,
                "pin": pin,
                "exclude": exclude,
                "province": rng.choice(PROVINCES),
            }
        )
    if variant == "gaps":  # as in FACTS.md: one group of n/15..n/10 per theme
        for t in themes:
            t.update(min_size=n // 15, max_size=n // 10, max_groups=1)
    return {
        "themes": themes,
        "participants": people,
        "objective": "rank-maximal",
        "allow_unranked": True,
        "seed": 0,
    }


def run_solver(raw: bytes, _limit: float) -> str:
    """What `leertraject solve INSTANCE --json` does between reading the file and printing."""
    instance = parse_instance(json.loads(raw.decode("utf-8")))
    solution = solve(instance)
    answer_json(solution, input_hash(instance))
    stats = solution.stats
    return f"{solution.status} ({stats['classes']} classes, {stats['nodes']} nodes)"


def run_flow(data: dict[str, Any], _limit: float) -> str:
    themes = {t["id"]: i for i, t in enumerate(data["themes"])}
    people = data["participants"]
    n, k = len(people), len(themes)
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    for i, p in enumerate(people):
        for r, t in enumerate(p["preferences"]):
            tails.append(i)
            heads.append(n + themes[t])
            caps.append(1)
            costs.append(r + 1)
        tails.append(i)
        heads.append(n + k)
        caps.append(1)
        costs.append(100)
    for t in data["themes"]:
        tails.append(n + themes[t["id"]])
        heads.append(n + k + 1)
        caps.append(t["max_size"] * t["max_groups"])
        costs.append(0)
    tails.append(n + k)
    heads.append(n + k + 1)
    caps.append(n)
    costs.append(0)
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    smcf.set_nodes_supplies(list(range(n + k + 2)), [1] * n + [0] * (k + 1) + [-n])
    status = smcf.solve()
    return "optimal" if status == smcf.OPTIMAL else str(status)


def run_cpsat(data: dict[str, Any], limit: float) -> str:
    model = cp_model.CpModel()
    themes = data["themes"]
    people = data["participants"]
    longest = max(len(p["preferences"]) for p in people)
    by_theme: dict[int, list[Any]] = {t["id"]: [] for t in themes}
    objective = []
    for p in people:
        options = []
        for t in themes:
            tid = t["id"]
            if tid in p["exclude"] or (p["pin"] is not None and p["pin"] != tid):
                continue
            x = model.new_bool_var("")
            by_theme[tid].append(x)
            options.append(x)
            prefs = p["preferences"]
            rank = prefs.index(tid) + 1 if tid in prefs else longest + 1
            objective.append(rank * x)
        if p["pin"] is not None:
            model.add(sum(options) == 1)
        else:
            model.add(sum(options) <= 1)
            objective.append((longest + 2) * len(people) * (1 - sum(options)))
    for t in themes:
        groups = model.new_int_var(0, t["max_groups"], "")
        total = sum(by_theme[t["id"]])
        model.add(total >= t["min_size"] * groups)
        model.add(total <= t["max_size"] * groups)
    model.minimize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.num_workers = 2
    return str(solver.status_name(solver.solve(model))).lower()


METHODS: dict[str, Callable[[Any, float], str]] = {
    "solver": run_solver,
    "flow": run_flow,
    "cpsat": run_cpsat,
}


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _child(method: str, n: int, variant: str, limit: float, out: Any) -> None:
    data: Any = make_instance(n, variant)
    if method == "solver":  # the command reads the file's bytes
        data = json.dumps(data).encode("utf-8")
    before = _rss_mb()
    start = time.perf_counter()
    status = METHODS[method](data, limit)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.send((seconds, max(0.0, peak - before), status))


Run = tuple[float, float, str]


def medians(repeat: int, n: int, variant: str, limit: float) -> tuple[Run, Run]:
    """The median run of the solver and of the flow, alternating the two so that load from
    other work on the machine falls on both alike."""
    solver: list[Run] = []
    flow: list[Run] = []
    for _ in range(repeat):
        solver.append(measure("solver", n, variant, limit))
        flow.append(measure("flow", n, variant, limit))
    return sorted(solver)[repeat // 2], sorted(flow)[repeat // 2]


def measure(method: str, n: int, variant: str, limit: float) -> tuple[float, float, str]:
    ctx = mp.get_context("spawn")
    here, there = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(method, n, variant, limit, there))
    proc.start()
    result: tuple[float, float, str] = here.recv()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300,3000,30000,100000")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; medians shown")
    parser.add_argument("--cpsat-limit", type=float, default=60.0)
    parser.add_argument("--cpsat-max", type=int, default=30000)
    parser.add_argument(
        "--variant",
        choices=["standard", "gaps"],
        default="standard",
        help="gaps: one group of n/15..n/10 per theme, so minimum sizes need branching",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load = os.getloadavg()[0]
    print(
        f"assignment benchmark ({args.variant}), 12 themes, {mp.cpu_count()} cpus, "
        f"load average {load:.1f} at start, cp-sat limit {args.cpsat_limit:.0f} s, "
        f"median of {args.repeat}"
    )
    header = (
        f"{'n':>7} | {'solver s':>8} {'peak MB':>8} {'status':<33} | {'flow s':>7} "
        f"{'peak MB':>8} | {'x flow':>7} | {'cp-sat s':>8} {'cp-sat status':<14} | "
        f"{'cp-sat/solver':>13}"
    )
    print(header)
    print("-" * len(header))
    for n in sizes:
        solver, flow = medians(args.repeat, n, args.variant, args.cpsat_limit)
        (s_sec, s_mem, s_status), (f_sec, f_mem, _) = solver, flow
        if n <= args.cpsat_max:
            c_sec, _, c_status = measure("cpsat", n, args.variant, args.cpsat_limit)
            # Stopped by the limit, CP-SAT's time is only a lower bound on its ratio.
            ratio = f"{'>' if c_status != 'optimal' else ''}{c_sec / s_sec:.1f}"
            cp = f"{c_sec:8.3f} {c_status:<14} | {ratio:>13}"
        else:
            cp = f"{'-':>8} {'skipped':<14} | {'-':>13}"
        print(
            f"{n:>7} | {s_sec:8.3f} {s_mem:8.0f} {s_status:<33} | {f_sec:7.3f} {f_mem:8.0f} | "
            f"{s_sec / f_sec:7.1f} | {cp}",
            flush=True,
        )


if __name__ == "__main__":
    main()
