"""What the chat conversation takes in and gives back, free of any chat library.

A channel (bot/) turns its updates into `ChatEvent`s and renders each `Answer`: replies with
buttons, an edit of the message whose button was tapped, and the short answer to the tap.
The channel's own limits (message length, button data) are the channel's: bot/limits.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from core.model import InboundOutcome


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
    outcome: InboundOutcome = InboundOutcome.HANDLED

    def say(self, text: str, keyboard: Keyboard = ()) -> None:
        self.replies.append(Reply(text, keyboard))
