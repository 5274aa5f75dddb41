"""The e-mail outbox sender on real databases: sent once, retried when it may help, failed
with the server's answer when it cannot, never sent twice."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from email.message import EmailMessage

from app.bootstrap import App
from app.outbox_runner import OutboxRunner
from core.clock import FixedClock
from core.model import Channel, OutboxMessage, OutboxStatus
from core.ports import UnitOfWork
from mail.render import Renderer, Sender
from mail.sender import EmailSender
from mail.smtp import SendResult, SendStatus


class ScriptedTransport:
    """Answers as told, one status per call, and remembers every message it was given."""

    def __init__(self, *statuses: SendStatus) -> None:
        self.statuses = list(statuses)
        self.sent: list[EmailMessage] = []

    async def send(self, messages: Sequence[EmailMessage]) -> list[SendResult]:
        status = self.statuses.pop(0) if self.statuses else SendStatus.SENT
        await asyncio.sleep(0)  # let another sender run in between
        self.sent.extend(messages)
        code = {SendStatus.SENT: 250, SendStatus.TEMPORARY_FAILURE: 451}.get(status, 550)
        return [SendResult(status, code, "server says so", str(m["Message-ID"])) for m in messages]


def queue(app: App, count: int = 1, kind: str = "verification.code") -> None:
    now = app.env.clock.now()
    params = {
        "code": "123456",
        "municipality_name": "Gent",
        "valid_minutes": 15,
        "reference": "LT-X",
    }

    def add(uow: UnitOfWork) -> None:
        for n in range(count):
            message = OutboxMessage(
                Channel.EMAIL, f"p{n}@gent.be", "nl", kind, params, f"k{n}", now
            )
            uow.outbox.add(message)

    app.transaction(add)


def sender(app: App, transport: ScriptedTransport, worker: str = "w1") -> OutboxRunner:
    renderer = Renderer(app.env.themes, Sender("intake@vlaio.test", "VLAIO"))
    email = EmailSender(renderer, transport, app.env.clock, worker, batch_size=10)
    return OutboxRunner(app.transaction, email)


def statuses(app: App) -> list[tuple[str, int, str | None]]:
    with app.uow() as uow:
        return [
            (m.status, m.attempts, m.last_error)
            for m in sorted(uow.outbox.list(), key=lambda m: m.id or 0)
        ]


async def test_a_temporary_failure_is_retried_later(app: App, clock: FixedClock) -> None:
    transport = ScriptedTransport(SendStatus.TEMPORARY_FAILURE)
    queue(app)
    assert await sender(app, transport).drain() == 0
    assert statuses(app) == [("queued", 1, "451 server says so")]
    assert await sender(app, transport).drain() == 0, "not due again yet"
    clock.advance(timedelta(minutes=1, seconds=1))
    assert await sender(app, transport).drain() == 1
    assert statuses(app)[0][0] == "sent"
    assert len(transport.sent) == 2


async def test_a_permanent_failure_is_shown_to_staff(app: App) -> None:
    queue(app)
    await sender(app, ScriptedTransport(SendStatus.PERMANENT_FAILURE)).drain()
    assert statuses(app) == [("failed", 1, "550 server says so")]
    with app.uow() as uow:
        [failed] = uow.outbox.list(OutboxStatus.FAILED)
        assert failed.id is not None and uow.outbox.requeue(failed.id, app.env.clock.now())
        uow.commit()
    assert await sender(app, ScriptedTransport()).drain() == 1


async def test_two_senders_at_once_send_every_message_once(app: App) -> None:
    queue(app, count=25)
    transport = ScriptedTransport()
    first, second = sender(app, transport, "w1"), sender(app, transport, "w2")
    counts = await asyncio.gather(first.drain(), second.drain())
    assert sum(counts) == 25
    recipients = [str(m["To"]) for m in transport.sent]
    assert sorted(recipients) == sorted(f"p{n}@gent.be" for n in range(25))


async def test_a_send_interrupted_by_a_crash_is_not_repeated(app: App, clock: FixedClock) -> None:
    queue(app)
    app.transaction(lambda uow: uow.outbox.claim(Channel.EMAIL, clock.now(), 10, "died"))
    clock.advance(timedelta(minutes=16))
    transport = ScriptedTransport()
    assert await sender(app, transport).drain() == 0
    assert transport.sent == []
    assert statuses(app)[0][0] == "failed"


async def test_a_message_that_cannot_be_rendered_does_not_hold_up_the_rest(app: App) -> None:
    queue(app, count=1, kind="no.such.template")
    now = app.env.clock.now()
    app.transaction(
        lambda uow: uow.outbox.add(
            OutboxMessage(
                Channel.EMAIL,
                "ok@gent.be",
                "nl",
                "verification.code",
                {"code": "1", "municipality_name": "Gent", "valid_minutes": 15, "reference": "LT"},
                "other",
                now,
            )
        )
    )
    transport = ScriptedTransport()
    assert await sender(app, transport).drain() == 1
    assert [s[0] for s in statuses(app)] == ["failed", "sent"]
