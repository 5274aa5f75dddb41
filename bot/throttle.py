"""Outgoing rate limits, in python-telegram-bot's own hook (a `BaseRateLimiter`): every
message the bot sends, answers and outbox alike, waits for a token of its chat (about one a
second, a burst of three) and of the bot as a whole (30 a second). A 429 that still happens
is waited out and the request repeated."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.buckets import Clock, TokenBucket, monotonic

log = logging.getLogger("leertraject.bot.throttle")
JSONDict = dict[str, Any]


@dataclass(frozen=True)
class SendLimits:
    """None switches a limit off (tests and benchmarks against a stand-in without limits)."""

    per_chat_rate: float | None = 1.0
    per_chat_burst: int = 3
    overall_rate: float | None = 29.0  # a little under Telegram's 30/s
    overall_burst: int = 29
    retries_after_429: int = 3

    @classmethod
    def off(cls) -> SendLimits:
        return cls(per_chat_rate=None, overall_rate=None)


class Throttle(BaseRateLimiter[None]):
    def __init__(self, limits: SendLimits | None = None, clock: Clock = monotonic) -> None:
        self.limits = limits or SendLimits()
        self.clock = clock
        self._chats: dict[object, TokenBucket] = {}
        self._chat_locks: dict[object, asyncio.Lock] = {}
        self._overall: TokenBucket | None = None
        if self.limits.overall_rate:
            self._overall = TokenBucket(self.limits.overall_rate, self.limits.overall_burst, 0.0)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        if _is_send(endpoint):
            await self._wait(data.get("chat_id"))
        for attempt in range(self.limits.retries_after_429 + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == self.limits.retries_after_429:
                    raise
                delay = _seconds(error)
                log.warning("Telegram asked to wait %.0f s (%s); waiting", delay, endpoint)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _wait(self, chat_id: object) -> None:
        bucket = self._chat_bucket(chat_id)
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:  # one chat's messages leave in the order they were asked for
            while True:
                now = self.clock()
                wait = max(
                    bucket.wait_time(now) if bucket else 0.0,
                    self._overall.wait_time(now) if self._overall else 0.0,
                )
                if wait <= 0:
                    if bucket:
                        bucket.take()
                    if self._overall:
                        self._overall.take()
                    break
                await asyncio.sleep(wait)
        if not lock.locked() and len(self._chat_locks) > 10_000:
            self._forget_idle()

    def _chat_bucket(self, chat_id: object) -> TokenBucket | None:
        if not self.limits.per_chat_rate:
            return None
        bucket = self._chats.get(chat_id)
        if bucket is None:
            now = self.clock()
            bucket = TokenBucket(self.limits.per_chat_rate, self.limits.per_chat_burst, now)
            self._chats[chat_id] = bucket
        return bucket

    def _forget_idle(self) -> None:
        now = self.clock()
        for chat_id, bucket in list(self._chats.items()):
            lock = self._chat_locks.get(chat_id)
            if bucket.full(now) and (lock is None or not lock.locked()):
                self._chats.pop(chat_id, None)
                self._chat_locks.pop(chat_id, None)


def _is_send(endpoint: str) -> bool:
    """Messages count against the limits; edits, answers to taps and polling do not."""
    return endpoint.startswith("send") and endpoint != "sendChatAction"


def _seconds(error: RetryAfter) -> float:
    delay: Any = error._retry_after if hasattr(error, "_retry_after") else error.retry_after
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
