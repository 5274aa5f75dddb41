"""Every text a user sees, in Dutch and English, from gettext catalogs read with Babel.

One mechanism for the chat, core's messages and the e-mails: `core/locale/<language>/
LC_MESSAGES/<domain>.po`, one msgid per stable key, read once, on first use, from the package
itself. Placeholders in braces are filled by str.format. Translators edit the .po files; the
keys in the code never change.

The domains are files for whoever owns the texts, not separate namespaces: a key means the
same text in every channel, and no key is defined in two domains (tests/unit/test_i18n.py),
so a sentence the chat and an e-mail say alike is one entry that both use.

- core: what core says in every channel: validation and use-case messages (key = error
  code, core/texts.py) and the wording the chat and the e-mails share.
- chat: the registration chat (core/chat_texts.py).
- mail: the e-mails (mail/templates/*.j2, one template per kind, through `t`).
- report: the assignment report staff send (app/report*.py, app/templates/report/).
- ops: what `leertraject backup`, `restore` and `doctor` tell the person running the server.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from babel.messages.pofile import read_po

DOMAINS = ("core", "chat", "mail", "report", "web", "ops")
LANGUAGES = ("nl", "en")
FALLBACK = "nl"  # the working language: a text missing in English is shown in Dutch


@cache
def catalog(domain: str, language: str) -> dict[str, str]:
    """Key -> text of one domain in one language (translated entries only)."""
    path = resources.files("core") / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=language, domain=domain)
    return {str(m.id): str(m.string) for m in parsed if m.id and m.string}


@cache
def texts(language: str) -> dict[str, str]:
    """Key -> text of every domain in one language."""
    merged: dict[str, str] = {}
    for domain in DOMAINS:
        merged.update(catalog(domain, language))
    return merged


def template(key: str, language: str) -> str:
    """The text with its placeholders still in braces."""
    shown = "en" if language == "en" else FALLBACK
    found = texts(shown).get(key) or texts(FALLBACK).get(key)
    if found is None:
        raise KeyError(f"no text {key!r} in core/locale/*/LC_MESSAGES/*.po")
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


def has(key: str, domain: str | None = None) -> bool:
    return key in (catalog(domain, FALLBACK) if domain else texts(FALLBACK))


def keys(domain: str | None = None) -> list[str]:
    domains = (domain,) if domain else DOMAINS
    return sorted(set().union(*(catalog(d, lang) for d in domains for lang in LANGUAGES)))
