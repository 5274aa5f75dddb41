"""The gettext catalogs read from disk with Babel: `core/locale/<language>/LC_MESSAGES/
<domain>.po`, shipped inside the core package. core keeps the keys and the lookup
(core/i18n.py); app installs this reader at start (app/__init__.py)."""

from __future__ import annotations

from importlib import resources

from babel.messages.pofile import read_po

from core import i18n


def read_catalog(domain: str, language: str) -> dict[str, str]:
    """Key -> text of one domain in one language (translated entries only)."""
    path = resources.files("core") / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=language, domain=domain)
    return {str(m.id): str(m.string) for m in parsed if m.id and m.string}


def install() -> None:
    i18n.install(read_catalog)
