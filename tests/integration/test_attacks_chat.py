"""Attacks through the chat, against the Telegram stand-in on SQLite and PostgreSQL: a
stranger replacing an invited municipality's registration, and one account guessing codes
with /bevestig across many addresses."""

from __future__ import annotations

from app.bootstrap import App
from core.model import Channel
from core.usecases.submit import Identity, Result
from tests.bot_harness import code_for, invite, register_by_link, running_bot, say, standin, tap
from tests.submitting import staff_submit
from tests.telegram_standin import TelegramStandIn

__all__ = ["standin"]


async def test_a_stranger_in_the_chat_waits_for_the_invited_contacts_approval(
    app: App, standin: TelegramStandIn
) -> None:
    invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "TokenOfAnPeetersGent01")
    async with running_bot(app, standin):
        an = standin.user(first_name="An", language_code="nl-BE")
        await register_by_link(an, "TokenOfAnPeetersGent01")
        piet = standin.user(first_name="Piet", language_code="nl-BE")
        await say(piet, "/start", "Stap 1 van 10")
        await say(piet, "Gent", "Bedoelt u Gent")
        await tap(piet, "✓ Gent", "Stap 2 van 10")
        await say(piet, "Piet Privé", "Stap 3 van 10")
        await say(piet, "Schepen", "Stap 4 van 10")
        await say(piet, "piet@example.org", "Stap 5 van 10")
        await say(piet, code_for(app, "piet@example.org"), "Stap 6 van 10")
        await say(piet, "-", "Controleer uw inschrijving")  # Gent's registration, to change
        await tap(piet, "s:ok", "wacht nu op het akkoord")

    with app.uow() as uow:
        registration = uow.registrations.get("44021")
        asked = [m for m in uow.outbox.list() if m.kind == "registration.approval_request"]
        piet_contacts = uow.contacts.by_email("piet@example.org")
        assert registration is not None and registration.id is not None
        history = uow.history.for_registration(registration.id)
    assert [h.action for h in history] == ["registration.submitted"], "An's version stands"
    assert {m.recipient for m in asked} >= {"an.peeters@stad.gent"}
    assert not any(c.trusted for c in piet_contacts), "Piet speaks for Gent only once approved"


async def test_one_account_guessing_codes_across_addresses_is_locked(
    app: App, standin: TelegramStandIn
) -> None:
    towns = ("Gent", "Kortrijk", "Brugge", "Leuven")
    addresses = [f"info@{town.lower()}.example" for town in towns]
    for town, address in zip(towns, addresses, strict=True):
        raw = {
            "municipality": town,
            "contact_name": "Iemand",
            "contact_function": "Schepen",
            "contact_email": address,
            "preferences": [1, 2, 3],
        }
        identity = Identity(Channel.EMAIL, email=address)
        done = staff_submit(app, raw, identity)
        assert done.result is Result.NEEDS_VERIFICATION
    async with running_bot(app, standin):
        guesser = standin.user(first_name="Mallory", language_code="nl-BE")
        for n in range(15):  # three addresses, five wrong tries each, within the hour
            address = addresses[n // 5]
            await say(guesser, f"/bevestig {address} {n:06d}", "code")
        right = code_for(app, addresses[3])
        refused = await say(guesser, f"/bevestig {addresses[3]} {right}", "te veel codes")
        assert "bevestigd" not in (refused.text or "")
    with app.uow() as uow:
        leuven = uow.registrations.get("24062")
    assert leuven is not None and leuven.status.value == "pending_verification"
