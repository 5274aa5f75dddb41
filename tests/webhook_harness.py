"""The bot in webhook mode behind the console's real server: uvicorn on a loopback port, the
webhook handed to the running bot as `leertraject run` wires it, and Telegram's side played by
the test (it POSTs the stand-in's updates with the secret header)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from app.bootstrap import App
from app.telegram import WebhookRelay
from app.web import HEAD_TIMEOUT, console_app, serve
from bot.service import BotService, WebhookConfig
from tests.bot_harness import config_for, running_bot
from tests.telegram_standin import TelegramStandIn
from web.webhook import READ_TIMEOUT, SECRET_HEADER, Webhook

URL = "https://bot.vlaio.example/telegram/hook"
PATH = "/telegram/hook"
SECRET = "s3cr3t-of-the-webhook"


@dataclass
class Hook:
    service: BotService
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def post(
        self, update: object, secret: str | None = SECRET, path: str = PATH
    ) -> httpx.Response:
        headers = {"content-type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as client:
            return await client.post(path, content=json.dumps(update).encode(), headers=headers)


@asynccontextmanager
async def webhook_bot(
    app: App,
    standin: TelegramStandIn,
    *,
    head_timeout: float = HEAD_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
    max_body: int = 1_000_000,
) -> AsyncIterator[Hook]:
    config = dataclasses.replace(config_for(app, standin), webhook=WebhookConfig(URL, SECRET))
    relay = WebhookRelay()
    hook = Webhook(PATH, SECRET, relay, max_body=max_body, read_timeout=read_timeout)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    stop = asyncio.Event()
    async with running_bot(app, standin, config=config) as service:
        relay.service = service
        server = asyncio.create_task(
            serve(console_app(app, webhook=hook), sock, stop, "test", head_timeout)
        )
        try:
            yield Hook(service, sock.getsockname()[1])
        finally:
            stop.set()
            await server
            sock.close()
