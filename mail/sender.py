"""The e-mail outbox sender: claim due rows, send them in one batch, record what happened.

Temporary failures (4xx, connection trouble) are retried with backoff; permanent ones (5xx)
are marked failed with the server's answer for staff. A row is claimed before it is sent, so
two senders never send the same row; a sender that dies mid-send leaves the row 'sending',
and it is failed for staff to check rather than sent a second time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from core.clock import Clock
from core.model import Channel, OutboxMessage
from core.outbox_policy import next_attempt
from core.ports import UnitOfWork
from mail.render import Renderer
from mail.smtp import MailTransport, SendResult, SendStatus

log = logging.getLogger("leertraject.mail.sender")

STALE_AFTER = timedelta(minutes=15)


class EmailSender:
    def __init__(
        self,
        renderer: Renderer,
        transport: MailTransport,
        clock: Clock,
        worker: str,
        batch_size: int = 50,
    ) -> None:
        self.renderer = renderer
        self.transport = transport
        self.clock = clock
        self.worker = worker
        self.batch_size = batch_size

    def claim(self, uow: UnitOfWork) -> list[OutboxMessage]:
        now = self.clock.now()
        stale = uow.outbox.fail_stale(now - STALE_AFTER)
        if stale:
            log.warning("%d e-mail(s) were interrupted while sending; marked failed", stale)
        return uow.outbox.claim(Channel.EMAIL, now, self.batch_size, self.worker)

    async def send(self, claimed: list[OutboxMessage]) -> Callable[[UnitOfWork], int]:
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

        return record

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
        again = next_attempt(message.attempts, now)
        if result.status is SendStatus.PERMANENT_FAILURE or again is None:
            uow.outbox.mark_failed(message.id, answer)
            log.warning("outbox message %s failed for good: %s", message.id, answer)
        else:
            uow.outbox.mark_retry(message.id, answer, again)
        return 0
