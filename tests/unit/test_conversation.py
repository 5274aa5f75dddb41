"""The registration chat's logic on in-memory fakes: the steps, the code, the themes, the
summary and the commands, as an official would see them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from core.campaign import Env
from core.clock import FixedClock
from core.conversation import Answer, ChatEvent, ChatOptions, Conversation, EventKind
from core.model import Contact, Status
from core.ports import UnitOfWork
from core.usecases.submit import Result
from core.usecases.verification import verify
from tests.fakes import FakeUnitOfWork

INTAKE = "leertrajecten@vlaio.example"
_UPDATE_IDS = itertools.count(1)


@dataclass
class Person:
    """Someone typing and tapping in the chat, against core's conversation alone."""

    uow: UnitOfWork
    env: Env
    user_id: int = 4242
    language_code: str | None = "nl"
    conversation: Conversation = field(init=False)
    last: Answer = field(init=False, default_factory=Answer)
    last_event: ChatEvent | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.conversation = Conversation(self.env, ChatOptions(intake_address=INTAKE))

    def event(self, kind: EventKind, **values: str) -> Answer:
        event = ChatEvent(
            next(_UPDATE_IDS), self.user_id, kind, language_code=self.language_code, **values
        )
        self.last_event = event
        self.last = self.conversation.handle(self.uow, event)
        return self.last

    def send(self, text: str) -> Answer:
        if text.startswith("/"):
            command, _, argument = text[1:].partition(" ")
            return self.event(EventKind.COMMAND, command=command, text=argument)
        return self.event(EventKind.TEXT, text=text)

    def tap(self, data: str) -> Answer:
        buttons = [b.data for reply in self.last.replies for row in reply.keyboard for b in row]
        assert data in buttons, f"no button {data!r} in the last answer: {buttons}"
        return self.event(EventKind.TAP, data=data)

    def event_tap(self, data: str) -> Answer:
        """A tap on any button, also one of an older message."""
        return self.event(EventKind.TAP, data=data)

    def code(self) -> str:
        """The newest verification code in the e-mail outbox."""
        codes = [m for m in self.uow.outbox.list() if m.kind == "verification.code"]
        return str(codes[0].params["code"])


@pytest.fixture
def person(uow: FakeUnitOfWork, env: Env) -> Person:
    return Person(uow, env)


def invite(uow: FakeUnitOfWork, email: str = "an.peeters@stad.gent") -> Contact:
    contact = Contact("44021", "An Peeters", email, invited=True, token="tok-an")
    uow.contacts.add(contact)
    return contact


def to_email_step(person: Person, email: str = "jan@gent.be") -> None:
    person.send("/start")
    person.send("Gent")
    person.tap("m:44021")
    person.send("Jan Smet")
    person.send("Beleidsmedewerker")
    person.send(email)


def test_a_stranger_goes_through_ten_steps_and_an_invited_official_six(
    uow: FakeUnitOfWork, env: Env
) -> None:
    stranger = Person(uow, env, user_id=1)
    assert "Stap 1 van 10" in stranger.send("/start").replies[-1].text
    invite(uow)
    invited = Person(uow, env, user_id=2)
    answer = invited.send("/start tok-an")
    assert "Welkom An Peeters!" in answer.replies[0].text
    assert "Stap 1 van 6\nWat is uw functie" in answer.replies[-1].text


def test_back_on_the_first_question_says_so_and_asks_it_again(person: Person) -> None:
    person.send("/start")
    answer = person.send("terug")
    assert answer.replies[0].text == "Dit is de eerste vraag."
    assert "Voor welke gemeente" in answer.replies[-1].text


def test_a_stale_button_is_answered_and_the_current_question_asked_again(
    person: Person,
) -> None:
    to_email_step(person)
    answer = person.event_tap("t:09")
    assert answer.toast == "Deze knop hoort bij een eerdere stap."
    assert "code van 6 cijfers" in answer.replies[-1].text


