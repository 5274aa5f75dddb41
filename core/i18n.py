"""Every text a user sees, in Dutch and English, behind a stable key: the key space and the
lookup (`t`, `render`, `template`); the catalogs themselves are read outside core.

One mechanism for the chat, core's messages and the e-mails: gettext catalogs, `core/locale/
<language>/LC_MESSAGES/<domain>.po`, one msgid per stable key. app installs the reader at
start (app/catalogs.py, with Babel); each catalog is read once, on first use. Placeholders in
braces are filled by str.format. Translators edit the .po files; the keys never change.

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

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

DOMAINS = ("core", "chat", "mail", "report", "web", "ops")
LANGUAGES = ("nl", "en")
FALLBACK = "nl"  # the working language: a text missing in English is shown in Dutch


# (domain, language) -> key -> text, translated entries only.
CatalogReader = Callable[[str, str], Mapping[str, str]]
_reader: list[CatalogReader] = []


def install(reader: CatalogReader) -> None:
    """Where the catalogs come from (app does this at start); forgets what was read before."""
    _reader[:] = [reader]
    catalog.cache_clear()
    texts.cache_clear()


@cache
def catalog(domain: str, language: str) -> dict[str, str]:
    """Key -> text of one domain in one language (translated entries only)."""
    if not _reader:
        raise LookupError("no text catalogs installed: app installs them at start")
    return dict(_reader[0](domain, language))


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
        raise KeyError(f"no text {key!r} in the catalogs")
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
