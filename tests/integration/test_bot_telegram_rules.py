"""Telegram's rules the bot keeps, seen from the chat: flood limits per chat, 4,096
characters, every tap answered; commands in both languages. Webhook mode:
test_bot_webhook.py."""

from __future__ import annotations

import pytest

from app.bootstrap import App
from bot.throttle import SendLimits
from tests.bot_harness import config_for, invite, running_bot, say, standin, tap, text_of
from tests.telegram_standin import Limits, ManualClock, TelegramStandIn

__all__ = ["standin"]
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
async def test_messages_keep_telegrams_flood_limits(app: App) -> None:
    """Five messages asked for at once in one chat: a burst of three, then one a second, so
    Telegram never answers 429. The bot's throttle and Telegram's flood control read one
    injected clock that moves a second at a time, only once the message before has arrived:
    a slow machine cannot make two messages look closer together than they were sent."""
    clock = ManualClock()
    with TelegramStandIn(limits=Limits(), clock=clock) as standin:  # 1/s per chat, burst 3
        config = config_for(app, standin, send=SendLimits())
        user = standin.user(language_code="nl")
        async with running_bot(app, standin, config=config, rate_clock=clock):
            for command in ("/start", "/help", "/themas", "/privacy"):
                user.send_text(command)
            seen = [await user.areply(timeout=15) for _ in range(3)]  # the burst, at once
            while not any("VLAIO bewaart" in text_of(m) for m in seen):
                clock.advance(1.0)  # one more token for the chat, on both sides
                seen.append(await user.areply(timeout=15))
        assert len(seen) >= 5
        standin.assert_no_violations()  # no rate_limit violation among them


async def test_a_long_summary_is_split_within_4096_characters(
    app: App, standin: TelegramStandIn
) -> None:
    invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "tok-an")
    long_text = ("Wij versterken de kern met een plan voor leegstand en mobiliteit. " * 31)[:2000]
    user = standin.user(language_code="nl")
    async with running_bot(app, standin):
        await say(user, "/start tok-an", "Stap 1 van 6")
        await say(user, "Centrummanager", "Stap 2")
        await say(user, "-", "Stap 3")
        await say(user, "9, 11, 3", "Stap 4")
        await say(user, long_text, "Stap 5")
        await say(user, long_text, "Stap 6")
        user.send_text(long_text)
        first = await user.areply(lambda m: "Controleer uw inschrijving" in text_of(m))
        second = await user.areply()
        assert first.buttons == [] and second.buttons == [["✅ Bevestigen"], ["✏️ Wijzigen"]]
        assert all(len(m.text or "") <= 4096 for m in (first, second))
        assert text_of(first).count(long_text) + text_of(second).count(long_text) == 3
        await tap(user, "✅ Bevestigen", "Bedankt!")
    standin.assert_no_violations()


async def test_english_commands_menus_and_language_switch(
    app: App, standin: TelegramStandIn
) -> None:
    user = standin.user(language_code="en-GB")
    async with running_bot(app, standin):
        await say(user, "/start", "Which municipality are you registering?")
        await say(user, "/themes", "Defining the DNA of the town centre")
        helped = await say(user, "/help", "/change change your registration")
        assert "The participant is the municipality" in text_of(helped)  # this step's help
        await say(user, "/taal", "Which language?")
        await tap(user, "Nederlands", "Ik spreek nu Nederlands")
        await user.areply(lambda m: "Voor welke gemeente" in text_of(m))
        await say(user, "/cancel", "Wilt u stoppen?")
        await tap(user, "Nee, verder", "Goed, we gaan verder")
        await say(user, "/annuleer ja", "Gestopt; er is niets ingeschreven")
    with app.uow() as uow:
        assert uow.drafts.get(f"telegram:{user.id}") is None
    assert standin.commands["en"][3] == ("change", "Change the registration")
    standin.assert_no_violations()


async def test_forget_erases_the_person_and_keeps_the_registration(
    app: App, standin: TelegramStandIn
) -> None:
    contact = invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "tok-an")
    user = standin.user(language_code="nl")
    async with running_bot(app, standin):
        await say(user, "/start tok-an", "Stap 1 van 6")
        await say(user, "Centrummanager", "Stap 2")
        await say(user, "-", "Stap 3")
        await say(user, "9, 11, 3", "Stap 4")
        for step in ("Stap 5", "Stap 6", "Controleer"):
            await say(user, "-", step)
        await tap(user, "✅ Bevestigen", "Bedankt!")
        await say(user, "/vergeet", "Wilt u dat we uw persoonsgegevens wissen")
        await tap(user, "Ja, wis alles", "Uw gegevens zijn gewist")
        await say(user, "/status", "U hebt nog niets ingeschreven")
    with app.uow() as uow:
        erased = uow.contacts.get(contact.id or 0)
        registration = uow.registrations.get("44021")
    assert erased is not None and erased.erased and erased.telegram_user_id is None
    assert "an.peeters" not in erased.email
    assert registration is not None and registration.preferences == (9, 11, 3)
    standin.assert_no_violations()


@SQLITE_ONLY
async def test_a_failing_update_is_apologised_for_and_its_tap_answered(
    app: App, standin: TelegramStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = standin.user(language_code="nl")
    async with running_bot(app, standin) as service:
        await say(user, "/start", "Stap 1 van 10")
        await say(user, "Gent", "Bedoelt u Gent")

        def broken(uow: object, event: object) -> None:
            raise RuntimeError("the database went away")

        monkeypatch.setattr(service.chat.conversation, "handle", broken)
        user.tap("✓ Gent")
        answer = await user.aanswer()
        assert (
            answer.text
            == "Er ging iets mis; er is niets bewaard. Probeer het opnieuw, of typ /help."
        )
        monkeypatch.undo()
        await tap(user, "✓ Gent", "Stap 2 van 10")  # the same button works once it is fixed
    standin.assert_no_violations()
