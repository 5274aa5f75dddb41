"""What people type, normalised and cleaned: lookups ignore case, accents, hyphens and
spacing; control characters never reach storage nor an answer."""

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


# Control characters (NUL, escapes, bidi overrides) never reach storage nor an answer; tabs
# and line breaks stay in free texts.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
SUBJECT_LIMIT = 200  # an echoed subject: well inside RFC 5322's 998-character line


def clean(value: object) -> object:
    """Control characters removed from a text, or from every text in a list or mapping."""
    if type(value) is str:
        return clean_text(value)
    if isinstance(value, str):  # a value that means more than its text (a Conflict) is kept:
        return value  # it cleaned its parts when it was made
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    return value


def clean_text(text: str) -> str:
    """A text without control characters; line breaks become plain newlines."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """One line to echo (a subject): no control characters nor breaks, cut at `limit`."""
    line = " ".join(_CONTROL.sub("", text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
