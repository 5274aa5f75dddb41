"""A typed list of preferred themes split into its entries, the same way in every channel
(the chat, the e-mail template, the staff console): "9, 11, 3", "9; 11; 3", "9 en 11 en 3",
one per line, or titles. A theme title that holds a comma or "en" (theme 2: "... in
(city)marketing, publiek domein en producten") is protected: it stays one entry. Linear on
hostile input."""

from __future__ import annotations

import re
from collections.abc import Sequence

_NUMBERS_ONLY = re.compile(r"^\d{1,2}(?:(?: ?[,;/&+] ?| (?:en|and) | )\d{1,2})*\.?$", re.I)
_WORDS = r",|\s+(?:en|and|&)\s+(?!-)"


def split_preferences(value: str, protected: Sequence[str] = ()) -> list[str]:
    """The entries in order; a line break always separates, and so does a semicolon, else a
    comma or "en"/"and" (except inside a protected phrase or parentheses)."""
    entries: list[str] = []
    for line in value.splitlines():
        entries += _split_line(line, protected)
    return entries


def _split_line(value: str, protected: Sequence[str]) -> list[str]:
    value = " ".join(value.rstrip(".").split())
    if not value:
        return []
    if _NUMBERS_ONLY.match(value):
        return re.findall(r"\d{1,2}", value)
    masked, saved = _mask(value, protected)
    parts = re.split(";" if ";" in masked else _WORDS, masked)
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
