"""The values of template fields: whitespace, hints and placeholders removed, one-line
preference lists split into their entries. Linear on hostile input."""

from __future__ import annotations

import re
from collections.abc import Sequence

_BLANKS = re.compile(r"[ \t\xa0]+")
_LINK = re.compile(r"\s?[<\[](?:mailto:|https?://|tel:)[^>\]\s]{0,500}[>\]]", re.IGNORECASE)
_OPTIONAL_HINT = re.compile(
    r"\s*\((?:optioneel|optional|facultatief|niet verplicht|not required|verplicht|required)"
    r"[^()]*\)\s*$",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"^(?:\(.*\)|\[.*\]|<[^@<>]*>|\.{2,}|…+|_+)$")
_NUMBERS_ONLY = re.compile(r"^\d{1,2}(?:(?: ?[,;/&+] ?| (?:en|and) | )\d{1,2})*\.?$", re.I)


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


def split_preferences(value: str, protected: Sequence[str] = ()) -> list[str]:
    """'9, 11, 3' / '9; 11; 3' / '9 en 11 en 3' / titles -> raw entries in order."""
    value = " ".join(clean_value(value).rstrip(".").split())
    if not value:
        return []
    if _NUMBERS_ONLY.match(value):
        return re.findall(r"\d{1,2}", value)
    masked, saved = _mask(value, protected)
    separators = ";" if ";" in masked else r",|\s+(?:en|and|&)\s+(?!-)"
    parts = re.split(separators, masked)
    return [p for p in (_unmask(p, saved).strip(" .") for p in parts) if p]


def _mask(value: str, protected: Sequence[str]) -> tuple[str, list[str]]:
    saved: list[str] = []

    def keep(m: re.Match[str]) -> str:
        saved.append(m.group(0))
        return f"\x00{len(saved) - 1}\x00"

    masked = value
    for phrase in sorted(protected, key=len, reverse=True):
        masked = re.sub(re.escape(phrase), keep, masked, flags=re.IGNORECASE)
    return re.sub(r"\([^()]*\)", keep, masked), saved


def _unmask(value: str, saved: list[str]) -> str:
    for _ in range(3):  # protected phrases may hold masked parentheses
        value = re.sub(r"\x00(\d+)\x00", lambda m: saved[int(m.group(1))], value)
    return value
