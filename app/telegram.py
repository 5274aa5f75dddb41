"""Wiring of the Telegram channel: the registration chat and the chat outbox sender, as one
component of `leertraject run`. Without TELEGRAM_BOT_TOKEN there is no such component (the
service says so once, and runs its other channels)."""

from __future__ import annotations

import asyncio
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
from bot.service import BotConfig, BotService
from bot.throttle import SendLimits
from bot.webhook import WebhookConfig
from core.conversation import ChatOptions


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
        webhook = WebhookConfig(telegram.webhook_url, telegram.webhook_listen, webhook_secret())
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


def telegram_components(app: App) -> list[Component]:
    """The bot, if a token is set; otherwise nothing (run_service logs why)."""
    token = telegram_token()
    if token is None:
        return []
    config = bot_config(app, token.get_secret_value())
    if config.webhook is not None and not (config.webhook.url and config.webhook.secret):
        raise SystemExit(
            "telegram.mode = webhook needs telegram.webhook_url and TELEGRAM_WEBHOOK_SECRET"
        )
    return [bot_component(app, config)]


def bot_component(app: App, config: BotConfig) -> Component:
    async def run(stop: asyncio.Event) -> None:
        await bot_service(app, config).run(stop)

    async def once() -> int:
        """One pass: the chat outbox is sent (updates wait for the running service)."""
        service = bot_service(app, config)
        async with service.application:
            return await service.sender.drain()

    host = urlsplit(config.base_url).hostname or config.base_url
    mode = "webhook" if config.webhook else "polling"
    return Component(f"telegram bot ({mode}, {host})", run, once)
