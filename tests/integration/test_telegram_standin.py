"""The Telegram Bot API stand-in as python-telegram-bot sees it: messages, taps, long polling,
redelivery, encodings, and many users at once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.standin_echo import EchoBot, build_echo_bot, call
from tests.telegram_standin import BotThread, Limits, ManualClock, ScriptedUser, TelegramStandIn


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
