"""The chat outbox sender: claim due "telegram" rows, send each as a chat message, record what
happened (the pattern of mail/sender.py).

Rate limits are kept by the bot's throttle (bot/throttle.py). A person who blocked the bot
(403) is marked unreachable on Telegram and gets the same message by e-mail; so does a kind
of message that has no chat version. Network trouble is retried with backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.limits import split_text
from core.clock import Clock
from core.conversation.outbox import by_email_instead, chat_text, mark_unreachable
from core.model import Channel, OutboxMessage, OutboxStatus
from core.outbox_policy import next_attempt
from core.ports import UnitOfWork
from core.themes import ThemeCatalog

log = logging.getLogger("leertraject.bot.sender")


class OutboxLoop(Protocol):
    """The sender in its loop (app wires it: app/outbox_runner.py)."""

    async def drain(self) -> int: ...
    async def run(self, stop: asyncio.Event, interval: float) -> None: ...


@dataclass(frozen=True)
class Sent:
    message: OutboxMessage
    status: str  # "sent" | "blocked" | "no_chat" | "failed" | "retry"
    detail: str = ""


class ChatSender:
    def __init__(
        self,
        bot: Bot,
        themes: ThemeCatalog,
        clock: Clock,
        worker: str,
        batch_size: int = 30,
    ) -> None:
        self.bot = bot
        self.themes = themes
        self.clock = clock
        self.worker = worker
        self.batch_size = batch_size

    async def send(self, claimed: list[OutboxMessage]) -> Callable[[UnitOfWork], int]:
        results = await asyncio.gather(*(self._send(m) for m in claimed))
        return self._recorder(list(results))

    def claim(self, uow: UnitOfWork) -> list[OutboxMessage]:
        return uow.outbox.claim(Channel.TELEGRAM, self.clock.now(), self.batch_size, self.worker)

    async def _send(self, message: OutboxMessage) -> Sent:
        text = chat_text(message, self.themes)
        if text is None:
            return Sent(message, "no_chat", f"no chat version of {message.kind}")
        try:
            chat_id = int(message.recipient)
        except ValueError:
            return Sent(message, "failed", f"not a chat id: {message.recipient!r}")
        try:
            first = None
            for piece in split_text(text):
                sent = await self.bot.send_message(chat_id, piece)
                first = first or sent.message_id
            return Sent(message, "sent", f"chat:{chat_id}:{first}")
        except Forbidden as error:
            return Sent(message, "blocked", f"Forbidden: {error.message}")
        except BadRequest as error:
            return Sent(message, "failed", f"Bad Request: {error.message}")
        except TelegramError as error:
            return Sent(message, "retry", f"{type(error).__name__}: {error}")

    def _recorder(self, results: list[Sent]) -> Callable[[UnitOfWork], int]:
        return lambda uow: self._record(uow, results)

    def _record(self, uow: UnitOfWork, results: list[Sent]) -> int:
        now = self.clock.now()
        done = 0
        for result in results:
            message = result.message
            assert message.id is not None
            if result.status == "sent":
                uow.outbox.mark_sent(message.id, now, result.detail)
                done += 1
            elif result.status == "retry" and (again := next_attempt(message.attempts, now)):
                uow.outbox.mark_retry(message.id, result.detail, again)
            elif result.status == "blocked":
                mark_unreachable(uow, now, message)
                copy = by_email_instead(uow, now, message)
                note = "; sent by e-mail instead" if copy else ""
                uow.outbox.mark_failed(
                    message.id, result.detail + note, status=OutboxStatus.BOUNCED
                )
                log.info("chat %s blocked the bot; contact falls back to e-mail", message.recipient)
            else:
                copy = by_email_instead(uow, now, message)
                note = "; sent by e-mail instead" if copy else ""
                uow.outbox.mark_failed(message.id, result.detail + note)
                log.warning("chat outbox message %s failed: %s", message.id, result.detail)
        return done
