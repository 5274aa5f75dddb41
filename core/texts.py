"""Every sentence core says to a user, in Dutch and English, behind a stable key.

The sentences are the "core" domain of core/i18n.py's gettext catalogs
(`core/locale/<language>/LC_MESSAGES/core.po`), the one mechanism every channel reads; a
validation error's key is its code. This module keeps the names core's callers use.
"""

from __future__ import annotations

from typing import Any

from core import i18n

LANGUAGES = i18n.LANGUAGES
DEFAULT_LANGUAGE = i18n.FALLBACK


def text(key: str, language: str, **params: Any) -> str:
    return i18n.t(key, language, **params)


def normalise_language(value: str | None) -> str:
    """Telegram's 'nl-BE', an e-mail's 'EN', or nothing: always one of LANGUAGES."""
    if not value:
        return DEFAULT_LANGUAGE
    code = value.strip().lower()[:2]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE
