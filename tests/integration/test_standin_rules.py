"""The Telegram rules the stand-in enforces, so that a bot that breaks one fails its tests."""

from __future__ import annotations

import asyncio

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
)
from telegram.error import BadRequest, Forbidden, RetryAfter

from tests.standin_echo import _RETRY_AFTER_WARNING, EchoBot
from tests.telegram_standin import Limits, ManualClock, TelegramStandIn


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
