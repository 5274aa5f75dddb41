"""Webhook mode: Telegram POSTs updates to the console's server (uvicorn, web/webhook.py), and
the bot answers in the chat. Only Telegram's secret opens it; a body too large, or a client
too slow, is refused without reaching the bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from app.bootstrap import App
from app.telegram import WebhookRelay
from app.web import web_components
from core.model import Channel
from tests.bot_harness import standin, text_of
from tests.telegram_standin import TelegramStandIn
from tests.webhook_harness import PATH, SECRET, URL, webhook_bot
from web.webhook import Webhook

__all__ = ["standin"]
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def recorded(app: App, update: dict[str, object]) -> bool:
    with app.uow() as uow:
        return uow.inbound.get(Channel.TELEGRAM, str(update["update_id"])) is not None


async def test_an_update_is_recorded_before_the_200_and_answered_in_the_chat(
    app: App, standin: TelegramStandIn
) -> None:
    user = standin.user(language_code="nl")
    async with webhook_bot(app, standin) as hook:
        [registered] = standin.calls_of("setWebhook")
        assert registered["url"] == URL and registered["secret_token"] == SECRET
        update = user.send_text("/start")  # Telegram would POST this to the webhook
        response = await hook.post(update)
        assert response.status_code == 200
        assert recorded(app, update), "the 200 comes after the update was recorded"
        await user.areply(lambda m: "Stap 1 van 10" in text_of(m))
        assert (await hook.post(update)).status_code == 200  # Telegram sends it again
        other = standin.user(language_code="nl")
        assert (await hook.post(other.send_text("/start"))).status_code == 200
        await other.areply(lambda m: "Stap 1 van 10" in text_of(m))
    assert sum("Stap 1 van 10" in text_of(m) for m in user.messages()) == 1, "answered once"
    assert standin.calls_of("getUpdates") == []
    standin.assert_no_violations()


@SQLITE_ONLY
async def test_without_telegrams_secret_nothing_is_handled(
    app: App, standin: TelegramStandIn
) -> None:
    user, other = standin.user(language_code="nl"), standin.user(language_code="nl")
    async with webhook_bot(app, standin) as hook:
        update = user.send_text("/start")
        assert (await hook.post(update, secret=None)).status_code == 401
        assert (await hook.post(update, secret="wrong")).status_code == 403
        assert (await hook.post(update, secret=SECRET[:-1])).status_code == 403
        assert (await hook.post(update, path="/telegram/other")).status_code == 404
        # the console's sign-in does not stand in for the secret, nor the secret for it
        async with httpx.AsyncClient(base_url=hook.base) as client:
            assert (await client.get(PATH)).status_code == 405
            assert (await client.get("/", follow_redirects=False)).status_code == 303
        # a valid update after them is answered: the refused ones were not merely slow
        assert (await hook.post(other.send_text("/start"))).status_code == 200
        await other.areply(lambda m: "Stap 1 van 10" in text_of(m))
    assert not recorded(app, update) and user.messages() == []


@SQLITE_ONLY
async def test_a_body_over_the_limit_is_refused_unread(app: App, standin: TelegramStandIn) -> None:
    user = standin.user(language_code="nl")
    async with webhook_bot(app, standin, max_body=4096) as hook:
        update = user.send_text("/start")
        big = {**update, "padding": "x" * 5000}
        assert (await hook.post(big)).status_code == 413

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked
            for _ in range(10):
                yield b" " * 1000

        headers = {"x-telegram-bot-api-secret-token": SECRET}
        async with httpx.AsyncClient(base_url=hook.base) as client:
            response = await client.post(PATH, content=chunks(), headers=headers)
        assert response.status_code == 413
        assert (await hook.post("not an update")).status_code == 400
    assert not recorded(app, update) and user.messages() == []


@SQLITE_ONLY
async def test_a_slow_client_is_dropped(app: App, standin: TelegramStandIn) -> None:
    async with webhook_bot(app, standin, head_timeout=0.5, read_timeout=0.5) as hook:
        # the request line, then nothing: uvicorn alone would wait for ever
        reader, writer = await asyncio.open_connection("127.0.0.1", hook.port)
        writer.write(f"POST {PATH} HTTP/1.1\r\nHost: bot\r\n".encode())
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), timeout=10) == b"", "closed, no answer"
        writer.close()
        # the head, then half of the announced body
        reader, writer = await asyncio.open_connection("127.0.0.1", hook.port)
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: 100\r\n\r\n"
        )
        writer.write(head.encode() + b'{"update_id": 1')
        await writer.drain()
        answer = await asyncio.wait_for(reader.readline(), timeout=10)
        assert answer.startswith(b"HTTP/1.1 408"), answer
        writer.close()
        # and the server still serves everyone else
        async with httpx.AsyncClient(base_url=hook.base) as client:
            assert (await client.get("/health/live")).status_code == 200


@SQLITE_ONLY
async def test_the_consoles_form_limit_does_not_apply_to_the_webhook(
    app: App, standin: TelegramStandIn
) -> None:
    """A long message (Telegram's updates can carry 4,096 characters and entities) is over
    the console's 64 KiB form limit when padded, and within the webhook's own 1 MB."""
    user = standin.user(language_code="nl")
    async with webhook_bot(app, standin) as hook:
        update = user.send_text("/start")
        padded = {**update, "padding": "x" * 200_000}  # unknown fields are ignored
        assert (await hook.post(padded)).status_code == 200
        await user.areply(lambda m: "Stap 1 van 10" in text_of(m))
        async with httpx.AsyncClient(base_url=hook.base) as client:
            form = await client.post("/login", content=b"x" * 200_000)
        assert form.status_code == 413


@SQLITE_ONLY
def test_a_webhook_path_that_is_a_console_page_stops_the_start(app: App) -> None:
    for path in ("/", "/login", "/registrations/LT-1", "/static/console.css", "/health/ready"):
        with pytest.raises(SystemExit, match="is a page of the console"):
            web_components(app, Webhook(path, SECRET, WebhookRelay()))
    assert web_components(app, Webhook(PATH, SECRET, WebhookRelay()))[0].name == "web"
