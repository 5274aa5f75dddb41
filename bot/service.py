"""The bot as one long-running part of the service: python-telegram-bot's Application
lifecycle on the shared event loop (initialize, start, poll or webhook; stop in reverse),
the command menus per language, and the chat outbox sender beside it.

In webhook mode the bot serves no HTTP itself: the console's server (web/webhook.py) takes
Telegram's POSTs and hands each update's JSON to `handle_update`, wired by app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder

from bot.buckets import Clock as Monotonic
from bot.buckets import monotonic
from bot.chat import ChatBot
from bot.flood import FloodGuard, FloodLimits
from bot.polling import Poller, committed_handler
from bot.ptb import AnyApplication
from bot.sender import ChatSender, OutboxLoop
from bot.throttle import SendLimits, Throttle
from core.chat_texts import menu_text
from core.clock import Clock
from core.conversation import Conversation
from core.conversation.commands import COMMANDS, MENU
from core.ports import Transaction
from core.texts import DEFAULT_LANGUAGE, LANGUAGES
from core.themes import ThemeCatalog

log = logging.getLogger("leertraject.bot")
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
WEBHOOK_CHECK_SECONDS = 30.0  # how often webhook mode asks Telegram about its webhook


@dataclass(frozen=True)
class WebhookConfig:
    url: str  # the public https URL Telegram posts to (served by the console's server)
    secret: str = field(repr=False)  # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token


@dataclass(frozen=True)
class BotConfig:
    token: str
    base_url: str = "https://api.telegram.org/bot"
    webhook: WebhookConfig | None = None  # None: long polling
    poll_timeout: int = 10
    concurrency: int = 16  # updates handled at once (one per chat at a time)
    send: SendLimits = field(default_factory=SendLimits)
    flood: FloodLimits = field(default_factory=FloodLimits)
    outbox_interval: float = 2.0


class BotService:
    def __init__(
        self,
        config: BotConfig,
        conversation: Conversation,
        transaction: Transaction[Any],
        themes: ThemeCatalog,
        clock: Clock,
        worker: str,
        outbox: Callable[[ChatSender], OutboxLoop],
        rate_clock: Monotonic = monotonic,
        beat: Callable[[str, bool, str], None] | None = None,
    ) -> None:
        self.config = config
        self.beat = beat  # the bot's heartbeat (see `leertraject status`), at most every 30 s
        self._rate_clock = rate_clock
        self._last_beat: tuple[bool, float] | None = None
        self.application: AnyApplication = (
            ApplicationBuilder()
            .token(config.token)
            .base_url(config.base_url)
            .rate_limiter(Throttle(config.send, rate_clock))
            .concurrent_updates(config.concurrency)
            .updater(None)  # bot.polling confirms only what was recorded
            .build()
        )
        self.chat = ChatBot(conversation, transaction, FloodGuard(config.flood, rate_clock))
        self.chat.install(self.application)
        self.sender = outbox(ChatSender(self.application.bot, themes, clock, worker))
        self.handle = committed_handler(self.application, self.chat.uncommitted)
        self.poller: Poller | None = None
        self._polling: asyncio.Task[None] | None = None
        self._stop_polling = asyncio.Event()

    async def start(self) -> None:
        application = self.application
        await application.initialize()
        await register_commands(application.bot)
        await application.start()
        webhook = self.config.webhook
        if webhook is not None:
            await application.bot.set_webhook(
                webhook.url, allowed_updates=ALLOWED_UPDATES, secret_token=webhook.secret
            )
        else:
            await application.bot.delete_webhook()
            self.poller = Poller(
                application,
                self.handle,
                ALLOWED_UPDATES,
                self.config.poll_timeout,
                on_poll=self._heartbeat,
            )
            self._stop_polling.clear()
            self._polling = asyncio.create_task(self.poller.run(self._stop_polling))
        log.info("Telegram bot @%s is running", application.bot.username)

    async def handle_update(self, data: dict[str, Any]) -> bool:
        """One update from the webhook, handled before the HTTP answer: True once recorded."""
        recorded = await self.handle(Update.de_json(data, self.application.bot))
        if not recorded:
            await self._heartbeat(False, "an update was not recorded")
        return recorded

    async def _watch_webhook(self, stop: asyncio.Event) -> None:
        """Webhook mode's heartbeat: Telegram still has our webhook, and how many updates it
        holds for us (updates themselves arrive at any pace, or not at all)."""
        assert self.config.webhook is not None
        while not stop.is_set():
            try:
                info = await self.application.bot.get_webhook_info()
                ours = info.url == self.config.webhook.url
                detail = (
                    f"webhook {'set' if ours else 'NOT set'}, {info.pending_update_count} pending"
                )
                await self._heartbeat(ours, detail)
            except TelegramError as error:
                await self._heartbeat(False, f"getWebhookInfo failed: {error}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=WEBHOOK_CHECK_SECONDS)

    async def _heartbeat(self, ok: bool, detail: str) -> None:
        now = self._rate_clock()
        last = self._last_beat
        if self.beat is None or (last is not None and last[0] == ok and now - last[1] < 30):
            return
        self._last_beat = (ok, now)
        await asyncio.to_thread(self.beat, "telegram bot", ok, detail)

    async def stop(self) -> None:
        application = self.application
        if self._polling is not None:
            self._stop_polling.set()
            await asyncio.gather(self._polling, return_exceptions=True)
            self._polling = None
        if application.running:
            await application.stop()
        await application.shutdown()

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set; the chat outbox is drained meanwhile."""
        await self.start()
        helpers = [asyncio.create_task(self.sender.run(stop, interval=self.config.outbox_interval))]
        if self.config.webhook is not None:
            helpers.append(asyncio.create_task(self._watch_webhook(stop)))
        try:
            watched = helpers + ([self._polling] if self._polling is not None else [])
            done, _ = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # polling that failed for good (a revoked token) is raised
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self.stop()


async def register_commands(bot: Bot) -> None:
    """The command menu in Dutch and English; Dutch for every other language."""
    for language in (*LANGUAGES, None):
        shown = language or DEFAULT_LANGUAGE
        commands = [BotCommand(name, menu_text(COMMANDS[name], shown)) for name in MENU[shown]]
        await bot.set_my_commands(commands, language_code=language)
