"""`--help` in the staff language: every command's and option's help comes from the catalogs,
looked up when the help is shown (after `--lang`), never from the English in the code.

The keys follow the command path below `leertraject` (`core/locale/*/LC_MESSAGES/core.po`):

- `cli.help.<path>`: a command's help, e.g. `cli.help.registrations.submit`; the root's is
  `cli.help.leertraject`. Its first sentence is the line in its group's command list.
- `cli.help.<path>.<parameter>`: an option's help, else the shared
  `cli.help.option.<parameter>` (`--json`, `--help`, `--version`, ...).
- `cli.help.arg.<parameter>`: an argument's name in the usage line (`REFERENTIE`).
- `cli.help.type.<click type>`: an option's value (`TEKST`, `GETAL`), and `cli.help.usage`,
  `.options`, `.commands`, `.default`, `.required` for click's own words.

Every command is a `CatalogCommand` and every group a `CatalogGroup` (the commands of a group
get the class by themselves); tests/unit/test_cli_help.py checks every key exists.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Sequence
from typing import Any

import click

from app.commands.output import say
from core import i18n

ROOT = "leertraject"


def command_path(ctx: click.Context) -> list[str]:
    """The names below `leertraject`: ["registrations", "submit"]; [] for the root."""
    names: list[str] = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return names[::-1]


def help_key(path: Sequence[str]) -> str:
    return "cli.help." + (".".join(path) or ROOT)


def parameter_key(path: Sequence[str], name: str) -> str:
    own = f"{help_key(path)}.{name}"
    return own if i18n.has(own) else f"cli.help.option.{name}"


def short_help(path: Sequence[str], limit: int) -> str:
    """The first sentence of a command's help, cut at a word to fit `limit` characters."""
    return first_sentence(say(help_key(path)), limit)


def first_sentence(text: str, limit: int) -> str:
    words = text.split("\n\n")[0].split()
    shown: list[str] = []
    for word in words:
        if len(" ".join([*shown, word])) > limit - 3:
            return " ".join(shown) + "..."
        shown.append(word)
        if word.endswith("."):
            break
    return " ".join(shown)


def _is_help_option(param: click.Parameter) -> bool:
    return isinstance(param, click.Option) and "--help" in param.opts


def _localised(param: click.Parameter, path: Sequence[str]) -> click.Parameter:
    """A copy of `param` that words itself in the staff language (for rendering only)."""
    shown: Any = copy.copy(param)
    name = param.name or ""
    if _is_help_option(param):
        name = "help"  # click's own --help, named "_click_default_help" by click
    if isinstance(param, click.Argument):
        metavar = say(f"cli.help.arg.{name}")
        if not param.required:
            metavar = f"[{metavar}]"
        shown.metavar = metavar + ("..." if param.nargs != 1 else "")
        return shown  # type: ignore[no-any-return]
    assert isinstance(param, click.Option)
    extras = []
    if param.show_default and not param.is_flag:
        default = param.default
        if default is not None and not callable(default):
            extras.append(say("cli.help.default", value=default))
    if param.required:
        extras.append(say("cli.help.required"))
    text = say(parameter_key(path, name))
    shown.help = f"{text}  [{'; '.join(extras)}]" if extras else text
    shown.show_default = False
    shown.required = False
    type_key = f"cli.help.type.{param.type.name.replace(' ', '_')}"
    plain = not param.is_flag and not isinstance(param.type, click.Choice)
    if param.metavar is None and plain and i18n.has(type_key):
        shown.metavar = say(type_key)
    return shown  # type: ignore[no-any-return]


class CatalogCommand(click.Command):
    """A command whose help, options and usage words come from the catalogs."""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        path = command_path(ctx)
        pieces = [say("cli.help.options_metavar")]
        for param in self.get_params(ctx):
            pieces.extend(_localised(param, path).get_usage_pieces(ctx))
        if isinstance(self, click.Group):
            pieces.append(say("cli.help.command_metavar"))
        return pieces

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = " ".join(self.collect_usage_pieces(ctx))
        formatter.write_usage(ctx.command_path, pieces, prefix=say("cli.help.usage") + " ")

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(say(help_key(command_path(ctx))))

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        path = command_path(ctx)
        rows = []
        for param in self.get_params(ctx):
            if isinstance(param, click.Argument):
                continue  # named in the usage line, explained in the command's help
            record = _localised(param, path).get_help_record(ctx)
            if record is not None:
                rows.append(record)
        if rows:
            with formatter.section(say("cli.help.options")):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        return first_sentence(self.help or "", limit)  # group listings use the catalogs


class CatalogGroup(CatalogCommand, click.Group):
    """A group of catalog commands; its own commands and groups are of these classes too.

    `lazy` names commands by "module:attribute", imported only when that command runs or
    shows its own help: the group's command list comes from the catalogs, so `--help` does
    not load the heavy libraries a command needs (issue #14)."""

    command_class = CatalogCommand
    group_class = type  # a group's subgroups: this class again

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, attribute = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = [
            name
            for name in self.list_commands(ctx)
            if not getattr(self.commands.get(name), "hidden", False)
        ]
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        path = command_path(ctx)
        rows = [(name, short_help([*path, name], limit)) for name in names]
        with formatter.section(say("cli.help.commands")):
            formatter.write_dl(rows)
