"""Value objects the stand-in hands to tests: bot messages, callback answers, violations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


class ApiError(Exception):
    """A Bot API error answer; with ``violation`` set, it also records a rule violation."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        violation: str | None = None,
        detail: str = "",
        parameters: JSON | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.violation = violation
        self.detail = detail or description
        self.parameters = parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str, violation: str | None = None, detail: str = "") -> ApiError:
    return ApiError(400, f"Bad Request: {description}", violation=violation, detail=detail)


@dataclass(frozen=True)
class Violation:
    """A Telegram rule the bot broke, as a readable line."""

    kind: str
    method: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.method}: {self.detail}"


@dataclass(frozen=True)
class DocumentInfo:
    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    data: bytes

    @property
    def file_size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True, eq=False)
class BotMessage:
    """A message of the bot as the user sees it at one moment (sent, or after an edit)."""

    chat_id: int
    message_id: int
    date: int
    text: str | None
    caption: str | None = None
    parse_mode: str | None = None
    entities: tuple[JSON, ...] = ()
    reply_markup: JSON | None = None
    link_preview_options: JSON | None = None
    document: DocumentInfo | None = None
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False
    raw: JSON = field(default_factory=dict)

    @property
    def inline_keyboard(self) -> list[list[JSON]]:
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            rows: list[list[JSON]] = self.reply_markup["inline_keyboard"]
            return rows
        return []

    @property
    def buttons(self) -> list[list[str]]:
        """Texts of the inline keyboard, row by row."""
        return [[str(button.get("text", "")) for button in row] for row in self.inline_keyboard]

    @property
    def callback_data(self) -> list[str]:
        return [
            str(button["callback_data"])
            for row in self.inline_keyboard
            for button in row
            if "callback_data" in button
        ]

    def find_button(self, text_or_data: str) -> JSON | None:
        """The inline button whose text or callback_data equals ``text_or_data``."""
        for row in self.inline_keyboard:
            for button in row:
                if text_or_data in (button.get("text"), button.get("callback_data")):
                    return button
        return None

    def __repr__(self) -> str:
        shown = self.text if self.text is not None else f"<document {self.caption!r}>"
        return (
            f"BotMessage(chat={self.chat_id}, id={self.message_id}, text={shown!r}, "
            f"buttons={self.buttons}, edits={self.edit_count})"
        )
