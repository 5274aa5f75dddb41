"""Reminders with an injected clock: due and not due, once only, never when no longer true."""

from __future__ import annotations

from datetime import timedelta

from core.campaign import Env
from core.clock import FixedClock
from core.model import Actor, ActorKind, Channel, Contact, Draft
from core.usecases.manage import erase
from core.usecases.reminders import ReminderPolicy, plan, sweep
from core.usecases.submit import Identity, submit
from tests.fakes import FakeUnitOfWork

POLICY = ReminderPolicy()


def invited(uow: FakeUnitOfWork, refnis: str = "44021", email: str = "an@stad.gent") -> Contact:
    contact = Contact(refnis, "An", email, invited=True, token="tok" + refnis, language="en")
    uow.contacts.add(contact)
    return contact


def test_invited_municipalities_are_reminded_seven_and_two_days_before(
    uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    invited(uow)
    assert plan(uow, env, POLICY) == 2
    assert plan(uow, env, POLICY) == 0, "planning again adds nothing"
    assert sweep(uow, env) == (0, 0), "not due yet"
    clock.set(env.campaign.deadline - timedelta(days=7))
    assert sweep(uow, env) == (1, 0)
    assert sweep(uow, env) == (0, 0), "sent once"
    [message] = uow.outbox.all()
    assert (message.kind, message.recipient, message.language) == (
        "reminder.invited",
        "an@stad.gent",
        "en",
    )
    assert message.params["token"] == "tok44021"


def test_a_reminder_that_fell_while_down_is_sent_when_back_if_still_true(
    uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    invited(uow)
    invited(uow, "11002", "jo@antwerpen.be")
    plan(uow, env, POLICY)
    submit(
        uow,
        env,
        {
            "municipality": "Antwerpen",
            "contact_name": "Jo",
            "contact_function": "x",
            "contact_email": "jo@antwerpen.be",
            "preferences": "1,2,3",
        },
        Identity(Channel.EMAIL, email="jo@antwerpen.be", email_trusted=True),
    )
    # The 7-day moment passed while the service was down for a few hours.
    clock.set(env.campaign.deadline - timedelta(days=7) + timedelta(hours=3))
    sent, cancelled = sweep(uow, env)
    assert (sent, cancelled) == (1, 1), "Antwerpen registered meanwhile: its reminder is dropped"
    reminders = [m for m in uow.outbox.all() if m.kind == "reminder.invited"]
    assert [m.recipient for m in reminders] == ["an@stad.gent"]


def test_nothing_after_the_deadline_and_nothing_to_the_erased(
    uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    invited(uow)
    invited(uow, "11002", "jo@antwerpen.be")
    plan(uow, env, POLICY)
    erase(uow, env, Actor(ActorKind.STAFF, Channel.CLI, name="els"), email="jo@antwerpen.be")
    assert len(uow.reminders.all()) == 2, "the erased person's reminders are gone"
    clock.set(env.campaign.deadline + timedelta(minutes=1))
    assert sweep(uow, env) == (0, 2), "after the deadline, 'register in time' is pointless"
    assert uow.outbox.all() == []


def test_an_unfinished_chat_is_reminded_a_day_after_its_last_step(
    uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    start = clock.now()
    uow.drafts.save(
        Draft("telegram:42", Channel.TELEGRAM, "nl", {"language": "nl"}, "municipality", start)
    )
    plan(uow, env, POLICY)
    clock.advance(timedelta(hours=23))
    assert sweep(uow, env) == (0, 0)
    clock.advance(timedelta(hours=1))
    assert sweep(uow, env) == (1, 0)
    [message] = uow.outbox.all()
    assert (message.channel, message.recipient, message.kind) == (
        Channel.TELEGRAM,
        "42",
        "reminder.draft",
    )


def test_a_chat_that_went_on_is_not_reminded_of_its_old_step(
    uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    start = clock.now()
    uow.drafts.save(Draft("telegram:42", Channel.TELEGRAM, "nl", {}, "municipality", start))
    plan(uow, env, POLICY)
    clock.advance(timedelta(hours=2))
    uow.drafts.save(Draft("telegram:42", Channel.TELEGRAM, "nl", {}, "contact_name", clock.now()))
    clock.advance(timedelta(hours=23))
    assert sweep(uow, env) == (0, 1)


def test_a_pending_registration_is_reminded_to_confirm(
    uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    submit(
        uow,
        env,
        {
            "municipality": "Gent",
            "contact_name": "An",
            "contact_function": "x",
            "contact_email": "an@stad.gent",
            "preferences": "1,2,3",
        },
        Identity(Channel.EMAIL, email="an@stad.gent"),
    )
    plan(uow, env, POLICY)
    clock.advance(timedelta(days=1))
    assert sweep(uow, env) == (1, 0)
    assert [m.kind for m in uow.outbox.all()] == ["verification.code", "reminder.pending"]
