"""Tests of the Telegram Bot API stand-in, mostly through a bare python-telegram-bot
Application that polls it over real HTTP; a few speak raw HTTP to pin the protocol."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:  # pytest puts tests/ on sys.path, not the repository root
    sys.path.insert(0, _ROOT)

from tests.telegram_standin import (  # noqa: E402
    BotThread,
    Limits,
    ManualClock,
    ScriptedUser,
    TelegramStandIn,
)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
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


async def test_text_gets_the_echo_as_a_realistic_message(
    standin: TelegramStandIn, bot: EchoBot
) -> None:
    user = standin.user(first_name="An", username="an_gent", language_code="nl")
    sent = user.send_text("Hallo bot")
    reply = await user.areply()

    assert reply.text == "Hallo bot"
    assert reply.buttons == [["Ja", "Nee"], ["Stil", "Traag", "Zelfde", "Lang"]]
    assert sent["message"]["message_id"] == 1 and reply.message_id == 2
    assert reply.raw["from"]["is_bot"] is True
    assert reply.raw["from"]["username"] == standin.bot_user["username"]
    assert reply.raw["chat"] == {
        "id": user.id,
        "type": "private",
        "first_name": "An",
        "username": "an_gent",
    }
    assert abs(reply.date - time.time()) < 60
    assert reply.raw["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "Ja",
        "callback_data": "yes",
    }
    assert user.messages() == [reply]
    standin.assert_no_violations()


async def test_start_with_payload_is_a_bot_command(standin: TelegramStandIn, bot: EchoBot) -> None:
    user = standin.user()
    update = user.send_text("/start TOKEN_1-x")
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert (await user.areply()).text == "start TOKEN_1-x"
    second = user.send_text("nog iets")
    assert second["update_id"] == update["update_id"] + 1
    standin.assert_no_violations()


async def test_tap_is_answered_and_the_message_edited(
    standin: TelegramStandIn, bot: EchoBot
) -> None:
    user = standin.user()
    user.send_text("kies maar")
    question = await user.areply()

    update = user.tap("Ja")
    query = update["callback_query"]
    assert query["data"] == "yes" and query["from"]["id"] == user.id
    assert query["message"]["message_id"] == question.message_id
    edited = await user.areply()
    answer = await user.aanswer()

    assert answer.text == "ontvangen: yes"
    assert edited.message_id == question.message_id
    assert edited.text == "gekozen: yes" and edited.edit_count == 1
    assert edited.buttons == []  # editMessageText without reply_markup drops the keyboard
    assert [m.text for m in user.messages()] == ["gekozen: yes"]
    with pytest.raises(LookupError, match="no bot message with an inline keyboard"):
        user.tap("Ja")
    standin.assert_no_violations()


async def test_tap_finds_buttons_by_callback_data_and_fails_clearly(
    standin: TelegramStandIn, bot: EchoBot
) -> None:
    user = standin.user()
    with pytest.raises(LookupError, match="no bot message with an inline keyboard"):
        user.tap("Ja")
    user.send_text("hallo")
    await user.areply()
    with pytest.raises(LookupError, match=r"no button 'Misschien'.*\['Ja', 'Nee'\]"):
        user.tap("Misschien")
    user.tap("no")
    assert (await user.areply()).text == "gekozen: no"
    standin.assert_no_violations()


async def test_redelivered_update_reaches_the_bot_twice(
    standin: TelegramStandIn, bot: EchoBot
) -> None:
    user = standin.user()
    update_id = user.send_text("eenmaal")["update_id"]
    assert (await user.areply()).text == "eenmaal"

    standin.deliver_again(update_id)
    again = await user.areply()

    assert again.text == "eenmaal" and again.message_id != 2
    assert standin.delivery_count(update_id) == 2
    assert bot.update_ids.count(update_id) == 2
    standin.assert_no_violations()


async def test_long_poll_returns_as_soon_as_an_update_arrives(standin: TelegramStandIn) -> None:
    echo = build_echo_bot(standin)
    async with echo.app:
        await echo.app.start()
        assert echo.app.updater is not None
        await echo.app.updater.start_polling(poll_interval=0, timeout=30)
        await standin.await_until(lambda: standin.long_polling, what="a waiting getUpdates")
        user = standin.user()
        started = time.perf_counter()
        user.send_text("snel?")
        reply = await user.areply(timeout=10)
        elapsed = time.perf_counter() - started
        await echo.app.updater.stop()
        await echo.app.stop()
    assert reply.text == "snel?"
    assert elapsed < 2, f"the 30 s long poll did not return promptly ({elapsed:.2f} s)"


# -- rules -----------------------------------------------------------------------------------


async def test_too_long_text_is_refused_counting_utf16(
    standin: TelegramStandIn, bot: EchoBot
) -> None:
    user = standin.user()
    user.send_text("/long")
    error = await bot.next_error()
    assert isinstance(error, BadRequest) and "message is too long" in error.message.lower()
    assert len(standin.pop_violations("message_too_long")) == 1

    await bot.app.bot.send_message(user.id, "😀" * 2048)  # 4,096 UTF-16 code units
    await bot.app.bot.send_message(user.id, f"<b>{'x' * 4096}</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.app.bot.send_message(user.id, "😀" * 2049)  # 2,049 characters, 4,098 units
    [violation] = standin.pop_violations("message_too_long")
    assert "4098 UTF-16" in violation
    standin.assert_no_violations()


async def test_bad_callback_data_is_refused(standin: TelegramStandIn, bot: EchoBot) -> None:
    user = standin.user()
    user.send_text("/baddata")
    error = await bot.next_error()
    assert isinstance(error, BadRequest) and "button_data_invalid" in error.message.lower()
    empty = InlineKeyboardMarkup([[InlineKeyboardButton("leeg", callback_data="")]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.app.bot.send_message(user.id, "kies", reply_markup=empty)
    assert len(standin.pop_violations("button_data_invalid")) == 2
    assert user.messages() == []
    standin.assert_no_violations()


async def test_unanswered_callback_query_is_a_violation(
    standin: TelegramStandIn, bot: EchoBot, tg_clock: ManualClock
) -> None:
    user = standin.user()
    user.send_text("hallo")
    await user.areply()
    user.tap("Stil")
    assert (await user.areply()).text == "stil bewerkt"

    standin.check_callbacks()
    assert standin.violations == []  # still within 15 s on the stand-in's clock
    tg_clock.advance(15.5)
    [violation] = standin.violations
    assert "callback_unanswered" in violation and "within 15s" in violation


async def test_callback_query_still_unanswered_at_the_end_fails_the_check(
    standin: TelegramStandIn, bot: EchoBot
) -> None:
    user = standin.user()
    user.send_text("hallo")
    await user.areply()
    user.tap("Stil")
    await user.areply()
    with pytest.raises(AssertionError, match="was not answered at all"):
        standin.assert_no_violations()


async def test_late_or_too_long_callback_answers_are_refused(
    standin: TelegramStandIn, bot: EchoBot, tg_clock: ManualClock
) -> None:
    user = standin.user()
    user.send_text("hallo")
    await user.areply()
    update = user.tap("Traag")
    await standin.await_delivered(update["update_id"])
    tg_clock.advance(16)
    bot.release_slow.set()
    error = await bot.next_error()
    assert isinstance(error, BadRequest) and "query is too old" in error.message.lower()
    assert len(standin.pop_violations("callback_answer_late")) == 1

    user.tap("Lang")
    error = await bot.next_error()
    assert isinstance(error, BadRequest) and "message_too_long" in error.message.lower()
    [too_long] = standin.pop_violations("callback_answer_too_long")
    assert "201 characters" in too_long
    standin.assert_no_violations(ignore={"callback_unanswered"})


@_RETRY_AFTER_WARNING
async def test_per_chat_flood_control_allows_a_burst_of_three_then_one_per_second(
    standin: TelegramStandIn, bot: EchoBot, tg_clock: ManualClock
) -> None:
    user = standin.user()
    user.send_text("/burst 5")
    error = await bot.next_error()
    assert isinstance(error, RetryAfter)
    assert [m.text for m in user.messages()] == ["bericht 1", "bericht 2", "bericht 3"]
    [violation] = standin.pop_violations("rate_limit")
    assert f"chat {user.id}" in violation and "retry_after=1" in violation

    tg_clock.advance(1.0)
    user.send_text("/burst 1")
    assert (await user.areply(lambda m: m.text == "bericht 1")).message_id > 4
    standin.assert_no_violations()


@_RETRY_AFTER_WARNING
async def test_global_flood_control_and_configurable_limits(
    standin: TelegramStandIn, bot: EchoBot
) -> None:
    users = [standin.user() for _ in range(3)]
    for user in users:
        user.send_text("hallo")
        await user.areply()
    standin.limits = Limits(per_chat_rate=None, global_rate=30.0, global_burst=2)  # fresh buckets
    await bot.app.bot.send_message(users[0].id, "een")
    await bot.app.bot.send_message(users[1].id, "twee")
    with pytest.raises(RetryAfter):
        await bot.app.bot.send_message(users[2].id, "drie")
    [violation] = standin.pop_violations("rate_limit")
    assert "the bot overall" in violation
    standin.limits = Limits.relaxed()
    await bot.app.bot.send_message(users[2].id, "drie")
    standin.assert_no_violations()


async def test_blocked_user_and_users_who_never_wrote(
    standin: TelegramStandIn, bot: EchoBot
) -> None:
    user = standin.user()
    user.send_text("hallo")
    await user.areply()
    user.block()
    assert await asyncio.wait_for(bot.member_statuses.get(), timeout=5) == "kicked"
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.app.bot.send_message(user.id, "nog daar?")
    assert len(standin.pop_violations("blocked_user")) == 1
    with pytest.raises(RuntimeError, match="blocked the bot"):
        user.send_text("hallo?")

    user.unblock()
    assert await asyncio.wait_for(bot.member_statuses.get(), timeout=5) == "member"
    await bot.app.bot.send_message(user.id, "welkom terug")

    stranger = standin.user()
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.app.bot.send_message(stranger.id, "hallo")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.app.bot.send_message(424242, "hallo")
    assert len(standin.pop_violations("cant_initiate")) == 1
    assert len(standin.pop_violations("chat_not_found")) == 1
    standin.assert_no_violations()


async def test_edit_errors_and_keyboard_edits(standin: TelegramStandIn, bot: EchoBot) -> None:
    user = standin.user()
    user.send_text("hallo")
    question = await user.areply()
    user.tap("Zelfde")
    error = await bot.next_error()
    assert isinstance(error, BadRequest) and "message is not modified" in error.message.lower()
    assert len(standin.pop_violations("not_modified")) == 1

    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.app.bot.edit_message_text("nieuw", chat_id=user.id, message_id=999)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.app.bot.edit_message_text("nieuw", chat_id=user.id, message_id=1)
    assert len(standin.pop_violations("message_not_found")) == 1
    assert len(standin.pop_violations("message_cant_be_edited")) == 1

    smaller = InlineKeyboardMarkup([[InlineKeyboardButton("Ok", callback_data="ok")]])
    await bot.app.bot.edit_message_reply_markup(user.id, question.message_id, reply_markup=smaller)
    assert user.last_message() is not None
    assert user.last_message().buttons == [["Ok"]]  # type: ignore[union-attr]
    assert (await user.areply()).buttons == [["Ok"]]
    standin.assert_no_violations()


async def test_formatting_is_parsed_and_parse_errors_refused(
    standin: TelegramStandIn, bot: EchoBot
) -> None:
    user = standin.user()
    user.send_text("hallo")
    await user.areply()
    standin.limits = Limits.relaxed()
    sent = await bot.app.bot.send_message(user.id, "*vet* en \\. _schuin_", parse_mode="MarkdownV2")
    assert sent.text == "vet en . schuin"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 3),
        ("italic", 9, 6),
    ]
    html = await bot.app.bot.send_message(
        user.id, '<a href="https://vlaio.be">VLAIO</a> &amp; co', parse_mode="HTML"
    )
    assert html.text == "VLAIO & co" and html.entities[0].url == "https://vlaio.be"

    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.app.bot.send_message(user.id, "<b>open", parse_mode="HTML")
    with pytest.raises(BadRequest, match="reserved and must be escaped"):
        await bot.app.bot.send_message(user.id, "Klaar.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.app.bot.send_message(user.id, "<b></b>", parse_mode="HTML")
    assert len(standin.pop_violations("parse_entities")) == 2
    assert len(standin.pop_violations("text_empty")) == 1
    standin.assert_no_violations()


async def test_reply_keyboards_force_reply_and_link_previews(
    standin: TelegramStandIn, bot: EchoBot
) -> None:
    user = standin.user()
    user.send_text("hallo")
    await user.areply()
    standin.limits = Limits.relaxed()
    shown = await bot.app.bot.send_message(
        user.id, "Taal?", reply_markup=ReplyKeyboardMarkup([["Nederlands", "English"]])
    )
    assert shown.reply_markup is None  # reply keyboards belong to the chat, not the message
    assert user.reply_keyboard() == [["Nederlands", "English"]]
    question = await bot.app.bot.send_message(user.id, "Naam?", reply_markup=ForceReply())
    assert user.reply_keyboard() == [["Nederlands", "English"]]
    answer = user.send_text("An", reply_to=question.message_id)
    assert answer["message"]["reply_to_message"]["text"] == "Naam?"
    assert (await user.areply()).text == "An"  # the echo
    quoted = await bot.app.bot.send_message(
        user.id, "Genoteerd", reply_parameters=ReplyParameters(answer["message"]["message_id"])
    )
    assert quoted.reply_to_message is not None and quoted.reply_to_message.text == "An"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.app.bot.send_message(user.id, "?", reply_parameters=ReplyParameters(999))
    assert len(standin.pop_violations("reply_not_found")) == 1
    await bot.app.bot.send_message(user.id, "Dank", reply_markup=ReplyKeyboardRemove())
    assert user.reply_keyboard() is None

    await bot.app.bot.send_message(
        user.id, "Zie https://vlaio.be", link_preview_options=LinkPreviewOptions(is_disabled=True)
    )
    last = user.last_message()
    assert last is not None and last.link_preview_options == {"is_disabled": True}
    standin.assert_no_violations()


async def test_commands_documents_and_chat_actions(standin: TelegramStandIn, bot: EchoBot) -> None:
    api = bot.app.bot
    await api.set_my_commands([BotCommand("start", "Begin"), BotCommand("help", "Hulp")])
    await api.set_my_commands([BotCommand("start", "Beginnen")], language_code="nl")
    await api.set_my_commands([BotCommand("stop", "Stop")], scope=BotCommandScopeAllPrivateChats())
    assert standin.commands == {
        "": [("start", "Begin"), ("help", "Hulp")],
        "nl": [("start", "Beginnen")],
    }
    assert standin.command_sets[("all_private_chats", "")] == [("stop", "Stop")]
    assert [c.command for c in await api.get_my_commands(language_code="nl")] == ["start"]
    await api.delete_my_commands(language_code="nl")
    assert "nl" not in standin.commands
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await api.set_my_commands([BotCommand("Start!", "Fout")])
    assert len(standin.pop_violations("commands_invalid")) == 1

    user = standin.user()
    user.send_text("hallo")
    await user.areply()
    await api.send_chat_action(user.id, "upload_document")
    content = b"%PDF-1.4 bevestiging\r\n\x00\xff"
    sent = await api.send_document(
        user.id,
        content,
        filename="bevestiging.pdf",
        caption="<b>Bevestiging</b>",
        parse_mode="HTML",
    )
    assert sent.document is not None and sent.document.file_name == "bevestiging.pdf"
    assert sent.caption == "Bevestiging"
    document = user.last_message()
    assert document is not None and document.document is not None
    assert document.document.data == content and document.document.mime_type == "application/pdf"
    assert user.chat_actions() == ["upload_document"]
    standin.assert_no_violations()


# -- the protocol, over raw HTTP --------------------------------------------------------------


def test_tokens_methods_and_request_encodings(standin: TelegramStandIn) -> None:
    status, body = call(standin, "getMe", token="123456789:wrong")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    status, body = call(standin, "sendDice", {"chat_id": 1})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert len(standin.pop_violations("unauthorized")) == 1
    assert len(standin.pop_violations("unknown_method")) == 1

    status, body = call(standin, "getme")  # method names are case-insensitive
    assert status == 200 and body["result"]["is_bot"] is True

    user = standin.user()
    user.send_text("hallo")
    markup = {"inline_keyboard": [[{"text": "Ok", "callback_data": "ok"}]]}
    status, body = call(
        standin,
        "sendMessage",
        {"chat_id": user.id, "text": "json", "reply_markup": markup},
        as_json=True,
    )
    assert status == 200 and body["result"]["reply_markup"] == markup
    status, body = call(
        standin, "sendMessage", {"chat_id": user.id, "text": "form", "reply_markup": markup}
    )
    assert status == 200 and user.last_message().buttons == [["Ok"]]  # type: ignore[union-attr]
    assert (
        "sendMessage",
        {"chat_id": user.id, "text": "form", "reply_markup": markup},
    ) in standin.calls
    status, body = call(
        standin,
        "sendMessage",
        {
            "chat_id": user.id,
            "text": "x",
            "reply_markup": {"inline_keyboard": [[{"text": "zonder actie"}]]},
        },
    )
    assert status == 400 and "Text buttons are unallowed" in body["description"]
    assert len(standin.pop_violations("keyboard_invalid")) == 1
    standin.assert_no_violations()


def test_get_updates_offset_limit_and_allowed_updates(standin: TelegramStandIn) -> None:
    user = standin.user()
    ids = [user.send_text(f"bericht {n}")["update_id"] for n in range(3)]
    status, body = call(standin, "getUpdates", {"limit": 2})
    assert status == 200 and [u["update_id"] for u in body["result"]] == ids[:2]
    _, body = call(standin, "getUpdates", {"offset": ids[1] + 1})
    assert [u["update_id"] for u in body["result"]] == ids[2:]
    _, body = call(standin, "getUpdates", {"offset": ids[2] + 1})
    assert body["result"] == [] and standin.pending_update_count == 0

    user.send_text("tekst")
    standin.inject_update(
        {"callback_query": {"id": "77", "from": user.json, "chat_instance": "1", "data": "x"}}
    )
    _, body = call(standin, "getUpdates", {"allowed_updates": ["callback_query"]})
    assert [list(u)[1] for u in body["result"]] == ["callback_query"]
    assert body["result"][0]["update_id"] > ids[2]


def test_get_updates_long_polls_honours_timeout_and_terminates_older_polls(
    standin: TelegramStandIn,
) -> None:
    started = time.perf_counter()
    _, body = call(standin, "getUpdates", {"timeout": 0.3})
    assert body["result"] == [] and 0.3 <= time.perf_counter() - started < 2

    user = standin.user()
    with ThreadPoolExecutor(max_workers=2) as pool:
        waiting = pool.submit(call, standin, "getUpdates", {"timeout": 20})
        standin.wait_until(lambda: standin.long_polling, what="a waiting getUpdates")
        started = time.perf_counter()
        update_id = user.send_text("nu")["update_id"]
        status, body = waiting.result(timeout=5)
        assert time.perf_counter() - started < 1
        assert status == 200 and [u["update_id"] for u in body["result"]] == [update_id]

        older = pool.submit(call, standin, "getUpdates", {"offset": update_id + 1, "timeout": 20})
        standin.wait_until(lambda: standin.long_polling, what="a waiting getUpdates")
        _, newer = call(standin, "getUpdates", {"offset": update_id + 1, "timeout": 0})
        status, body = older.result(timeout=5)
    assert newer["ok"] is True
    assert status == 409 and "terminated by other getUpdates request" in body["description"]

    assert call(standin, "setWebhook", {"url": "https://example.org/hook"})[0] == 200
    status, body = call(standin, "getUpdates")
    assert status == 409 and "webhook is active" in body["description"]
    assert call(standin, "getWebhookInfo")[1]["result"]["url"] == "https://example.org/hook"
    assert call(standin, "deleteWebhook")[0] == 200
    assert call(standin, "getUpdates")[0] == 200


# -- concurrency -------------------------------------------------------------------------------


def test_fifty_users_in_threads_each_get_their_own_replies() -> None:
    with TelegramStandIn(limits=Limits(global_rate=None), clock=ManualClock()) as standin:
        echo = build_echo_bot(standin)
        users = [standin.user(first_name=f"Gebruiker {n}") for n in range(50)]

        def converse(user: ScriptedUser) -> list[str]:
            replies = []
            for round_ in range(3):
                text = f"{user.id}/{round_}"
                user.send_text(text)
                replies.append(user.wait_for_reply(timeout=10).text or "")
            return replies

        with BotThread(echo.app), ThreadPoolExecutor(max_workers=50) as pool:
            conversations = list(pool.map(converse, users))

        for user, replies in zip(users, conversations, strict=True):
            assert replies == [f"{user.id}/{n}" for n in range(3)]
            assert [m.text for m in user.messages()] == replies
        standin.assert_no_violations()
