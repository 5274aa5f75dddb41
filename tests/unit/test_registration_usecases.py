"""Use cases of core against in-memory fakes: who may register, what is kept, who is told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.campaign import Env
from core.clock import FixedClock
from core.model import Actor, ActorKind, Channel, Contact, Status
from core.usecases.drafts import save_field, submit_draft
from core.usecases.manage import erase, withdraw
from core.usecases.submit import Identity, Result, submit
from core.usecases.verification import verify
from tests.conftest import AFTER_DEADLINE
from tests.fakes import FakeUnitOfWork

FORM: dict[str, Any] = {
    "municipality": "Gent",
    "contact_name": "An Peeters",
    "contact_function": "Centrummanager",
    "contact_email": "an.peeters@stad.gent",
    "preferences": ["9", "11", "3"],
}
STAFF = Identity(Channel.CLI, staff="els")


def invite(
    uow: FakeUnitOfWork, email: str = "an.peeters@stad.gent", refnis: str = "44021"
) -> Contact:
    contact = Contact(refnis, "An Peeters", email, invited=True, token=f"tok-{email}")
    uow.contacts.add(contact)
    return contact


def by_mail(email: str, trusted: bool = True) -> Identity:
    return Identity(Channel.EMAIL, email=email, email_trusted=trusted)


def test_an_invited_official_is_registered_at_once_and_told(uow: FakeUnitOfWork, env: Env) -> None:
    invite(uow)
    outcome = submit(uow, env, FORM, by_mail("an.peeters@stad.gent"))
    assert outcome.result is Result.ACCEPTED
    registration = uow.registrations.get("44021")
    assert registration is not None and registration.status is Status.SUBMITTED
    assert registration.preferences == (9, 11, 3)
    assert registration.reference.startswith("LT-") and len(registration.reference) == 8
    sent = [(m.kind, m.recipient) for m in uow.outbox.all()]
    assert sent == [("registration.confirmed", "an.peeters@stad.gent")]
    assert [h.action for h in uow.history.all()] == ["registration.submitted"]


def test_a_forged_or_unknown_sender_must_verify_first(uow: FakeUnitOfWork, env: Env) -> None:
    invite(uow)
    outcome = submit(uow, env, FORM, by_mail("an.peeters@stad.gent", trusted=False))
    assert outcome.result is Result.NEEDS_VERIFICATION
    registration = uow.registrations.get("44021")
    assert registration is not None and registration.status is Status.PENDING_VERIFICATION
    [message] = uow.outbox.all()
    assert message.kind == "verification.code" and message.recipient == "an.peeters@stad.gent"
    code = message.params["code"]
    assert len(code) == 6 and code.isdigit()

    wrong = "000000" if code != "000000" else "111111"
    assert verify(uow, env, "an.peeters@stad.gent", wrong).errors[0].code == "verification.invalid"
    done = verify(uow, env, "an.peeters@stad.gent", code)
    assert done.result is Result.ACCEPTED
    registration = uow.registrations.get("44021")
    assert registration is not None and registration.status is Status.SUBMITTED


def test_five_wrong_codes_block_the_code(uow: FakeUnitOfWork, env: Env) -> None:
    submit(uow, env, FORM, by_mail("an.peeters@stad.gent", trusted=False))
    code = uow.outbox.all()[0].params["code"]
    wrong = "000000" if code != "000000" else "111111"
    codes = [verify(uow, env, "an.peeters@stad.gent", wrong).errors[0].code for _ in range(5)]
    assert codes[-1] == "verification.too_many_attempts"
    assert verify(uow, env, "an.peeters@stad.gent", code).result is Result.REJECTED


def test_a_code_expires_after_fifteen_minutes(
    uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    submit(uow, env, FORM, by_mail("an.peeters@stad.gent", trusted=False))
    code = uow.outbox.all()[0].params["code"]
    clock.advance(timedelta(minutes=15, seconds=1))
    assert verify(uow, env, "an.peeters@stad.gent", code).result is Result.REJECTED


def test_an_invitation_token_proves_the_contact(uow: FakeUnitOfWork, env: Env) -> None:
    contact = invite(uow)
    identity = Identity(Channel.TELEGRAM, token=contact.token, telegram_user_id=777)
    outcome = submit(uow, env, {**FORM, "contact_email": "an.peeters@stad.gent"}, identity)
    assert outcome.result is Result.ACCEPTED
    linked = uow.contacts.get(contact.id or 0)
    assert linked is not None and linked.telegram_user_id == 777


def test_a_later_submission_supersedes_and_every_contact_is_told(
    uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    invite(uow)
    invite(uow, "bert.claes@stad.gent")
    submit(uow, env, FORM, by_mail("an.peeters@stad.gent"))
    clock.advance(timedelta(hours=2))
    second = {**FORM, "contact_name": "Bert Claes", "contact_email": "bert.claes@stad.gent"}
    outcome = submit(
        uow, env, {**second, "preferences": "3, 9, 12"}, by_mail("bert.claes@stad.gent")
    )
    assert outcome.result is Result.UPDATED
    assert len(uow.registrations.all()) == 1
    history = uow.history.all()
    assert [h.action for h in history] == ["registration.submitted", "registration.updated"]
    assert history[1].before is not None and history[1].before["preferences"] == [9, 11, 3]
    assert history[1].after is not None and history[1].after["preferences"] == [3, 9, 12]
    told = {m.recipient for m in uow.outbox.all() if m.kind == "registration.updated"}
    assert told == {"an.peeters@stad.gent", "bert.claes@stad.gent"}


def test_after_the_deadline_contacts_cannot_change_but_staff_can(
    uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    invite(uow)
    clock.set(AFTER_DEADLINE)
    refused = submit(uow, env, FORM, by_mail("an.peeters@stad.gent"))
    assert refused.result is Result.REJECTED
    assert refused.errors[0].code == "deadline.passed"
    assert "29/01/2027 17:00" in refused.errors[0].message("nl")
    assert submit(uow, env, FORM, STAFF).result is Result.ACCEPTED


def test_validation_errors_store_nothing(uow: FakeUnitOfWork, env: Env) -> None:
    invite(uow)
    outcome = submit(uow, env, {**FORM, "preferences": ["9"]}, by_mail("an.peeters@stad.gent"))
    assert outcome.result is Result.REJECTED
    assert uow.registrations.all() == [] and uow.outbox.all() == []


def test_only_a_contact_of_the_municipality_may_withdraw(uow: FakeUnitOfWork, env: Env) -> None:
    an = invite(uow)
    stranger = invite(uow, "piet@brugge.be", "31005")
    submit(uow, env, FORM, by_mail("an.peeters@stad.gent"))
    reference = uow.registrations.all()[0].reference
    denied = withdraw(uow, env, reference, Actor(ActorKind.CONTACT, Channel.EMAIL, stranger.id))
    assert denied.errors[0].code == "contact.not_allowed"
    done = withdraw(uow, env, reference, Actor(ActorKind.CONTACT, Channel.EMAIL, an.id))
    assert not done.errors
    assert uow.registrations.all()[0].status is Status.WITHDRAWN


def test_erasing_a_person_scrubs_them_and_keeps_an_anonymous_trail(
    uow: FakeUnitOfWork, env: Env
) -> None:
    invite(uow)
    submit(uow, env, {**FORM, "contact_phone": "0470 12 34 56"}, by_mail("an.peeters@stad.gent"))
    outcome = erase(
        uow, env, Actor(ActorKind.STAFF, Channel.CLI, name="els"), email="an.peeters@stad.gent"
    )
    assert outcome.contacts == 1 and outcome.outbox == 1
    [contact] = uow.contacts.all()
    assert contact.erased and contact.name == "" and contact.phone == "" and contact.token is None
    assert "an.peeters" not in repr(uow.contacts.all()) + repr(uow.outbox.all())
    assert "an.peeters" not in repr(uow.audit.all()) + repr(uow.history.all())
    assert uow.audit.all()[-1].action == "contact.erased"
    assert uow.registrations.all()[0].preferences == (9, 11, 3)  # the municipality's, kept


def test_a_chat_builds_a_draft_step_by_step(uow: FakeUnitOfWork, env: Env) -> None:
    invite(uow)
    owner = "telegram:42"
    steps = [
        ("language", "nl"),
        ("municipality", "9000"),
        ("contact_name", "An Peeters"),
        ("contact_function", "Centrummanager"),
        ("contact_email", "an.peeters@stad.gent"),
        ("contact_phone", "-"),
        ("preferences", ["9", "11", "3"]),
        ("beleidsprioriteiten", "skip"),
        ("realisaties", "-"),
    ]
    for key, raw in steps:
        step = save_field(uow, env, owner, key, raw, Channel.TELEGRAM, "nl")
        assert not step.errors, (key, step.errors)
    assert step.next_field is not None and step.next_field.key == "acties"
    bad = save_field(uow, env, owner, "contact_email", "nope", Channel.TELEGRAM, "nl")
    assert bad.errors[0].code == "email.invalid"
    save_field(uow, env, owner, "acties", "-", Channel.TELEGRAM, "nl")
    draft = uow.drafts.get(owner)
    assert draft is not None and draft.step is None
    outcome = submit_draft(uow, env, owner, Identity(Channel.TELEGRAM, telegram_user_id=42))
    assert outcome is not None and outcome.result is Result.NEEDS_VERIFICATION
