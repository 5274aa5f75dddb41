"""Every command, option and argument of `leertraject` has its help in both catalogs, so the
help never shows a raw key and never falls back to the English in the code."""

from __future__ import annotations

from collections.abc import Iterator

import click

from app.cli import COMMANDS, cli
from app.commands.help import CatalogCommand, first_sentence, help_key, parameter_key
from core import i18n


def _tree() -> Iterator[tuple[list[str], click.Command]]:
    yield [], cli
    context = click.Context(cli, info_name="leertraject")
    for name in COMMANDS:
        command = cli.get_command(context, name)
        assert command is not None, name
        yield [name], command
        if isinstance(command, click.Group):
            for sub_name in command.list_commands(context):
                sub = command.get_command(context, sub_name)
                assert sub is not None, sub_name
                yield [name, sub_name], sub


def test_every_command_and_option_has_its_help_in_dutch_and_english() -> None:
    dutch, english = i18n.catalog("core", "nl"), i18n.catalog("core", "en")
    missing = []
    for path, command in _tree():
        assert isinstance(command, CatalogCommand), f"{path} is not a CatalogCommand"
        keys = [help_key(path)]
        for param in command.params:
            if isinstance(param, click.Argument):
                keys.append(f"cli.help.arg.{param.name}")
            elif "--help" not in param.opts:
                keys.append(parameter_key(path, param.name or ""))
        missing += [key for key in keys if key not in dutch or key not in english]
    assert not missing, missing


def test_a_long_help_is_cut_at_a_word_in_the_command_list() -> None:
    assert first_sentence("Toon de versie en stop. Meer tekst.", 60) == "Toon de versie en stop."
    cut = first_sentence("Kopieer de databank en de bestanden ernaast", 25)
    assert cut == "Kopieer de databank en..." and len(cut) <= 25
