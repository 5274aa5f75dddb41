"""What the chat conversation takes in and gives back, free of any chat library.

A channel (bot/) turns its updates into `ChatEvent`s and renders each `Answer`: replies with
buttons, an edit of the message whose button was tapped, and the short answer to the tap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

MAX_TEXT = 4096  # Telegram counts UTF-16 code units
MAX_TOAST = 200
MAX_DATA_BYTES = 64


class EventKind(StrEnum):
    TEXT = "text"
    TAP = "tap"
    COMMAND = "command"
    BLOCKED = "blocked"
    UNBLOCKED = "unblocked"


@dataclass(frozen=True)
class ChatEvent:
    """One thing a person did in the chat, with the update's stable id."""

    update_id: int
    user_id: int
    kind: EventKind
    text: str = ""  # what was typed, or the argument of a command ("/start TOKEN")
    command: str = ""  # "start", "wijzig", ... without the slash and the bot's name
    data: str = ""  # callback_data of the tapped button
    language_code: str | None = None  # from the person's Telegram app


@dataclass(frozen=True)
class Button:
    text: str
    data: str  # short and stable: "t:07", "m:44021", "nav:back"

    def __post_init__(self) -> None:
        if not 1 <= len(self.data.encode()) <= MAX_DATA_BYTES:
            raise ValueError(f"callback data {self.data!r} must be 1-{MAX_DATA_BYTES} bytes")


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Reply:
    text: str
    keyboard: Keyboard = ()
    edit: bool = False  # replace the message whose button was tapped, instead of a new one


@dataclass
class Answer:
    replies: list[Reply] = field(default_factory=list)
    toast: str = ""  # the answer to a tap (every tap is answered, this may be empty)
    duplicate: bool = False  # the update was handled before: do nothing at all
    outcome: str = "handled"

    def say(self, text: str, keyboard: Keyboard = ()) -> None:
        self.replies.append(Reply(text, keyboard))


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
