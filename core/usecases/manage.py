"""Withdrawing a registration and erasing a person's data on request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.audit import log_action
from core.campaign import Env
from core.model import Actor, Contact, HistoryEntry, Registration, Status
from core.notify import tell
from core.ports import UnitOfWork
from core.usecases.codes import address_key
from core.usecases.submit import deadline_error, summary_params
from core.validators import ValidationError

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class WithdrawOutcome:
    registration: Registration | None
    errors: list[ValidationError] = field(default_factory=list)


def withdraw(uow: UnitOfWork, env: Env, reference: str, actor: Actor) -> WithdrawOutcome:
    registration = uow.registrations.by_reference(reference.strip().upper())
    if registration is None:
        error = ValidationError("registration.not_found", "reference", {"reference": reference})
        return WithdrawOutcome(None, [error])
    if not actor.is_staff:
        if env.deadline_passed():
            return WithdrawOutcome(registration, [deadline_error(env)])
        speaker = uow.contacts.get(actor.contact_id) if actor.contact_id is not None else None
        if speaker is None or speaker.municipality != registration.municipality:
            name = env.municipality_name(registration.municipality)
            error = ValidationError("contact.not_allowed", "reference", {"municipality": name})
            return WithdrawOutcome(registration, [error])
    if registration.status is Status.WITHDRAWN:
        return WithdrawOutcome(registration)
    now = env.clock.now()
    registration = uow.registrations.get(registration.municipality, for_update=True) or registration
    before = registration.snapshot()
    registration.status = Status.WITHDRAWN
    registration.updated_at = now
    uow.registrations.update(registration)
    assert registration.id is not None
    uow.history.add(
        HistoryEntry(
            registration.id,
            now,
            actor.label(),
            actor.channel,
            "registration.withdrawn",
            before,
            registration.snapshot(),
        )
    )
    log_action(uow, now, actor, "registration.withdrawn", registration.reference)
    params = summary_params(env, registration)
    contacts = uow.contacts.for_municipality(registration.municipality)
    tell(uow, contacts, "registration.withdrawn", params, registration.reference, now)
    return WithdrawOutcome(registration)


@dataclass
class EraseOutcome:
    contacts: int
    outbox: int
    verifications: int
    # What names the person, for the files the service wrote (outbox, mail folders, reports).
    needles: list[str] = field(default_factory=list)


def erase(
    uow: UnitOfWork,
    env: Env,
    actor: Actor,
    email: str | None = None,
    municipality: str | None = None,
) -> EraseOutcome:
    """Remove the person from every row: contacts scrubbed, their codes and drafts deleted,
    every message, ledger entry and draft that names them emptied; the audit trail keeps
    only anonymous contact ids."""
    targets: list[Contact] = []
    if email:
        targets.extend(uow.contacts.by_email(email.strip().lower()))
    if municipality:
        targets.extend(c for c in uow.contacts.for_municipality(municipality) if c not in targets)
    now = env.clock.now()
    emails = {c.email.lower() for c in targets if c.email}
    if email:
        emails.add(email.strip().lower())
    needles = _needles(uow, targets, emails)
    verifications = 0
    for address in emails:
        verifications += uow.verifications.delete_for_email(address)
        uow.verifications.forget_tries(address_key(env, address), None)
        uow.drafts.delete(f"email:{address}")
        uow.reminders.forget(None, address, None)
    outbox = 0
    for contact in targets:
        assert contact.id is not None
        if contact.telegram_user_id is not None:
            uow.drafts.delete(f"telegram:{contact.telegram_user_id}")
            uow.verifications.forget_tries(None, contact.telegram_user_id)
        uow.reminders.forget(contact.id, None, contact.telegram_user_id)
        outbox += uow.outbox.scrub_contact(contact.id)
        _scrub(contact)
        uow.contacts.update(contact)
        log_action(uow, now, actor, "contact.erased", f"contact:{contact.id}")
    outbox += uow.outbox.scrub_mentions(needles)
    uow.inbound.scrub_mentions(needles)
    uow.drafts.delete_mentions(needles)
    return EraseOutcome(len(targets), outbox, verifications, needles)


def _needles(uow: UnitOfWork, targets: list[Contact], emails: set[str]) -> list[str]:
    """The person's address, name and phone as stored anywhere (lower case); short names are
    left out, so that erasing "An" does not empty every message that contains "an"."""
    found = set(emails)
    people: list[dict[str, object]] = [
        {"contact_name": c.name, "contact_phone": c.phone} for c in targets
    ]
    for address in emails:
        people += [v.payload for v in uow.verifications.since(address, _EPOCH)]
    for person in people:
        for key in ("contact_name", "contact_phone"):
            value = " ".join(str(person.get(key) or "").split()).lower()
            if len(value) >= 5:
                found.add(value)
    return sorted(found)


def _scrub(contact: Contact) -> None:
    contact.name = ""
    contact.function = ""
    contact.phone = ""
    contact.email = f"erased-{contact.id}@invalid"
    contact.token = None
    contact.telegram_user_id = None
    contact.erased = True
    contact.invited = False
    contact.verified = False
