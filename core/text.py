"""Normalising what people type, so lookups ignore case, accents, hyphens and spacing."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, no accents, every run of punctuation or space becomes one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", ascii_only.lower()).strip()


def fold_place(text: str) -> str:
    """Like fold, and "St-", "St.", "Sint " all read as "sint"."""
    folded = fold(text)
    return re.sub(r"\bst\b", "sint", folded)


def compact(text: str) -> str:
    """Folded without spaces: "Merelbeke-Melle" and "merelbeke melle" compare equal."""
    return fold_place(text).replace(" ", "")


def csv_delimiter(content: str) -> str:
    """What Excel used: a semicolon (Belgian Excel) when the header has more of them, else comma."""
    lines = content.splitlines()
    first = lines[0] if lines else ""
    return ";" if first.count(";") > first.count(",") else ","
