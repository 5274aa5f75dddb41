"""Human output as rich tables, machine output as JSON: one way for every command.

Every sentence staff read comes from the gettext catalogs (`core/locale/*/LC_MESSAGES/core.po`,
keys `cli.*`) in one language: Dutch, or English with `leertraject --lang en` or
`LEERTRAJECT_LANG=en`. `say(key, ...)` is the one way for a command to word something,
`word(kind, value)` names a status, outcome, channel or field; a `click.ClickException`'s
message is shown after "Fout:"/"Error:" in the same language.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from core import i18n
from core.clock import format_local
from core.texts import normalise_language

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")
LANGUAGE_ENV = "LEERTRAJECT_LANG"
_chosen: dict[str, str] = {}


def set_language(language: str | None) -> None:
    """Called once by the `leertraject` group with its --lang (or $LEERTRAJECT_LANG)."""
    _chosen["language"] = normalise_language(language or os.environ.get(LANGUAGE_ENV))
    from app import click_texts  # Click's own messages (usage errors) in the same language

    click_texts.use(_chosen["language"])


def language() -> str:
    """The staff language of this command: --lang, else $LEERTRAJECT_LANG, else Dutch."""
    return _chosen.get("language") or normalise_language(os.environ.get(LANGUAGE_ENV))


def say(key: str, **params: Any) -> str:
    """The text of a `cli.*` (or any catalog) key in the staff language."""
    return i18n.t(key, language(), **params)


def word(kind: str, value: object) -> str:
    """A status, outcome, channel or field name as staff read it: `cli.<kind>.<value>`."""
    key = f"cli.{kind}.{value}"
    return say(key) if i18n.has(key) else say(f"cli.{kind}.other", value=value)


def show_problem(problem: click.ClickException) -> None:
    """A problem with what was asked (exit 1), prefixed "Fout:" or "Error:" like its text."""
    if isinstance(problem, click.UsageError):
        problem.show()  # click's own usage text, with the command's synopsis
    else:
        click.echo(say("cli.error", message=problem.format_message()), err=True)


def console() -> Console:
    from rich.console import Console  # rich only for tables, not for --help (issue #14)

    # Piped into a file or `less`, rich would assume 80 columns and cut every cell.
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def progress(items: Sequence[T], description: str, quiet: bool = False) -> Iterable[T]:
    """A progress bar on long work, for a person at a terminal; plain iteration otherwise."""
    if quiet or not sys.stderr.isatty() or len(items) < 20:
        return items
    from rich.console import Console
    from rich.progress import track

    return track(items, description=description, console=Console(stderr=True))


# `--format table|csv|json` of the list commands (its help: cli.help.<command>.fmt).
list_format = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=_default)
    sys.stdout.write("\n")


def emit_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from rich.table import Table

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
