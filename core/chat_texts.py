"""What the registration chat says besides the form's own prompts and help, in Dutch and
English (core/texts.py holds the validation messages, core/form.py the questions).

The texts are gettext catalogs, `core/locale/<language>/LC_MESSAGES/chat.po`, one msgid per
stable key ("progress", "button.back", "outbox.registration.updated"), read with Babel once,
on first use, from the package itself. Translators edit the .po files; the keys in the code
never change. Plain text: Telegram shows it as typed, nothing needs escaping.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

DOMAIN = "chat"
CATALOG_LANGUAGES = ("nl", "en")
FALLBACK = "nl"  # the working language: a text missing in English is shown in Dutch


@cache
def catalog(language: str) -> dict[str, str]:
    """Key -> text of one language's catalog (translated entries only)."""
    path = resources.files("core") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=language, domain=DOMAIN)
    return {str(m.id): str(m.string) for m in parsed if m.id and m.string}


def template(key: str, language: str) -> str:
    shown = "en" if language == "en" else FALLBACK
    found = catalog(shown).get(key) or catalog(FALLBACK).get(key)
    if found is None:
        raise KeyError(f"no chat text {key!r} in core/locale/*/LC_MESSAGES/{DOMAIN}.po")
    return found


def t(key: str, language: str, **params: Any) -> str:
    text = template(key, language)
    return text.format(**params) if params else text


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(key: str, language: str, params: dict[str, Any]) -> str:
    """Like `t`, for stored parameters: a parameter a message lacks shows as nothing."""
    return template(key, language).format_map(_Blank(params))


def menu_text(action: str, language: str) -> str:
    """The description of a command in Telegram's menu."""
    return t(f"menu.{action}", language)


def keys() -> list[str]:
    return sorted(set().union(*(catalog(language) for language in CATALOG_LANGUAGES)))


def has(key: str) -> bool:
    return key in catalog(FALLBACK)
