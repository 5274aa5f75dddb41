"""What the registration chat says besides the form's own prompts and help, in Dutch and
English (core/form.py holds the questions).

The texts are the "chat" domain of core/i18n.py's gettext catalogs,
`core/locale/<language>/LC_MESSAGES/chat.po`, one msgid per stable key ("progress",
"button.back", "outbox.registration.updated"); a chat text may also use a key of another
domain (core's messages, wording shared with the e-mails). Plain text: Telegram shows it as
typed, nothing needs escaping.
"""

from __future__ import annotations

from core import i18n
from core.i18n import render, t, template

__all__ = ["DOMAIN", "catalog", "has", "keys", "menu_text", "render", "t", "template"]

DOMAIN = "chat"


def catalog(language: str) -> dict[str, str]:
    """Key -> text of the chat's own catalog in one language."""
    return i18n.catalog(DOMAIN, language)


def menu_text(action: str, language: str) -> str:
    """The description of a command in Telegram's menu."""
    return t(f"menu.{action}", language)


def keys() -> list[str]:
    return i18n.keys(DOMAIN)


def has(key: str) -> bool:
    """Whether the chat says this (core/conversation/outbox.py: which kinds have a chat form)."""
    return i18n.has(key)
