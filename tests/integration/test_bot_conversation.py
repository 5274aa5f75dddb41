"""Whole registration chats against the Telegram stand-in, on SQLite and PostgreSQL: what an
official sees, and what is stored."""

from __future__ import annotations

from app.bootstrap import App
from core.model import Channel, Status
from tests.bot_harness import (
    code_for,
    invite,
    register_by_link,
    running_bot,
    say,
    standin,
    tap,
    text_of,
)
from tests.telegram_standin import TelegramStandIn

__all__ = ["standin"]


async def test_the_happy_path_ends_with_a_confirmed_registration(
    app: App, standin: TelegramStandIn
) -> None:
    async with running_bot(app, standin):
        user = standin.user(first_name="An", language_code="nl-BE")
        first = await say(user, "/start", "Stap 1 van 10")
        assert "Voor welke gemeente" in text_of(first)
        await say(user, "Gent", "Bedoelt u Gent")
        await tap(user, "✓ Gent", "Stap 2 van 10")
        await say(user, "An Peeters", "Stap 3 van 10")
        await say(user, "Centrummanager", "Stap 4 van 10")
        sent = await say(user, "an.peeters@stad.gent", "Stap 5 van 10")
        assert "code van 6 cijfers naar an.peeters@stad.gent" in text_of(sent)
        await say(user, code_for(app, "an.peeters@stad.gent"), "Stap 6 van 10")
        await say(user, "0470 12 34 56", "Stap 7 van 10")
        for theme, shown in (("9", "1. 9 - Leegstand"), ("11", "2. 11 - Een"), ("3", "3. 3 -")):
            picked = await tap(user, theme, shown)
        assert [b for b in picked.buttons[2]] == ["9 ✓1", "10", "11 ✓2", "12"]
        await tap(user, "t:done", "Stap 8 van 10")
        await say(user, "Een levendige kern met minder leegstand.", "Stap 9 van 10")
        await tap(user, "Overslaan", "Stap 10 van 10")
        summary = await say(user, "-", "Controleer uw inschrijving")
        assert "Gemeente: Gent" in text_of(summary)
        assert "Telefoon: 0470 12 34 56" in text_of(summary)
        assert summary.buttons == [["✅ Bevestigen"], ["✏️ Wijzigen"]]
        done = await tap(user, "✅ Bevestigen", "Bedankt!")
        assert "Referentie: LT-" in text_of(done)

    with app.uow() as uow:
        [registration] = uow.registrations.list()
        outbox = uow.outbox.list()
        assert uow.drafts.get(f"telegram:{user.id}") is None
    assert registration.status is Status.SUBMITTED
    assert registration.preferences == (9, 11, 3)
    assert registration.channel is Channel.TELEGRAM
    assert registration.beleidsprioriteiten == "Een levendige kern met minder leegstand."
    assert registration.reference in text_of(done)
    told = {(m.kind, m.channel.value, m.status) for m in outbox}
    assert ("registration.confirmed", "email", "queued") in told  # "also confirmed by e-mail"
    assert ("registration.confirmed", "telegram", "sent") in told  # the answer above is it
    assert set(standin.commands) == {"", "nl", "en"}
    assert ("wijzig", "De inschrijving wijzigen") in standin.commands["nl"]
    assert ("change", "Change the registration") in standin.commands["en"]
    standin.assert_no_violations()


async def test_typos_a_postal_code_and_help_after_three_failed_tries(
    app: App, standin: TelegramStandIn
) -> None:
    async with running_bot(app, standin):
        user = standin.user(language_code="nl")
        await say(user, "/start", "Stap 1")
        await say(user, "Xyzzyville", "We vinden geen gemeente 'Xyzzyville'")
        choose = await say(user, "Sint", "Welke gemeente bedoelt u met 'Sint'")
        assert len(choose.buttons) == 9  # at most eight, and "none of these"
        await say(user, "geen van deze", "Typ de naam")
        await say(user, "Merelbek", "Bedoelt u Merelbeke-Melle")  # a typo
        await say(user, "nee", "Voor welke gemeente")
        await say(user, "9090", "Bedoelt u Merelbeke-Melle")  # a postal code
        await say(user, "ja", "Stap 2")
        await say(user, "Piet Janssens", "Stap 3")
        await say(user, "Schepen", "Stap 4")
        await say(user, "piet@", "'piet@' is geen geldig e-mailadres")
        await say(user, "piet at merelbeke", "geen geldig e-mailadres")
        third = await say(user, "piet.merelbeke", "geen geldig e-mailadres")
        assert "Lukt het niet?" not in text_of(third)
        helped = await user.areply(lambda m: "Lukt het niet?" in text_of(m))
        assert "leertrajecten@vlaio.example" in text_of(helped)  # the e-mail alternative
        await say(user, "piet.janssens@merelbeke-melle.be", "Stap 5")
    with app.uow() as uow:
        draft = uow.drafts.get(f"telegram:{user.id}")
    assert draft is not None and draft.values["municipality"] == "44088"
    assert draft.values["contact_email"] == "piet.janssens@merelbeke-melle.be"
    standin.assert_no_violations()


