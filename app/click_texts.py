"""Click's own messages (usage errors, "Try ... for help.", "Usage:") in the staff's language.

Click translates its messages with gettext (`_` and `ngettext` in its modules). Those names
are pointed at the Dutch catalog `app/locale/nl/LC_MESSAGES/click.po` (read with Babel, like
every other catalog), or back at the English originals, so that a usage error is one language
from its first line to its last. Only for the pinned Click: `tests/unit/test_click_texts.py`
checks that every message Click can show staff has its Dutch text.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from importlib import resources
from types import ModuleType

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

MODULES: tuple[ModuleType, ...] = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """Dutch from the catalog; any other language keeps Click's English."""
    if language != "nl":
        return gettext.NullTranslations()
    source = resources.files("app") / "locale" / language / "LC_MESSAGES" / "click.po"
    with source.open("rb") as file:
        catalog = read_po(file)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def use(language: str) -> None:
    """From now on Click speaks `language` (nl or en)."""
    chosen = translations(language)
    names: dict[str, Callable[..., str]] = {"_": chosen.gettext, "ngettext": chosen.ngettext}
    for module in MODULES:
        for name, function in names.items():
            if name in vars(module):
                vars(module)[name] = function
