"""Running the registration bot against the Telegram stand-in, and what a scripted person
does with it: type, tap, wait for what they would see. No sleeps: every wait is on the
stand-in's events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest

from app.bootstrap import App
from app.telegram import bot_config, bot_service
from bot.buckets import Clock as Monotonic
from bot.buckets import monotonic
from bot.flood import FloodLimits
from bot.service import BotConfig, BotService
from bot.throttle import SendLimits
from core.model import Contact
from tests.telegram_standin import BotMessage, Limits, ScriptedUser, TelegramStandIn

INTAKE = "leertrajecten@vlaio.example"


@pytest.fixture
def standin() -> Iterator[TelegramStandIn]:
    """Telegram without flood control (one test turns it on), every other rule enforced."""
    with TelegramStandIn(limits=Limits.relaxed()) as server:
        yield server


def config_for(
    app: App,
    standin: TelegramStandIn,
    *,
    send: SendLimits | None = None,
    flood: FloodLimits | None = None,
) -> BotConfig:
    return bot_config(
        app,
        standin.token,
        base_url=standin.base_url,
        send=send or SendLimits.off(),
        flood=flood or FloodLimits.off(),
        poll_timeout=1,
    )


@asynccontextmanager
async def running_bot(
    app: App,
    standin: TelegramStandIn,
    *,
    config: BotConfig | None = None,
    rate_clock: Monotonic = monotonic,
) -> AsyncIterator[BotService]:
    service = bot_service(app, config or config_for(app, standin), rate_clock)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


def text_of(message: BotMessage) -> str:
    return message.text or ""


async def say(user: ScriptedUser, text: str, expect: str, timeout: float = 10) -> BotMessage:
    """Type `text`; the first message (sent or edited) that contains `expect`."""
    user.send_text(text)
    return await user.areply(lambda m: expect in text_of(m), timeout=timeout)


async def tap(user: ScriptedUser, button: str, expect: str, timeout: float = 10) -> BotMessage:
    """Tap a button (text or callback_data) of the latest keyboard; waits for `expect` and
    for the tap to be answered."""
    user.tap(button)
    shown = await user.areply(lambda m: expect in text_of(m), timeout=timeout)
    await user.aanswer(timeout=timeout)
    return shown


def code_for(app: App, email: str) -> str:
    """The newest code the e-mail outbox holds for `email` (what the official reads)."""
    with app.uow() as uow:
        codes = [
            m
            for m in uow.outbox.list(limit=1000)
            if m.kind == "verification.code" and m.recipient == email
        ]
    assert codes, f"no verification code was queued for {email}"
    return str(codes[0].params["code"])


def invite(app: App, refnis: str, name: str, email: str, token: str) -> Contact:
    contact = Contact(refnis, name, email, invited=True, token=token, language="nl")
    app.transaction(lambda uow: uow.contacts.add(contact))
    return contact


async def register_by_link(
    user: ScriptedUser, token: str, themes: tuple[str, ...] = ("t:09", "t:11", "t:03")
) -> BotMessage:
    """An invited official goes through the whole chat by the invitation's deep link."""
    await say(user, f"/start {token}", "Stap 1 van 6")
    await say(user, "Centrummanager", "Stap 2 van 6")
    await tap(user, "nav:skip", "Stap 3 van 6")
    for theme in themes:
        await tap(user, theme, "Uw keuze")
    await tap(user, "t:done", "Stap 4 van 6")
    for step in ("Stap 5 van 6", "Stap 6 van 6", "Controleer uw inschrijving"):
        await tap(user, "nav:skip", step)
    return await tap(user, "s:ok", "Bedankt!")
