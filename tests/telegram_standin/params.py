"""Request parameters as the Bot API reads them, and the registry of method handlers.

python-telegram-bot sends every parameter as a form field: strings as they are, everything
else JSON-encoded (``reply_markup``, ``commands``, numbers, booleans). Other clients may send a
JSON body; both arrive here as one ``values`` mapping and are typed per field on access.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .models import JSON, bad_request

if TYPE_CHECKING:
    from .state import StandInState

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "link_preview_options",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "reply_parameters",
    }
)
INT_FIELDS = frozenset(
    {"message_id", "offset", "limit", "timeout", "cache_time", "reply_to_message_id"}
)
BOOL_FIELDS = frozenset(
    {"show_alert", "drop_pending_updates", "disable_notification", "disable_web_page_preview"}
)


@dataclass(frozen=True)
class UploadedFile:
    field: str
    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def str_(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def int_(self, name: str) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Integer') from None

    def float_(self, name: str, default: float) -> float:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be a Number') from None

    def bool_(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json_(self, name: str) -> Any:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            what = "reply keyboard markup" if name == "reply_markup" else f'field "{name}"'
            raise bad_request(f"can't parse {what} JSON object", "bad_json") from None

    def summary(self) -> JSON:
        """The parameters typed for inspection in ``standin.calls``."""
        out: JSON = {}
        for name, value in self.values.items():
            try:
                if name in JSON_FIELDS:
                    out[name] = self.json_(name)
                elif name in INT_FIELDS or (name == "chat_id" and _looks_int(value)):
                    out[name] = self.int_(name)
                elif name in BOOL_FIELDS:
                    out[name] = self.bool_(name)
                else:
                    out[name] = value
            except Exception:
                out[name] = value
        for name, upload in self.files.items():
            out[name] = {"filename": upload.filename, "size": len(upload.data)}
        return out


def _looks_int(value: Any) -> bool:
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.lstrip("-").isdigit()


Handler = Callable[["StandInState", Params], Any]
# Bot API method names are case-insensitive: the registry is keyed by the lowered name.
HANDLERS: dict[str, Handler] = {}


HandlerT = TypeVar("HandlerT", bound=Handler)


def method(*names: str) -> Callable[[HandlerT], HandlerT]:
    def register(func: HandlerT) -> HandlerT:
        for name in names:
            HANDLERS[name.lower()] = func
        return func

    return register
