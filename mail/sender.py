"""The e-mail outbox sender: claim due rows, send them in one batch, record what happened.

Temporary failures (4xx, connection trouble) are retried with backoff; permanent ones (5xx)
are marked failed with the server's answer for staff. A row is claimed before it is sent, so
two senders never send the same row; a sender that dies mid-send leaves the row 'sending',
and it is failed for staff to check rather than sent a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from core.clock import Clock
from core.model import OutboxMessage
from core.ports import UnitOfWork
from mail.render import Renderer
from mail.smtp import MailTransport, SendResult, SendStatus

T = TypeVar("T")
Transaction = Callable[[Callable[[UnitOfWork], T]], T]
log = logging.getLogger("leertraject.mail.sender")

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
STALE_AFTER = timedelta(minutes=15)


class EmailSender:
    def __init__(
        self,
        transaction: Transaction[Any],
        renderer: Renderer,
        transport: MailTransport,
        clock: Clock,
        worker: str,
        batch_size: int = 50,
    ) -> None:
        self.transaction = transaction
        self.renderer = renderer
        self.transport = transport
        self.clock = clock
        self.worker = worker
        self.batch_size = batch_size

    async def drain(self) -> int:
        """Send everything that is due, batch after batch; returns how many went out."""
        sent = 0
        while True:
            claimed = await asyncio.to_thread(self.transaction, self._claim)
            if not claimed:
                return sent
            sent += await self._send(claimed)

    async def run(self, stop: asyncio.Event, interval: float = 10.0) -> None:
        while not stop.is_set():
            try:
                await self.drain()
            except Exception:
                log.exception("sending the e-mail outbox failed; trying again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    def _claim(self, uow: UnitOfWork) -> list[OutboxMessage]:
        now = self.clock.now()
        stale = uow.outbox.fail_stale(now - STALE_AFTER)
        if stale:
            log.warning("%d e-mail(s) were interrupted while sending; marked failed", stale)
        return uow.outbox.claim("email", now, self.batch_size, self.worker)

    async def _send(self, claimed: list[OutboxMessage]) -> int:
        now = self.clock.now()
        ready: list[tuple[OutboxMessage, Any]] = []
        broken: list[tuple[OutboxMessage, str]] = []
        for message in claimed:
            try:
                ready.append((message, self.renderer.build(message, now)))
            except Exception as exc:  # a template bug must not hold up the other messages
                log.exception("could not render outbox message %s", message.id)
                broken.append((message, f"rendering failed: {type(exc).__name__}: {exc}"))
        results = await self.transport.send([email for _, email in ready]) if ready else []
        outcomes = [
            (message, str(email["Message-ID"]), result)
            for (message, email), result in zip(ready, results, strict=True)
        ]

        def record(uow: UnitOfWork) -> int:
            done = 0
            for message, error in broken:
                assert message.id is not None
                uow.outbox.mark_failed(message.id, error)
            for message, external_id, result in outcomes:
                assert message.id is not None
                done += self._record(uow, message, external_id, result)
            return done

        sent: int = await asyncio.to_thread(self.transaction, record)
        return sent

    def _record(
        self, uow: UnitOfWork, message: OutboxMessage, external_id: str, result: SendResult
    ) -> int:
        assert message.id is not None
        now = self.clock.now()
        if result.status is SendStatus.SENT:
            uow.outbox.mark_sent(message.id, now, external_id)
            return 1
        answer = f"{result.code or ''} {result.text}".strip()
        if result.maybe_delivered:  # the server may have it: never risk sending it twice
            uow.outbox.mark_failed(message.id, f"mogelijk verzonden, verbinding weg: {answer}")
            return 0
        if result.status is SendStatus.PERMANENT_FAILURE or message.attempts >= MAX_ATTEMPTS:
            uow.outbox.mark_failed(message.id, answer)
            log.warning("outbox message %s failed for good: %s", message.id, answer)
        else:
            delay = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
            uow.outbox.mark_retry(message.id, answer, now + delay)
        return 0
