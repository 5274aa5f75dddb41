"""The values of template fields: whitespace, hints and placeholders removed (a one-line
preference list is split by core/preferences.py). Linear on hostile input."""

from __future__ import annotations

import re

_BLANKS = re.compile(r"[ \t\xa0]+")
_LINK = re.compile(r"\s?[<\[](?:mailto:|https?://|tel:)[^>\]\s]{0,500}[>\]]", re.IGNORECASE)
_OPTIONAL_HINT = re.compile(
    r"\s*\((?:optioneel|optional|facultatief|niet verplicht|not required|verplicht|required)"
    r"[^()]*\)\s*$",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"^(?:\(.*\)|\[.*\]|<[^@<>]*>|\.{2,}|…+|_+)$")


def squeeze(line: str) -> str:
    """Whitespace runs cut to what carries meaning (a tab, or two spaces as a separator).

    Keeps every regex here linear on hostile input such as 50,000 spaces in a row.
    """
    return _BLANKS.sub(_squeeze_run, line.strip())


def _squeeze_run(m: re.Match[str]) -> str:
    run = m.group(0)
    return "\t" if "\t" in run else "  " if len(run) > 1 else " "


def clean_value(value: str) -> str:
    """A value without the blank template's hints, placeholders and mail-client link noise."""
    value = _LINK.sub("", squeeze(value)).strip()
    value = re.sub(r"(?:\s{2,}|\t)\([^()]*\)\s*$", "", value)
    value = _OPTIONAL_HINT.sub("", value).strip()
    if _PLACEHOLDER.match(value):
        return ""
    return value.strip()
