"""The stand-in's memory: chats, bot messages, the update queue, callback queries, violations.

One re-entrant lock guards everything. Long polling waits on a condition of that lock; each
chat has its own condition (so 300 users waiting for replies do not wake each other) and
registered asyncio events for async waiters.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .models import JSON, ApiError, BotMessage, CallbackAnswer, DocumentInfo, Violation
from .rules import Clock, Limits, RateLimiter

UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
        "guest_message",
        "managed_bot",
    }
)
# What Telegram sends when allowed_updates was never set (or set to an empty list).
DEFAULT_ALLOWED = UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}

AsyncWaiter = tuple[asyncio.AbstractEventLoop, asyncio.Event]


def update_type(update: JSON) -> str:
    return next((key for key in update if key != "update_id"), "unknown")


@dataclass
class ChatState:
    chat_id: int
    user: JSON
    chat: JSON
    cond: threading.Condition
    next_message_id: int = 1
    started: bool = False
    blocked: bool = False
    bot_messages: dict[int, BotMessage] = field(default_factory=dict)
    user_messages: dict[int, JSON] = field(default_factory=dict)
    events: list[BotMessage] = field(default_factory=list)  # every send and edit, in order
    answers: dict[str, CallbackAnswer] = field(default_factory=dict)
    reply_keyboard: JSON | None = None
    async_waiters: set[AsyncWaiter] = field(default_factory=set)

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class CallbackRecord:
    query_id: str
    chat_id: int
    update_id: int
    data: str | None
    delivered_at: float | None = None
    answer: CallbackAnswer | None = None
    flagged: bool = False


class StandInState:
    def __init__(self, token: str, limits: Limits, clock: Clock, bot_user: JSON) -> None:
        self.lock = threading.RLock()
        self.updates_cond = threading.Condition(self.lock)
        self.activity = threading.Condition(self.lock)
        self.activity_waiters: set[AsyncWaiter] = set()
        self.waiting_polls = 0
        self.token = token
        self.bot_user = bot_user
        self.clock = clock
        self.limits = limits
        self.rate = RateLimiter(limits, clock)
        self.chats: dict[int, ChatState] = {}
        self.pending: list[JSON] = []  # unconfirmed updates, ascending update_id
        self.redeliver: list[JSON] = []
        self.history: dict[int, JSON] = {}
        self.delivery_counts: dict[int, int] = {}
        self.next_update_id = 700_000_001
        self.poll_generation = 0
        self.allowed: frozenset[str] = DEFAULT_ALLOWED
        self.callbacks: dict[str, CallbackRecord] = {}
        self.query_ids = itertools.count(4_417_000_000_000_000_001)
        self.violations: list[Violation] = []
        self.calls: list[tuple[str, JSON]] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.files: dict[str, DocumentInfo] = {}
        self.webhook: JSON | None = None
        self.closed = False

    # -- bookkeeping ---------------------------------------------------------------------------

    def set_limits(self, limits: Limits) -> None:
        with self.lock:
            self.limits = limits
            self.rate.reset(limits)

    def violate(self, kind: str, method: str, detail: str) -> None:
        with self.lock:
            self.violations.append(Violation(kind, method, detail))
            self.wake_activity()

    def record_call(self, method: str, params: JSON) -> None:
        with self.lock:
            self.calls.append((method, params))
            self.wake_activity()

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")
                self.activity.wait(remaining)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.updates_cond.notify_all()
            self.wake_activity()
            for chat in self.chats.values():
                self.notify_chat(chat)

    # -- chats -------------------------------------------------------------------------------

    def ensure_chat(self, user: JSON) -> ChatState:
        with self.lock:
            chat = self.chats.get(user["id"])
            if chat is None:
                chat_json: JSON = {"id": user["id"], "type": "private"}
                for key in ("first_name", "last_name", "username"):
                    if user.get(key):
                        chat_json[key] = user[key]
                chat = ChatState(user["id"], user, chat_json, threading.Condition(self.lock))
                self.chats[user["id"]] = chat
            return chat

    def notify_chat(self, chat: ChatState) -> None:
        """Wake sync and async waiters of ``chat``; the caller holds the lock."""
        chat.cond.notify_all()
        _wake(chat.async_waiters)
        self.wake_activity()

    def wake_activity(self) -> None:
        """Something changed: wake ``wait_until`` and ``await_until``; caller holds the lock."""
        self.activity.notify_all()
        _wake(self.activity_waiters)

    def store_bot_message(self, chat: ChatState, message: BotMessage) -> None:
        with self.lock:
            chat.bot_messages[message.message_id] = message
            chat.events.append(message)
            self.notify_chat(chat)

    # -- updates -------------------------------------------------------------------------------

    def enqueue(self, update: JSON) -> int:
        with self.lock:
            if "update_id" not in update:  # first key, as in Telegram's JSON
                body = dict(update)
                update.clear()
                update["update_id"] = self.next_update_id
                update.update(body)
            update_id = int(update["update_id"])
            self.next_update_id = max(self.next_update_id, update_id + 1)
            self.history[update_id] = update
            if self.pending and self.pending[-1]["update_id"] > update_id:
                self.pending.append(update)
                self.pending.sort(key=lambda u: int(u["update_id"]))
            else:
                self.pending.append(update)
            self.updates_cond.notify_all()
            self.wake_activity()
            return update_id

    def deliver_again(self, update_id: int) -> None:
        with self.lock:
            if update_id not in self.delivery_counts:
                raise KeyError(f"update {update_id} was never delivered to the bot")
            self.redeliver.append(self.history[update_id])
            self.updates_cond.notify_all()

    def confirm(self, offset: int | None) -> None:
        """Forget updates the bot confirmed with ``offset`` (negative: keep the last -offset)."""
        if not offset:
            return
        if offset < 0:
            del self.pending[: max(0, len(self.pending) + offset)]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        self.wake_activity()

    def get_updates(
        self, offset: int | None, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[JSON]:
        with self.lock:
            if self.webhook is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            self.poll_generation += 1
            generation = self.poll_generation
            self.updates_cond.notify_all()  # an older long poll is terminated (409)
            if allowed is not None:
                self.allowed = frozenset(allowed) or DEFAULT_ALLOWED
            self.confirm(offset)
            deadline = time.monotonic() + timeout
            while True:
                if generation != self.poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that "
                        "only one bot instance is running",
                    )
                batch = self._take(limit)
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0 or self.closed:
                    break
                self.waiting_polls += 1
                self.wake_activity()
                try:
                    self.updates_cond.wait(remaining)
                finally:
                    self.waiting_polls -= 1
            now = self.clock()
            for update in batch:
                update_id = int(update["update_id"])
                self.delivery_counts[update_id] = self.delivery_counts.get(update_id, 0) + 1
                query = update.get("callback_query")
                record = self.callbacks.get(query["id"]) if query else None
                if record is not None and record.delivered_at is None:
                    record.delivered_at = now
            self.wake_activity()
            return batch

    def _take(self, limit: int) -> list[JSON]:
        batch = self.redeliver[:limit]
        del self.redeliver[: len(batch)]
        # Telegram drops updates of a type the bot did not ask for instead of keeping them.
        self.pending = [u for u in self.pending if update_type(u) in self.allowed]
        return batch + self.pending[: limit - len(batch)]

    # -- callback queries -----------------------------------------------------------------------

    def check_callbacks(self, final: bool) -> None:
        """Flag delivered callback queries left unanswered too long (or at all, if final)."""
        with self.lock:
            now = self.clock()
            timeout = self.limits.callback_answer_timeout
            for record in self.callbacks.values():
                if record.answer or record.flagged or record.delivered_at is None:
                    continue
                waited = now - record.delivered_at
                if final or waited > timeout:
                    record.flagged = True
                    self.violate(
                        "callback_unanswered",
                        "answerCallbackQuery",
                        f"callback query {record.query_id} (data {record.data!r}) in chat "
                        f"{record.chat_id} was not answered "
                        + (f"within {timeout:g}s" if waited > timeout else "at all"),
                    )

    def wait_chat(self, chat: ChatState, ready: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.lock:
            while not ready():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed:
                    return ready()
                chat.cond.wait(remaining)
            return True

    async def await_ready(
        self, waiters: set[AsyncWaiter], ready: Callable[[], bool], timeout: float
    ) -> bool:
        """Wait without blocking the event loop until ``ready()`` (called under the lock)."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        waiter = (loop, event)
        deadline = loop.time() + timeout
        with self.lock:
            waiters.add(waiter)
        try:
            while True:
                with self.lock:
                    event.clear()
                    if ready():
                        return True
                    if self.closed:
                        return False
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
        finally:
            with self.lock:
                waiters.discard(waiter)


def _wake(waiters: set[AsyncWaiter]) -> None:
    for loop, event in list(waiters):
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # that loop is closed; its waiter is gone
            waiters.discard((loop, event))
