"""A chat update whose handling could not be committed is not confirmed to Telegram: with the
real PostgreSQL turned away, the update stays with the Telegram stand-in and is delivered
again; once the database is back it is answered, and the person was apologised to once."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

import bot.webhook
from app.bootstrap import App
from bot.webhook import SECRET_HEADER, WebhookConfig
from storage.health import heartbeats
from tests.bot_harness import config_for, running_bot, standin, text_of
from tests.integration.pg_faults import FaultyDatabase, faulty, faulty_app
from tests.telegram_standin import TelegramStandIn

pytestmark = pytest.mark.postgres
__all__ = ["faulty", "faulty_app", "standin"]
SORRY = "Er ging iets mis; er is niets bewaard."


def bot_alive(app: App) -> bool:
    """What `leertraject status` reads: the bot's last heartbeat went well."""
    with app.sessions() as session:
        return any(b.component == "telegram bot" and b.ok for b in heartbeats(session))


async def test_an_update_that_could_not_be_recorded_is_delivered_again(
    faulty_app: App, faulty: FaultyDatabase, standin: TelegramStandIn
) -> None:
    user = standin.user(language_code="nl")
    async with running_bot(faulty_app, standin):
        faulty.refuse()
        update = user.send_text("/start")
        update_id = int(update["update_id"])
        await user.areply(lambda m: SORRY in text_of(m), timeout=15)
        counts = standin.state.delivery_counts
        await standin.await_until(
            lambda: counts.get(update_id, 0) >= 2, timeout=15, what="a second delivery"
        )
        with standin.state.lock:
            assert update_id in [int(u["update_id"]) for u in standin.state.pending]

        faulty.admit()
        await user.areply(lambda m: "Stap 1 van 10" in text_of(m), timeout=30)
        await standin.await_until(
            lambda: not standin.state.pending, timeout=15, what="the update confirmed"
        )
        await standin.await_until(
            lambda: bot_alive(faulty_app), timeout=30, what="the bot's heartbeat"
        )
    apologies = [m for m in user.messages() if SORRY in text_of(m)]
    assert len(apologies) == 1, "apologised once, not at every redelivery"
    with faulty_app.uow() as uow:
        record = uow.inbound.get("telegram", str(update_id))
    assert record is not None and record.outcome == "handled"
    standin.assert_no_violations()


async def test_the_webhook_answers_500_until_recorded_and_drops_slow_clients(
    faulty_app: App,
    faulty: FaultyDatabase,
    standin: TelegramStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bot.webhook, "READ_TIMEOUT", 0.5)
    hook = WebhookConfig("https://bot.vlaio.example/telegram/hook", "127.0.0.1:0", "s3cr3t")
    config = dataclasses.replace(config_for(faulty_app, standin), webhook=hook)
    user = standin.user(language_code="nl")
    async with running_bot(faulty_app, standin, config=config) as service:
        assert service.webhook is not None
        port = service.webhook.port
        update = user.send_text("/start")
        faulty.refuse()
        assert await post(port, update) == 500, "not recorded: Telegram must send it again"
        faulty.admit()
        assert await post(port, update) == 200
        await user.areply(lambda m: "Stap 1 van 10" in text_of(m), timeout=15)

        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /telegram/hook HTTP/1.1\r\n")  # and then nothing more
        await writer.drain()
        answer = await asyncio.wait_for(reader.readline(), timeout=10)
        assert answer.startswith(b"HTTP/1.1 400"), answer
        writer.close()


async def post(port: int, update: dict[str, object]) -> int:
    body = json.dumps(update).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        "POST /telegram/hook HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        f"{SECRET_HEADER}: s3cr3t\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()
    status = int((await asyncio.wait_for(reader.readline(), timeout=30)).split()[1])
    writer.close()
    return status