def test_the_code_expires_after_fifteen_minutes_and_only_three_are_sent(
    person: Person, clock: FixedClock
) -> None:
    to_email_step(person)
    assert "Typ de 6 cijfers" in person.send("12345").replies[0].text
    code = person.code()
    clock.advance(timedelta(minutes=15, seconds=1))
    assert "verlopen of al gebruikt" in person.send(code).replies[0].text
    person.tap("c:new")
    person.tap("c:new")
    limit = person.tap("c:new")
    assert "maximale aantal codes" in limit.replies[0].text
    assert INTAKE in limit.replies[0].text  # the e-mail alternative
    assert len([m for m in person.uow.outbox.list() if m.kind == "verification.code"]) == 3


def test_replying_to_the_code_e_mail_also_proves_the_address(
    person: Person, uow: FakeUnitOfWork, env: Env
) -> None:
    to_email_step(person)
    done = verify(uow, env, "jan@gent.be", person.code())  # as the mail intake would
    assert done.result is Result.ACCEPTED and done.registration is None
    [contact] = uow.contacts.by_email("jan@gent.be")
    assert contact.verified and contact.telegram_user_id == person.user_id
    answer = person.send("ik heb geantwoord op de mail")
    assert answer.replies[0].text == "Bedankt, jan@gent.be is bevestigd."
    assert "Stap 6 van 10" in answer.replies[-1].text


def test_themes_typed_one_by_one_with_limits(person: Person, uow: FakeUnitOfWork) -> None:
    invite(uow)
    person.send("/start tok-an")
    person.send("Centrummanager")
    person.send("-")
    assert "Kies minstens 3 thema's (nu 0)" in person.send("klaar").replies[0].text
    for number in ("9", "thema 11", "3", "7", "1"):
        person.send(number)
    assert "U koos er al 5." in person.send("2").replies[0].text
    undone = person.send("ongedaan")
    assert "4. 7 - Duurzame mobiliteit" in undone.replies[0].text
    assert "5. 1" not in undone.replies[0].text
    described = person.send("uitleg")
    assert "Wat maakt uw kern uniek?" in described.replies[0].text
    assert "Stap 4 van 6" in person.send("klaar").replies[-1].text
    draft = uow.drafts.get(f"telegram:{person.user_id}")
    assert draft is not None and list(draft.values["preferences"]) == [9, 11, 3, 7]


def test_a_full_list_typed_at_once_is_checked_by_the_form(
    person: Person, uow: FakeUnitOfWork
) -> None:
    invite(uow)
    person.send("/start tok-an")
    person.send("Centrummanager")
    person.send("-")
    refused = person.send("9, 9, 42")
    texts = refused.replies[0].text
    assert "Thema 9 staat er meer dan eens in" in texts and "We kennen geen thema '42'" in texts


def test_cancel_asks_first_and_forget_without_a_draft_works_by_command(
    person: Person, uow: FakeUnitOfWork
) -> None:
    invite(uow)
    person.send("/start tok-an")
    assert "Wilt u stoppen?" in person.send("/annuleer").replies[0].text
    assert person.send("nee").replies[0].text == "Goed, we gaan verder."
    person.send("/annuleer")
    assert "Gestopt" in person.send("ja").replies[0].text
    assert uow.drafts.get(f"telegram:{person.user_id}") is None
    erased = person.send("/vergeet ja")
    assert erased.replies[0].text.startswith("Uw gegevens zijn gewist")
    [contact] = uow.contacts.list()
    assert contact.erased and contact.telegram_user_id is None


def test_a_redelivered_update_changes_nothing(person: Person, uow: FakeUnitOfWork) -> None:
    person.send("/start")
    first = person.send("Gent")
    assert person.last_event is not None
    again = person.conversation.handle(uow, person.last_event)
    assert first.replies and again.duplicate and again.replies == []
    assert [r.outcome for r in uow.inbound.all()] == ["handled", "handled"]


