"""What must hold when things go wrong: a restart mid-conversation, an update delivered twice,
two updates of one chat at once, a user who blocked the bot, the deadline, a flood."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from app.bootstrap import App, bootstrap
from app.config import Settings
from app.telegram import bot_service
from bot.flood import FloodLimits
from core.clock import FixedClock
from core.conversation import ChatEvent, ChatOptions, Conversation, EventKind
from core.model import Actor, ActorKind, Channel, InboundOutcome, Status
from core.usecases.approval import decide
from core.usecases.submit import Identity, Result, submit
from tests.bot_harness import (
    code_for,
    config_for,
    invite,
    register_by_link,
    running_bot,
    say,
    standin,
    tap,
    text_of,
)
from tests.conftest import AFTER_DEADLINE
from tests.telegram_standin import ManualClock, TelegramStandIn

__all__ = ["standin"]


def picks_of(app: App, user_id: int) -> list[int]:
    with app.uow() as uow:
        draft = uow.drafts.get(f"telegram:{user_id}")
    assert draft is not None
    return [int(n) for n in draft.state.get("picks", [])]


async def test_a_restart_in_the_middle_continues_where_it_was(
    app: App, standin: TelegramStandIn, db_settings: Settings, clock: FixedClock
) -> None:
    invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "tok-an")
    user = standin.user(language_code="nl")
    async with running_bot(app, standin):
        await say(user, "/start tok-an", "Stap 1 van 6")
        await say(user, "Centrummanager", "Stap 2 van 6")
        await say(user, "-", "Stap 3 van 6")
        await tap(user, "t:09", "1. 9 - Leegstand")
        await tap(user, "t:11", "2. 11 - Een")
    app.close()  # the whole service goes down: nothing of the chat is in memory any more

    restarted = bootstrap(db_settings, clock=clock)
    try:
        async with running_bot(restarted, standin):
            # The buttons of the message sent before the restart still work.
            picked = await tap(user, "t:03", "3. 3 - Centrummanagement")
            assert "1. 9 - Leegstand" in text_of(picked)
            await tap(user, "t:done", "Stap 4 van 6")
            back = await say(user, "/start", "Stap 4 van 6")
            assert "beleidsprioriteiten" in text_of(back)
            for step in ("Stap 5", "Stap 6", "Controleer"):
                await say(user, "-", step)
            await tap(user, "✅ Bevestigen", "Bedankt!")
        with restarted.uow() as uow:
            registration = uow.registrations.get("44021")
        assert registration is not None and registration.preferences == (9, 11, 3)
    finally:
        restarted.close()
    standin.assert_no_violations()


async def test_the_same_update_delivered_twice_does_nothing_twice(
    app: App, standin: TelegramStandIn
) -> None:
    invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "tok-an")
    user = standin.user(language_code="nl")
    async with running_bot(app, standin) as service:
        await say(user, "/start tok-an", "Stap 1 van 6")
        typed = user.send_text("Centrummanager")
        await user.areply(lambda m: "Stap 2 van 6" in text_of(m))
        await tap(user, "nav:skip", "Stap 3 van 6")
        tapped = user.tap("t:09")
        await user.areply(lambda m: "1. 9 - Leegstand" in text_of(m))
        await user.aanswer()
        await standin.await_until(lambda: service.chat.handled == 4, what="four updates")
        seen = len(user.messages())

        standin.deliver_again(typed["update_id"])
        standin.deliver_again(tapped["update_id"])
        await standin.await_until(lambda: service.chat.handled == 6, what="the redeliveries")

        assert len(user.messages()) == seen  # nothing was said again
        assert picks_of(app, user.id) == [9]  # the theme tap did not toggle it off again
    with app.uow() as uow:
        ledger = [uow.inbound.get(Channel.TELEGRAM, str(u["update_id"])) for u in (typed, tapped)]
    assert [r.outcome for r in ledger if r] == ["handled", "handled"]
    standin.assert_no_violations()  # the tap was answered once, not twice


async def test_two_taps_of_one_chat_at_once_are_both_kept(
    app: App, standin: TelegramStandIn
) -> None:
    invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "tok-an")
    user = standin.user(language_code="nl")
    async with running_bot(app, standin) as service:
        await say(user, "/start tok-an", "Stap 1 van 6")
        await say(user, "Centrummanager", "Stap 2 van 6")
        await say(user, "-", "Stap 3 van 6")
        await standin.await_until(lambda: service.chat.handled == 3, what="three updates")
        user.tap("t:09")  # both taps reach the bot in one batch of getUpdates
        user.tap("t:11")
        shown = await user.areply(lambda m: "2. 11 - Een" in text_of(m))
        assert "1. 9 - Leegstand" in text_of(shown)
        await standin.await_until(lambda: service.chat.handled == 5, what="both taps")
        assert picks_of(app, user.id) == [9, 11]
    standin.assert_no_violations()


def test_concurrent_transactions_of_one_chat_lose_no_update(app: App) -> None:
    """Five instances answer five taps of one chat at the same moment: the draft row lock
    serialises them (FOR UPDATE on PostgreSQL, an IMMEDIATE transaction on SQLite)."""
    conversation = Conversation(app.env, ChatOptions())
    invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "tok-an")
    ids = iter(range(1, 100))

    def event(kind: EventKind, **values: str) -> ChatEvent:
        return ChatEvent(next(ids), 77, kind, language_code="nl", **values)

    for step in (
        event(EventKind.COMMAND, command="start", text="tok-an"),
        event(EventKind.TEXT, text="Centrummanager"),
        event(EventKind.TEXT, text="-"),
    ):
        app.transaction(lambda uow, e=step: conversation.handle(uow, e))  # type: ignore[misc]
    taps = [event(EventKind.TAP, data=f"t:{n:02d}") for n in (1, 2, 4, 6, 8)]
    start = threading.Barrier(len(taps))

    def answer(tap_event: ChatEvent) -> bool:
        start.wait()
        found = app.transaction(lambda uow: conversation.handle(uow, tap_event))
        return not found.duplicate

    with ThreadPoolExecutor(len(taps)) as pool:
        assert all(pool.map(answer, taps))
    assert sorted(picks_of(app, 77)) == [1, 2, 4, 6, 8]


async def test_a_user_who_blocked_the_bot_gets_e_mail_instead(
    app: App, standin: TelegramStandIn
) -> None:
    an = invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "tok-an")
    invite(app, "44021", "Bert Claes", "bert.claes@stad.gent", "tok-bert")
    user = standin.user(first_name="An", language_code="nl")
    async with running_bot(app, standin):
        await register_by_link(user, "tok-an")
    user.block()  # the bot is down: Telegram keeps the my_chat_member update for later

    def bert_changes(uow: object) -> Result:
        raw = {
            "municipality": "44021",
            "contact_name": "Bert Claes",
            "contact_function": "Schepen",
            "contact_email": "bert.claes@stad.gent",
            "preferences": "3, 9, 12",
        }
        identity = Identity(Channel.EMAIL, email="bert.claes@stad.gent", email_trusted=True)
        return submit(uow, app.env, raw, identity).result  # type: ignore[arg-type]

    assert app.transaction(bert_changes) is Result.UPDATED
    service = bot_service(app, config_for(app, standin))
    async with service.application:
        sent = await service.sender.drain()  # An's chat copy meets the block
    assert sent == 0
    assert len(standin.pop_violations("blocked_user")) == 1
    with app.uow() as uow:
        contact = uow.contacts.get(an.id or 0)
        rows = [m for m in uow.outbox.list() if m.kind == "registration.updated"]
    assert contact is not None and contact.telegram_unreachable
    mine = {m.channel.value: m for m in rows if m.contact_id == an.id}
    assert mine["telegram"].status == "bounced"
    assert "blocked" in (mine["telegram"].last_error or "")
    assert mine["email"].status == "queued"  # An hears it by e-mail

    async with running_bot(app, standin) as running:
        await standin.await_until(lambda: running.chat.handled >= 1, what="the block update")
    standin.assert_no_violations()


async def test_after_the_deadline_nothing_changes_from_the_chat(
    app: App, standin: TelegramStandIn, clock: FixedClock
) -> None:
    invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "tok-an")
    invite(app, "31005", "Piet Pieters", "piet@brugge.be", "tok-piet")
    an = standin.user(first_name="An", language_code="nl")
    piet = standin.user(first_name="Piet", language_code="nl")
    async with running_bot(app, standin):
        await register_by_link(an, "tok-an")
        await say(piet, "/start tok-piet", "Stap 1 van 6")
        await say(piet, "Schepen", "Stap 2")
        await say(piet, "-", "Stap 3")
        await say(piet, "1, 2, 3", "Stap 4")
        for step in ("Stap 5", "Stap 6", "Controleer"):
            await say(piet, "-", step)

        clock.set(AFTER_DEADLINE)
        closed = await say(an, "/wijzig", "afgesloten sinds 29/01/2027 17:00")
        assert closed.buttons == []
        status = await say(an, "/status", "Gent: ingeschreven")
        assert "afgesloten" in text_of(status) and status.buttons == []
        late = await tap(piet, "✅ Bevestigen", "afgesloten sinds 29/01/2027 17:00")
        assert late is not None
    with app.uow() as uow:
        registrations = {r.municipality: r for r in uow.registrations.list()}
    assert list(registrations) == ["44021"]  # Brugge's confirmation came too late
    assert registrations["44021"].preferences == (9, 11, 3)
    standin.assert_no_violations()


async def test_a_second_official_sees_the_preferences_and_updates_once_approved(
    app: App, standin: TelegramStandIn
) -> None:
    """A new person who proves their own address does not replace the invited contact's
    registration at once (issue 9): it waits until An (or staff) approves."""
    invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "tok-an")
    an = standin.user(first_name="An", language_code="nl")
    bert = standin.user(first_name="Bert", language_code="nl")
    async with running_bot(app, standin) as service:
        await register_by_link(an, "tok-an")
        await say(bert, "/start", "Stap 1 van 10")
        await say(bert, "Gent", "Bedoelt u Gent")
        bert.tap("✓ Gent")
        told = await bert.areply(lambda m: "al ingeschreven" in text_of(m))
        assert "1. 9 - Leegstand" in text_of(told)
        assert "pas na akkoord van een contactpersoon of van VLAIO" in text_of(told)
        await bert.areply(lambda m: "Stap 2 van 10" in text_of(m))
        await say(bert, "Bert Claes", "Stap 3")
        await say(bert, "Schepen van lokale economie", "Stap 4")
        await say(bert, "bert.claes@stad.gent", "code van 6 cijfers")
        await say(bert, code_for(app, "bert.claes@stad.gent"), "Stap 6")
        summary = await say(bert, "-", "Controleer uw inschrijving")
        assert "1. 9 - Leegstand" in text_of(summary)  # the current preferences
        await tap(bert, "✏️ Wijzigen", "Wat wilt u wijzigen?")
        await tap(bert, "Voorkeur", "Wijzigen")
        await say(bert, "12, 9, 3", "Controleer uw inschrijving")
        await tap(bert, "✅ Bevestigen", "wacht nu op het akkoord")
        with app.uow() as uow:
            reference = uow.registrations.get("44021").reference  # type: ignore[union-attr]
            assert uow.registrations.get("44021").preferences == (9, 11, 3)  # type: ignore[union-attr]
        staff = Actor(ActorKind.STAFF, Channel.CLI, name="els")
        app.transaction(lambda uow: decide(uow, app.env, reference, staff, approve=True))
        assert await service.sender.drain() >= 1  # An's chat copy
        news = await an.areply(lambda m: "gewijzigd door Bert Claes" in text_of(m))
        assert "1. 12 - Samenwerken" in text_of(news)
    with app.uow() as uow:
        registration = uow.registrations.get("44021")
        assert registration is not None and registration.id is not None
        history = uow.history.for_registration(registration.id)
        updated = {(m.recipient, m.channel.value) for m in uow.outbox.list()
                   if m.kind == "registration.updated"}  # fmt: skip
    assert registration.status is Status.SUBMITTED and registration.preferences == (12, 9, 3)
    assert [h.action for h in history] == ["registration.submitted", "registration.updated"]
    assert {
        ("an.peeters@stad.gent", "email"),
        (str(an.id), "telegram"),
        ("bert.claes@stad.gent", "email"),
        (str(bert.id), "telegram"),
    } == updated
    standin.assert_no_violations()


async def test_a_user_who_floods_the_bot_is_slowed_down(app: App, standin: TelegramStandIn) -> None:
    limits = FloodLimits(burst=5, rate=1.0)
    rate_clock = ManualClock()
    config = config_for(app, standin, flood=limits)
    user = standin.user(language_code="nl")
    async with running_bot(app, standin, config=config, rate_clock=rate_clock) as service:
        sent = [user.send_text(f"bericht {n}") for n in range(12)]
        await standin.await_until(
            lambda: service.chat.handled + service.chat.throttled == 12, what="12 updates"
        )
        texts = [text_of(m) for m in user.messages()]
        assert sum("Even geduld" in t for t in texts) == 1
        rate_clock.advance(10)
        await say(user, "/status", "nog niet af")
    with app.uow() as uow:
        outcomes = [uow.inbound.get(Channel.TELEGRAM, str(u["update_id"])) for u in sent]
    assert [r.outcome for r in outcomes if r].count(InboundOutcome.THROTTLED) == 7
    standin.assert_no_violations()
