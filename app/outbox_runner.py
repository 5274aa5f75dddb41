"""The loop every outbox sender runs in, whatever its channel: claim due rows, send them,
record the outcome, until nothing is due; and the same again every few seconds.

The channels say how to claim, send and record (mail/sender.py, bot/sender.py); core says
when to try again (core/outbox_policy.py). The database work runs in a thread: it blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from core.model import OutboxMessage
from core.ports import Transaction, UnitOfWork

log = logging.getLogger("leertraject.outbox")


class OutboxSender(Protocol):
    def claim(self, uow: UnitOfWork) -> list[OutboxMessage]: ...
    async def send(self, claimed: list[OutboxMessage]) -> Callable[[UnitOfWork], int]: ...


@dataclass(frozen=True)
class OutboxRunner:
    transaction: Transaction[Any]
    sender: OutboxSender

    async def drain(self) -> int:
        """Send everything that is due, batch after batch; returns how many went out."""
        sent = 0
        while True:
            claimed = await asyncio.to_thread(self.transaction, self.sender.claim)
            if not claimed:
                return sent
            record = await self.sender.send(claimed)
            sent += await asyncio.to_thread(self.transaction, record)

    async def run(self, stop: asyncio.Event, interval: float) -> None:
        """Drain until stopped; a failure is logged and tried again at the next turn."""
        while not stop.is_set():
            try:
                await self.drain()
            except Exception:
                log.exception("sending the outbox failed; trying again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
