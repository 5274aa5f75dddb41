"""Wiring of the Telegram channel: the registration chat and the chat outbox sender, as one
component of `leertraject run`. Without TELEGRAM_BOT_TOKEN there is no such component (the
service says so once, and runs its other channels). In webhook mode the console's server
takes Telegram's POSTs (web/webhook.py) and a `WebhookRelay` passes them to the running bot."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from app.bootstrap import App
from app.health import heartbeat, worker_id
from app.journal import JournalChatSender, JournalConversation, logged_transaction
from app.outbox_runner import OutboxRunner
from app.secrets import secret, telegram_token
from app.service import Component
from bot.buckets import Clock as Monotonic
from bot.buckets import monotonic
from bot.flood import FloodLimits
from bot.sender import ChatSender
from bot.service import BotConfig, BotService, WebhookConfig
from bot.throttle import SendLimits
from core.conversation import ChatOptions
from web.webhook import Webhook


def webhook_secret() -> str:
    """The secret-token Telegram must send with every webhook call (webhook mode only)."""
    value = secret("TELEGRAM_WEBHOOK_SECRET")
    return value.get_secret_value() if value else ""


def bot_config(
    app: App,
    token: str,
    *,
    base_url: str | None = None,
    send: SendLimits | None = None,
    flood: FloodLimits | None = None,
    poll_timeout: int = 10,
) -> BotConfig:
    telegram = app.settings.telegram
    webhook = None
    if telegram.mode == "webhook":
        webhook = WebhookConfig(telegram.webhook_url, webhook_secret())
    return BotConfig(
        token=token,
        base_url=base_url or telegram.base_url,
        webhook=webhook,
        poll_timeout=poll_timeout,
        send=send or SendLimits(),
        flood=flood or FloodLimits(),
    )


def bot_service(app: App, config: BotConfig, rate_clock: Monotonic = monotonic) -> BotService:
    """The bot; every handled update and every sent chat message gets a log line
    (app.journal)."""
    options = ChatOptions(intake_address=app.settings.mail.address)
    conversation = JournalConversation(app.env, options)
    worker = worker_id("telegram")
    transaction = logged_transaction(app.transaction)
    return BotService(
        config,
        conversation,
        transaction,
        app.env.themes,
        app.env.clock,
        worker,
        lambda plain: OutboxRunner(app.transaction, journalled(plain)),
        rate_clock=rate_clock,
        beat=heartbeat(app),
    )


def journalled(plain: ChatSender) -> JournalChatSender:
    """The bot's chat sender, with one log line per message it tried to send."""
    return JournalChatSender(plain.bot, plain.themes, plain.clock, plain.worker, plain.batch_size)


class WebhookRelay:
    """Hands the console server's webhook calls to the bot running in this process; while
    none runs (starting, restarting) an update is not recorded, so Telegram sends it again."""

    def __init__(self) -> None:
        self.service: BotService | None = None

    async def __call__(self, data: dict[str, Any]) -> bool:
        service = self.service
        if service is None or not service.application.running:
            return False
        return await service.handle_update(data)


def telegram_components(app: App, relay: WebhookRelay | None = None) -> list[Component]:
    """The bot, if a token is set; otherwise nothing (run_service logs why)."""
    token = telegram_token()
    if token is None:
        return []
    config = bot_config(app, token.get_secret_value())
    if config.webhook is not None and not (config.webhook.url and config.webhook.secret):
        raise SystemExit(
            "telegram.mode = webhook needs telegram.webhook_url and TELEGRAM_WEBHOOK_SECRET"
        )
    return [bot_component(app, config, relay)]


def webhook_endpoint(app: App, relay: WebhookRelay) -> Webhook | None:
    """The webhook the console's server serves: only in webhook mode with a token."""
    telegram = app.settings.telegram
    if telegram.mode != "webhook" or telegram_token() is None:
        return None
    return Webhook(urlsplit(telegram.webhook_url).path or "/", webhook_secret(), relay)


def bot_component(app: App, config: BotConfig, relay: WebhookRelay | None = None) -> Component:
    async def run(stop: asyncio.Event) -> None:
        service = bot_service(app, config)
        if relay is not None:
            relay.service = service
        try:
            await service.run(stop)
        finally:
            if relay is not None and relay.service is service:
                relay.service = None

    async def once() -> int:
        """One pass: the chat outbox is sent (updates wait for the running service)."""
        service = bot_service(app, config)
        async with service.application:
            return await service.sender.drain()

    host = urlsplit(config.base_url).hostname or config.base_url
    mode = "webhook" if config.webhook else "polling"
    return Component(f"telegram bot ({mode}, {host})", run, once)