async def test_back_and_edit_from_the_summary(app: App, standin: TelegramStandIn) -> None:
    contact = invite(app, "11002", "Els Maes", "els.maes@antwerpen.be", "tok-els")
    async with running_bot(app, standin):
        user = standin.user(language_code="nl")
        await say(user, f"/start {contact.token}", "Stap 1 van 6")
        await say(user, "Beleidsmedewerker", "Stap 2 van 6")
        again = await tap(user, "« Terug", "Stap 1 van 6")
        assert "Wat is uw functie" in text_of(again)
        await say(user, "Centrummanager", "Stap 2 van 6")
        await say(user, "-", "Stap 3 van 6")
        await say(user, "9, 11, 3", "Stap 4 van 6")  # typing works where buttons do
        for step in ("Stap 5", "Stap 6", "Controleer"):
            first_summary = await say(user, "-", step)
        await tap(user, "✏️ Wijzigen", "Wat wilt u wijzigen?")
        menu = user.last_message()
        assert menu is not None and ["Gemeente"] not in menu.buttons  # from the invitation
        picker = await tap(user, "Voorkeur", "Wijzigen")
        assert "1. 9 - Leegstand" in text_of(picker)
        user.tap("✅ Bevestigen", first_summary)  # an old button, while editing something
        again = await user.areply(lambda m: "Wijzigen" in text_of(m))
        assert (await user.aanswer()).text == "Deze knop hoort bij een eerdere stap."
        assert again.buttons == picker.buttons
        await tap(user, "t:undo", "2. 11")
        await tap(user, "t:07", "3. 7 - Duurzame mobiliteit")
        summary = await tap(user, "t:done", "Controleer uw inschrijving")
        assert "3. 7 - Duurzame mobiliteit" in text_of(summary)
        await say(user, "functie", "Nu: Centrummanager")  # a field's name opens it too
        summary = await say(user, "Centrummanager en schepen", "Controleer uw inschrijving")
        assert "Functie: Centrummanager en schepen" in text_of(summary)
        await tap(user, "✅ Bevestigen", "Bedankt!")
    with app.uow() as uow:
        registration = uow.registrations.get("11002")
        linked = uow.contacts.get(contact.id or 0)
    assert registration is not None and registration.preferences == (9, 11, 7)
    assert linked is not None and linked.function == "Centrummanager en schepen"
    standin.assert_no_violations()


async def test_an_invited_official_through_the_deep_link(
    app: App, standin: TelegramStandIn
) -> None:
    contact = invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "Inv1t3-An_x")
    async with running_bot(app, standin):
        user = standin.user(first_name="An", language_code="nl")
        done = await register_by_link(user, "Inv1t3-An_x")
    assert "Gent" in text_of(done)
    with app.uow() as uow:
        linked = uow.contacts.get(contact.id or 0)
        registration = uow.registrations.get("44021")
        codes = [m for m in uow.outbox.list() if m.kind == "verification.code"]
    assert linked is not None and linked.telegram_user_id == user.id
    assert registration is not None and registration.submitted_by == contact.id
    assert codes == []  # the link proves the person: no code step
    welcome = user.messages()[0]
    assert "Welkom An Peeters! U bent uitgenodigd voor Gent" in text_of(welcome)
    standin.assert_no_violations()


async def test_a_wrong_verification_code_five_times(app: App, standin: TelegramStandIn) -> None:
    async with running_bot(app, standin):
        user = standin.user(language_code="en")
        await say(user, "/start", "Step 1 of 10")
        await say(user, "Brugge", "Do you mean Brugge")
        await tap(user, "✓ Brugge", "Step 2")
        await say(user, "Jan Smet", "Step 3")
        await say(user, "Policy officer", "Step 4")
        await say(user, "jan.smet@brugge.be", "Step 5 of 10")
        right = code_for(app, "jan.smet@brugge.be")
        wrong = "000000" if right != "000000" else "111111"
        for left in (4, 3, 2, 1):
            await say(user, wrong, f"{left} attempt(s) left")
        spent = await say(user, wrong, "Too many wrong attempts")
        assert spent.buttons == [["Send a new code"], ["« Other e-mail address"]]
        await say(user, right, "expired or was used already")  # the spent code is dead
        await tap(user, "Send a new code", "We sent a 6-digit code")
        await say(user, code_for(app, "jan.smet@brugge.be"), "Step 6 of 10")
    with app.uow() as uow:
        contacts = uow.contacts.by_email("jan.smet@brugge.be")
        codes = [m for m in uow.outbox.list() if m.kind == "verification.code"]
    assert len(codes) == 2
    assert [c.verified and c.telegram_user_id == user.id for c in contacts] == [True]
    standin.assert_no_violations()
