"""Telegram's limits, and fitting the chat's answers within them: a text of at most 4,096
UTF-16 units per message, a tap's answer of 200 characters, button data of 1-64 bytes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MAX_TEXT = 4096  # Telegram counts UTF-16 code units
MAX_TOAST = 200
MAX_DATA_BYTES = 64


def check_data(data: str) -> str:
    """A button's callback data, refused if Telegram would refuse it."""
    if not 1 <= len(data.encode()) <= MAX_DATA_BYTES:
        raise ValueError(f"callback data {data!r} must be 1-{MAX_DATA_BYTES} bytes")
    return data


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` UTF-16 units, as few as possible: whole lines where they
    fit, else words, else characters."""
    if utf16_len(text) <= limit:
        return [text]
    words = _Packer(" ", limit, _hard_cut_limit(limit))
    return _Packer("\n", limit, lambda line: words.pack(line.split(" "))).pack(text.split("\n"))


@dataclass(frozen=True)
class _Packer:
    separator: str
    limit: int
    too_long: Callable[[str], list[str]]

    def pack(self, parts: list[str]) -> list[str]:
        return _pack(parts, self.separator, self.limit, self.too_long)


def _pack(
    parts: list[str], separator: str, limit: int, too_long: Callable[[str], list[str]]
) -> list[str]:
    pieces: list[str] = []
    current: str | None = None
    for part in parts:
        candidate = part if current is None else f"{current}{separator}{part}"
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current is not None:
            pieces.append(current)
        if utf16_len(part) <= limit:
            current = part
        else:
            *full, current = too_long(part)
            pieces.extend(full)
    if current is not None:
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def _hard_cut_limit(limit: int) -> Callable[[str], list[str]]:
    def cut(text: str) -> list[str]:
        pieces: list[str] = []
        current = ""
        for char in text:
            if utf16_len(current + char) > limit:
                pieces.append(current)
                current = ""
            current += char
        return [*pieces, current]

    return cut
