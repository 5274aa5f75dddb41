"""Telegram's webhook on the console's server: Telegram POSTs each update to its own path
with the secret-token header; the update is handled before the answer, so the answer says
whether it was recorded (200) or not (500: Telegram delivers it again, docs/faults.md).

No session or anti-forgery token here (Telegram is no staff member): the secret is the
sign-in, compared in constant time. The body is read as a stream, at most `max_body` bytes
within `read_timeout` seconds; uvicorn drops a client whose request head does not come
(app/web.py). What the update means is the bot's business: `handle` is handed in by app and
gets the decoded JSON object; web never imports the bot.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

log = logging.getLogger("leertraject.web.webhook")
SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_BODY = 1_000_000  # Telegram's updates are a few KB; 1 MB is generous
READ_TIMEOUT = 10.0  # seconds for the whole body
Handle = Callable[[dict[str, Any]], Awaitable[bool]]  # True once the update is recorded


class TooLarge(Exception):
    pass


@dataclass(frozen=True)
class Webhook:
    path: str  # the path of telegram.webhook_url
    secret: str = field(repr=False)  # TELEGRAM_WEBHOOK_SECRET; never empty (app checks)
    handle: Handle
    max_body: int = MAX_BODY
    read_timeout: float = READ_TIMEOUT


def webhook_routes(webhook: Webhook) -> list[Route]:
    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return Response(status_code=401)
        if not hmac.compare_digest(given.encode(), webhook.secret.encode()):
            log.warning("webhook call with a wrong secret token refused")
            return Response(status_code=403)
        try:
            async with asyncio.timeout(webhook.read_timeout):
                body = await _read(request, webhook.max_body)
        except TooLarge:
            return Response(status_code=413)
        except TimeoutError:
            log.info("webhook body not read within %.0f s; dropped", webhook.read_timeout)
            return Response(status_code=408, headers={"connection": "close"})
        except ClientDisconnect:
            return Response(status_code=400)
        try:
            data = json.loads(body)
        except ValueError:
            return Response(status_code=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return Response(status_code=400)
        try:
            recorded = await webhook.handle(data)
        except Exception:
            log.exception("webhook update %s could not be handled", data["update_id"])
            recorded = False
        return Response(status_code=200 if recorded else 500)

    return [Route(webhook.path, receive, methods=["POST"], name="telegram_webhook")]


async def _read(request: Request, limit: int) -> bytes:
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:  # chunked, or more than announced
            raise TooLarge
    return bytes(body)
