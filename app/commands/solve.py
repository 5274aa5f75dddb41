"""`leertraject solve INSTANCE`: the stand-alone assignment solver on a JSON file (or stdin).

Exit codes: 0 with an answer (also "infeasible", which is an answer), 1 when the file
cannot be read or the instance is invalid, 2 for usage errors (click's default).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any

import click

from app.commands.help import CatalogCommand
from app.commands.output import say


def _read(path: str) -> object:
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as f:
                text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise click.ClickException(say("cli.solve.unreadable", path=path, error=e)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise click.ClickException(say("cli.solve.not_json", path=path, error=e)) from None


def _summary(out: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 120)
    console.print(f"status: [bold]{out['status']}[/bold]   seconds: {out['seconds']:.3f}")
    objective = out.get("objective") or {}
    if objective:
        console.print(
            ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in objective.items()),
        )
    if out.get("gap"):
        gap = out["gap"]
        console.print(f"gap at {gap['level']}: answer {gap['answer']}, bound {gap['bound']}")
    profile = Table(title="profile")
    labels = [f"rank {i + 1}" for i in range(len(out["profile"]) - 1)] + ["unranked"]
    for label in labels:
        profile.add_column(label, justify="right")
    profile.add_row(*(str(n) for n in out["profile"]))
    console.print(profile)
    sizes: dict[int, list[int]] = {}
    for g in out.get("groups", []):
        sizes.setdefault(g["theme"], []).append(g["size"])
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
    if out["unassigned"]:
        console.print(f"unassigned: {len(out['unassigned'])}")


@click.command("solve", cls=CatalogCommand)
@click.argument("instance", metavar="INSTANCE", type=click.Path(exists=True, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print the full answer as JSON.")
def solve_command(instance: str, as_json: bool) -> None:
    """Assign participants to themes and groups from an INSTANCE JSON file ("-" for stdin).

    The answer is exact: "optimal" is proven, "feasible" means a time limit stopped the
    proof, "infeasible" means the pins cannot be met. See docs/assignment.md.
    """
    from core.assignment import InvalidInstance, solve_dict  # ortools: not for --help

    data = _read(instance)
    try:
        out = solve_dict(data)
    except InvalidInstance as e:
        raise click.ClickException(say("cli.solve.invalid", error=e)) from None
    if as_json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _summary(out)