def test_english_speakers_get_english_and_can_switch(uow: FakeUnitOfWork, env: Env) -> None:
    person = Person(uow, env, language_code="en-US")
    assert "Step 1 of 10" in person.send("/start").replies[-1].text
    switched = person.send("/taal nl")
    assert switched.replies[0].text == "Ik spreek nu Nederlands."
    assert "Stap 1 van 10" in switched.replies[-1].text


def test_status_shows_the_registration_and_the_deadline(
    person: Person, uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    invite(uow)
    person.send("/start tok-an")
    for answer in ("Centrummanager", "-", "9, 11, 3", "-", "-", "-"):
        person.send(answer)
    assert "Bedankt!" in person.send("bevestigen").replies[0].text
    [registration] = uow.registrations.list()
    assert registration.status is Status.SUBMITTED
    status = person.send("/status").replies[0]
    assert f"Gent: ingeschreven, referentie {registration.reference}" in status.text
    assert "kan tot 29/01/2027 17:00" in status.text
    assert [b.data for row in status.keyboard for b in row] == ["go:edit"]
    edit = person.tap("go:edit")
    assert "Controleer uw inschrijving" in edit.replies[0].text
    clock.advance(timedelta(days=90))
    assert "afgesloten" in person.send("bevestigen").replies[0].text


def test_a_code_from_an_e_mail_registration_is_confirmed_in_the_chat(
    person: Person, uow: FakeUnitOfWork, env: Env
) -> None:
    from core.model import Channel
    from core.usecases.submit import Identity, submit

    raw = {
        "municipality": "Gent",
        "contact_name": "Jan",
        "contact_function": "Schepen",
        "contact_email": "jan@gent.be",
        "preferences": "9, 3, 1",
    }
    pending = submit(uow, env, raw, Identity(Channel.EMAIL, email="jan@gent.be"))
    assert pending.result is Result.NEEDS_VERIFICATION
    [mail] = uow.outbox.all()
    assert mail.params["email"] == "jan@gent.be"
    assert "/bevestig" in person.send("/bevestig").replies[0].text
    wrong = "000000" if mail.params["code"] != "000000" else "111111"
    assert "klopt niet" in person.send(f"/bevestig jan@gent.be {wrong}").replies[0].text
    done = person.send(f"/bevestig jan@gent.be {mail.params['code']}")
    assert "is bevestigd" in done.replies[0].text
    registration = uow.registrations.get("44021")
    assert registration is not None and registration.status is Status.SUBMITTED
    assert registration.reference in done.replies[0].text
    [contact] = uow.contacts.by_email("jan@gent.be")
    assert contact.telegram_user_id == person.user_id


def test_a_code_does_not_reopen_registration_after_the_deadline(
    person: Person, uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    from core.model import Channel
    from core.usecases.submit import Identity, submit

    raw = {
        "municipality": "Gent",
        "contact_name": "Jan",
        "contact_function": "Schepen",
        "contact_email": "jan@gent.be",
        "preferences": "9, 3, 1",
    }
    clock.set(env.campaign.deadline - timedelta(minutes=5))
    submit(uow, env, raw, Identity(Channel.EMAIL, email="jan@gent.be"))
    [mail] = uow.outbox.all()
    clock.set(env.campaign.deadline + timedelta(minutes=1))  # the code is still valid
    answer = person.send(f"/bevestig jan@gent.be {mail.params['code']}")
    assert "afgesloten" in answer.replies[0].text
    registration = uow.registrations.get("44021")
    assert registration is not None and registration.status is Status.PENDING_VERIFICATION


def test_a_sticker_or_photo_gets_a_clear_answer_not_a_validation_error(
    person: Person, uow: FakeUnitOfWork
) -> None:
    invite(uow)
    person.send("/start tok-an")
    answer = person.send("")  # what a sticker or a photo without caption arrives as
    assert (
        answer.replies[0].text == "Ik kan alleen tekst lezen. Typ uw antwoord, of tik op een knop."
    )
    assert "Stap 1 van" in answer.replies[-1].text
