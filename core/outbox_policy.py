"""How every outbox sender behaves, whatever its channel: the retry schedule, and the loop
that claims, sends and records until nothing is due."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from core.model import OutboxMessage
from core.ports import UnitOfWork

T = TypeVar("T")
Transaction = Callable[[Callable[[UnitOfWork], T]], T]

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` tries, or None: give up and show it to staff."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


async def drain(
    transaction: Transaction[Any],
    claim: Callable[[UnitOfWork], list[OutboxMessage]],
    send: Callable[[list[OutboxMessage]], Awaitable[Callable[[UnitOfWork], int]]],
) -> int:
    """Claim due rows, send them, record the outcome, until nothing is due; how many went out.

    The database work runs in a thread (it blocks); `send` returns the recording step."""
    sent = 0
    while True:
        claimed: list[OutboxMessage] = await asyncio.to_thread(transaction, claim)
        if not claimed:
            return sent
        record = await send(claimed)
        sent += await asyncio.to_thread(transaction, record)


async def run_every(
    stop: asyncio.Event, interval: float, work: Callable[[], Awaitable[int]], log: logging.Logger
) -> None:
    """Repeat `work` until stopped; a failure is logged and tried again at the next turn."""
    while not stop.is_set():
        try:
            await work()
        except Exception:
            log.exception("sending the outbox failed; trying again later")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
