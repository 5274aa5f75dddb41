"""Telegram's limits: lengths, keyboards, and flood control with an injectable clock."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import ApiError, bad_request

Clock = Callable[[], float]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200
MAX_COMMANDS = 100


def utf16_len(text: str) -> int:
    """Telegram counts lengths and entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Limits:
    """Configurable limits; ``None`` switches a rate limit off.

    Flood control is a token bucket: a chat may send ``per_chat_burst`` messages at once and
    then ``per_chat_rate`` per second; the bot as a whole ``global_burst`` / ``global_rate``.
    """

    per_chat_rate: float | None = 1.0
    per_chat_burst: int = 3
    global_rate: float | None = 30.0
    global_burst: int = 30
    callback_answer_timeout: float = 15.0

    @classmethod
    def relaxed(cls) -> Limits:
        """No flood control at all (benchmarks); length and keyboard rules still apply."""
        return cls(per_chat_rate=None, global_rate=None)


class ManualClock:
    """A monotonic clock that only moves when a test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class TokenBucket:
    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.updated = now

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


class RateLimiter:
    """Per-chat and global token buckets. Not thread-safe: callers hold the state lock."""

    def __init__(self, limits: Limits, clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        self._chats: dict[int, TokenBucket] = {}
        self._global: TokenBucket | None = None
        self.reset(limits)

    def reset(self, limits: Limits) -> None:
        self.limits = limits
        self._chats.clear()
        now = self.clock()
        self._global = (
            TokenBucket(limits.global_rate, limits.global_burst, now)
            if limits.global_rate
            else None
        )

    def check_and_take(self, chat_id: int) -> None:
        """Take a token for one message to ``chat_id`` or raise 429 with retry_after."""
        now = self.clock()
        buckets: list[tuple[str, TokenBucket]] = []
        if self.limits.per_chat_rate:
            bucket = self._chats.get(chat_id)
            if bucket is None:
                bucket = TokenBucket(self.limits.per_chat_rate, self.limits.per_chat_burst, now)
                self._chats[chat_id] = bucket
            buckets.append((f"chat {chat_id}", bucket))
        if self._global is not None:
            buckets.append(("the bot overall", self._global))
        for scope, bucket in buckets:
            wait = bucket.wait_time(now)
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    violation="rate_limit",
                    detail=(
                        f"flood control for {scope} ({bucket.rate:g}/s, burst "
                        f"{bucket.burst:g}) exceeded; retry_after={retry_after}"
                    ),
                    parameters={"retry_after": retry_after},
                )
        for _scope, bucket in buckets:
            bucket.take()


def check_text(text: str, *, method: str, is_caption: bool = False) -> None:
    limit = MAX_CAPTION if is_caption else MAX_TEXT
    size = utf16_len(text)
    if size <= limit:
        return
    what = "caption" if is_caption else "text"
    detail = f"{what} is {size} UTF-16 code units after entity parsing; the limit is {limit}"
    if is_caption:
        raise bad_request("message caption is too long", "caption_too_long", detail)
    if method == "sendMessage":
        raise bad_request("message is too long", "message_too_long", detail)
    raise bad_request("MESSAGE_TOO_LONG", "message_too_long", detail)


_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def check_reply_markup(markup: Any) -> None:
    """Validate a decoded reply_markup the way the Bot API does."""
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object", "keyboard_invalid")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" must be an Array', "keyboard_invalid")
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else button.get("text")
                if not text:
                    raise bad_request("keyboard button text is empty", "keyboard_invalid")
    elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
        raise bad_request("can't parse reply keyboard markup JSON object", "keyboard_invalid")


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" must be an Array of Arrays', "keyboard_invalid")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("inline keyboard button text is empty", "keyboard_invalid")
            if not any(key in button for key in _BUTTON_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard",
                    "keyboard_invalid",
                    f"button {button['text']!r} has no action",
                )
            if "callback_data" in button:
                data = str(button["callback_data"])
                size = len(data.encode("utf-8"))
                if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                    raise bad_request(
                        "BUTTON_DATA_INVALID",
                        "button_data_invalid",
                        f"callback_data {data!r} of button {button['text']!r} is {size} bytes; "
                        f"it must be 1-{MAX_CALLBACK_DATA_BYTES} bytes",
                    )
