"""Webhook mode without extra packages: a small HTTP endpoint on asyncio that takes Telegram's
POSTs, checks the secret-token header, and handles each update before it answers: 200 once
the update is recorded, 500 when it could not be (Telegram then delivers it again). A request
must arrive whole within READ_TIMEOUT, with at most MAX_HEADERS header lines and MAX_BODY
bytes. Several instances can run behind one proxy, since the state is in the database."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import Update

from bot.ptb import AnyApplication

log = logging.getLogger("leertraject.bot.webhook")
SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_BODY = 1_000_000
MAX_HEADERS = 100
READ_TIMEOUT = 10.0  # seconds for the request line, headers and body together


@dataclass(frozen=True)
class WebhookConfig:
    url: str  # the public https URL Telegram posts to; its path is served here
    listen: str = "127.0.0.1:8443"
    secret: str = ""  # Telegram sends it back in the header; without it nothing is accepted

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.listen.rpartition(":")
        return host or "127.0.0.1", int(port)


class WebhookServer:
    def __init__(
        self,
        application: AnyApplication,
        config: WebhookConfig,
        handle: Callable[[Update], Awaitable[bool]],
    ) -> None:
        self.application = application
        self.config = config
        self.handle = handle  # True once the update's outcome is recorded
        self._server: asyncio.Server | None = None
        self.rejected = 0

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self, allowed_updates: list[str]) -> None:
        host, port = self.config.host_port
        self._server = await asyncio.start_server(self._serve, host, port)
        await self.application.bot.set_webhook(
            self.config.url, allowed_updates=allowed_updates, secret_token=self.config.secret
        )
        log.info("webhook listening on %s:%s%s", host, self.port, self.config.path)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status = await self._handle(reader)
        except (ValueError, asyncio.IncompleteReadError, ConnectionError) as error:
            log.info("bad webhook request: %s", error)
            status = 400
        reasons = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}
        reason = reasons.get(status, "Internal Server Error")
        head = f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        with contextlib.suppress(ConnectionError):
            writer.write(head.encode())
            await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader) -> int:
        try:  # a client that sends slowly (or not at all) is dropped, not waited for
            async with asyncio.timeout(READ_TIMEOUT):
                request, headers, body = await self._read(reader)
        except TimeoutError as error:
            raise ValueError(f"request not read within {READ_TIMEOUT:.0f} s") from error
        return await self._answer(request, headers, body)

    async def _read(self, reader: asyncio.StreamReader) -> tuple[list[str], dict[str, str], bytes]:
        request = (await reader.readline()).decode("latin-1").split()
        headers: dict[str, str] = {}
        while (line := (await reader.readline()).decode("latin-1").strip()) != "":
            if len(headers) >= MAX_HEADERS:
                raise ValueError("too many header lines")
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or "0")
        body = await reader.readexactly(length) if 0 < length <= MAX_BODY else b""
        return request, headers, body

    async def _answer(self, request: list[str], headers: dict[str, str], body: bytes) -> int:
        if len(request) < 2 or request[0] != "POST" or request[1].split("?")[0] != self.config.path:
            return 404
        secret = headers.get(SECRET_HEADER, "")
        if not self.config.secret or not hmac.compare_digest(secret, self.config.secret):
            self.rejected += 1
            return 403
        if not body:
            return 400  # empty, or larger than MAX_BODY (never read)
        data = json.loads(body)
        update = Update.de_json(data, self.application.bot)
        # Answered only after the update was handled: 500 when it could not be recorded,
        # and Telegram delivers it again later.
        return 200 if await self.handle(update) else 500
