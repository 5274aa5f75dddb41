"""Human output as rich tables, machine output as JSON: one way for every command."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import track
from rich.table import Table

from core.clock import format_local

T = TypeVar("T")


def console() -> Console:
    # Piped into a file or `less`, rich would assume 80 columns and cut every cell.
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def progress(items: Sequence[T], description: str, quiet: bool = False) -> Iterable[T]:
    """A progress bar on long work, for a person at a terminal; plain iteration otherwise."""
    if quiet or not sys.stderr.isatty() or len(items) < 20:
        return items
    return track(items, description=description, console=Console(stderr=True))


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=_default)
    sys.stdout.write("\n")


def emit_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(value) for value in row))
    console().print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_local(value)
    return str(value)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
