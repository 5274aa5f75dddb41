"""A bare python-telegram-bot echo bot and fixtures, to test the Telegram stand-in with."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.ptb import AnyApplication
from tests.telegram_standin import (
    ManualClock,
    TelegramStandIn,
)

# PTB's own RetryAfter constructor warns about retry_after becoming a timedelta in v23.
_RETRY_AFTER_WARNING = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Ja", callback_data="yes"),
            InlineKeyboardButton("Nee", callback_data="no"),
        ],
        [
            InlineKeyboardButton("Stil", callback_data="silent"),
            InlineKeyboardButton("Traag", callback_data="slow"),
            InlineKeyboardButton("Zelfde", callback_data="same"),
            InlineKeyboardButton("Lang", callback_data="long-answer"),
        ],
    ]
)


@dataclass
class EchoBot:
    """A bare PTB bot: echoes text with KEYBOARD, answers taps, misbehaves on request."""

    app: AnyApplication
    errors: asyncio.Queue[Exception] = field(default_factory=asyncio.Queue)
    member_statuses: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    update_ids: list[int] = field(default_factory=list)
    release_slow: asyncio.Event = field(default_factory=asyncio.Event)

    async def next_error(self) -> Exception:
        return await asyncio.wait_for(self.errors.get(), timeout=5)


def build_echo_bot(standin: TelegramStandIn) -> EchoBot:
    app = ApplicationBuilder().token(standin.token).base_url(standin.base_url).build()
    bot = EchoBot(app)

    async def remember(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot.update_ids.append(update.update_id)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(
            f"start {' '.join(context.args or [])}", reply_markup=KEYBOARD
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text, reply_markup=KEYBOARD)

    async def too_long(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("x" * 4097)

    async def bad_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        button = InlineKeyboardButton("te lang", callback_data="d" * 65)
        await update.message.reply_text("kies", reply_markup=InlineKeyboardMarkup([[button]]))

    async def burst(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        for number in range(int((context.args or ["1"])[0])):
            await update.message.reply_text(f"bericht {number + 1}")

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        if query.data == "silent":
            await query.edit_message_text("stil bewerkt")  # and never answered
            return
        if query.data == "slow":
            await bot.release_slow.wait()
        if query.data == "long-answer":
            await query.answer("a" * 201)
            return
        await query.answer(f"ontvangen: {query.data}")
        if query.data == "same":
            message = query.message
            assert message is not None and not isinstance(message, int)
            text = getattr(message, "text", None) or ""
            await query.edit_message_text(text, reply_markup=KEYBOARD)
            return
        await query.edit_message_text(f"gekozen: {query.data}")

    async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        await bot.member_statuses.put(update.my_chat_member.new_chat_member.status)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        await bot.errors.put(context.error)

    app.add_handler(TypeHandler(Update, remember), group=-1)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("long", too_long))
    app.add_handler(CommandHandler("baddata", bad_data))
    app.add_handler(CommandHandler("burst", burst))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(tapped))
    app.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(on_error)
    return bot


@pytest.fixture
def tg_clock() -> ManualClock:
    """Flood control and the callback deadline run on this clock: tests move it by hand."""
    return ManualClock()


@pytest.fixture
def standin(tg_clock: ManualClock) -> Iterator[TelegramStandIn]:
    with TelegramStandIn(clock=tg_clock) as server:
        yield server


@pytest.fixture
async def bot(standin: TelegramStandIn) -> AsyncIterator[EchoBot]:
    echo = build_echo_bot(standin)
    async with echo.app:
        await echo.app.start()
        assert echo.app.updater is not None
        await echo.app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield echo
        finally:
            await echo.app.updater.stop()
            await echo.app.stop()


def call(
    standin: TelegramStandIn,
    method: str,
    params: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    as_json: bool = False,
) -> tuple[int, dict[str, Any]]:
    """One raw Bot API request: a form like PTB sends, or a JSON body."""
    url = f"http://127.0.0.1:{standin.port}/bot{token or standin.token}/{method}"
    params = params or {}
    if as_json:
        data, kind = json.dumps(params).encode(), "application/json"
    else:
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        data, kind = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


# -- conversations ------------------------------------------------------------------------------
