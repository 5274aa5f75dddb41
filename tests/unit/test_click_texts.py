"""Click's messages in Dutch (app/click_texts.py): the catalog still fits the pinned Click,
and every message a staff member can meet in a usage error has its Dutch text."""

from __future__ import annotations

import ast
from importlib import resources
from pathlib import Path

import click
from babel.messages.pofile import read_po

from app import click_texts

# What Click may say to someone typing a command (not its errors for the programmer).
SEEN_BY_STAFF = (
    "exceptions.py",
    "parser.py",
    "types.py",
    "formatting.py",
    "decorators.py",
)
FOR_PROGRAMMERS = {"Choice({choices})", "%(prog)s, version %(version)s", "Unknown color {colour!r}"}


def click_messages(*files: str) -> set[str]:
    """Every message id passed to `_` or `ngettext` in these modules of the installed Click."""
    root = Path(click.__file__).parent
    found: set[str] = set()
    for name in files:
        for node in ast.walk(ast.parse((root / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("_", "ngettext"):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
    return found


def catalog_ids() -> set[str]:
    source = resources.files("app") / "locale" / "nl" / "LC_MESSAGES" / "click.po"
    with source.open("rb") as file:
        catalog = read_po(file)
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_every_message_staff_can_meet_has_its_dutch_text() -> None:
    missing = click_messages(*SEEN_BY_STAFF) - catalog_ids() - FOR_PROGRAMMERS
    assert not missing, sorted(missing)


def test_the_catalog_names_only_messages_click_still_has() -> None:
    everything = click_messages(*(p.name for p in Path(click.__file__).parent.glob("*.py")))
    assert catalog_ids() <= everything, sorted(catalog_ids() - everything)


def test_switching_language_switches_clicks_own_words() -> None:
    click_texts.use("nl")
    assert click.exceptions._("Error: {message}") == "Fout: {message}"  # type: ignore[attr-defined]
    click_texts.use("en")
    assert click.exceptions._("Error: {message}") == "Error: {message}"  # type: ignore[attr-defined]
    click_texts.use("nl")
