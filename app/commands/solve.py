"""`leertraject solve INSTANCE`: the stand-alone assignment solver on a JSON file (or stdin).

Exit codes: 0 with an answer (also "infeasible", which is an answer), 1 when the file
cannot be read or the instance is invalid, 2 for usage errors (click's default).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import TYPE_CHECKING

import click

from app.commands.help import CatalogCommand
from app.commands.output import say

if TYPE_CHECKING:
    from core.assignment import Solution


def _read(path: str) -> bytes:
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise click.ClickException(say("cli.solve.unreadable", path=path, error=e)) from None


def _parse(path: str, raw: bytes) -> object:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise click.ClickException(say("cli.solve.unreadable", path=path, error=e)) from None
    except json.JSONDecodeError as e:
        raise click.ClickException(say("cli.solve.not_json", path=path, error=e)) from None


def _summary(solution: Solution) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 120)
    seconds = round(solution.seconds, 4)
    console.print(f"status: [bold]{solution.status}[/bold]   seconds: {seconds:.3f}")
    if solution.objective:
        console.print(
            ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in solution.objective.items()),
        )
    if solution.gap:
        gap = solution.gap
        console.print(f"gap at {gap.level}: answer {gap.answer}, bound {gap.bound}")
    profile = Table(title="profile")
    labels = [f"rank {i + 1}" for i in range(len(solution.profile) - 1)] + ["unranked"]
    for label in labels:
        profile.add_column(label, justify="right")
    profile.add_row(*(str(n) for n in solution.profile))
    console.print(profile)
    sizes: dict[int, list[int]] = {}
    for g in solution.groups:
        sizes.setdefault(g.theme, []).append(len(g.members))
    if sizes:
        themes = Table(title="groups per theme")
        themes.add_column("theme", justify="right")
        themes.add_column("groups", justify="right")
        themes.add_column("sizes")
        for theme, values in sorted(sizes.items()):
            counted = Counter(values)
            text = ", ".join(f"{n}x{size}" for size, n in sorted(counted.items(), reverse=True))
            themes.add_row(str(theme), str(len(values)), text)
        console.print(themes)
    if solution.unassigned:
        console.print(f"unassigned: {len(solution.unassigned)}")


@click.command("solve", cls=CatalogCommand)
@click.argument("instance", metavar="INSTANCE", type=click.Path(exists=True, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print the full answer as JSON.")
def solve_command(instance: str, as_json: bool) -> None:
    """Assign participants to themes and groups from an INSTANCE JSON file ("-" for stdin).

    The answer is exact: "optimal" is proven, "feasible" means a time limit stopped the
    proof, "infeasible" means the pins cannot be met. See docs/assignment.md.
    """
    # ortools: not for --help
    from core.assignment import InvalidInstance, input_hash, parse_instance, solve
    from core.assignment.codec import answer_json

    data = _parse(instance, _read(instance))
    try:
        problem = parse_instance(data)
    except InvalidInstance as e:
        raise click.ClickException(say("cli.solve.invalid", error=e)) from None
    solution = solve(problem)
    if as_json:
        sys.stdout.write(answer_json(solution, input_hash(problem)))
    else:
        _summary(solution)
