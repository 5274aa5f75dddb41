"""The building blocks of registering: the outcome of a try, storing a registration and its
contact, and what is told to whom. core/usecases/submit.py (who speaks, then store or ask for
a code) and core/usecases/approval.py (a newcomer waits for approval) both build on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.audit import log_action
from core.campaign import Env
from core.clock import format_local
from core.model import (
    Actor,
    ActorKind,
    Contact,
    HistoryEntry,
    OutboxMessage,
    Registration,
    Status,
    new_reference,
)
from core.notify import tell
from core.ports import UnitOfWork
from core.usecases.inbound import Identity
from core.validators import ValidationError


class Result(StrEnum):
    ACCEPTED = "accepted"
    UPDATED = "updated"
    NEEDS_VERIFICATION = "needs_verification"
    PENDING_APPROVAL = "pending_approval"
    REJECTED = "rejected"


@dataclass
class Outcome:
    result: Result
    registration: Registration | None = None
    contact: Contact | None = None
    errors: list[ValidationError] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    verification_sent_to: str | None = None
    queued: list[OutboxMessage] = field(default_factory=list)


def apply(
    uow: UnitOfWork,
    env: Env,
    values: dict[str, Any],
    identity: Identity,
    contact: Contact | None,
) -> Outcome:
    """Store trusted, valid values: a new registration, or a newer version of the municipality's."""
    now = env.clock.now()
    contact = upsert_contact(uow, values, identity, contact, now)
    actor = _actor(identity, contact)
    municipality = values["municipality"]
    registration = uow.registrations.get(municipality, for_update=True)
    if registration is None:
        registration = Registration(
            reference=new_reference(),
            municipality=municipality,
            status=Status.SUBMITTED,
            channel=identity.channel,
            created_at=now,
        )
        fill(registration, values, contact, identity, now)
        uow.registrations.add(registration)
        before = None
        action, result = "registration.submitted", Result.ACCEPTED
    else:
        before = registration.snapshot()
        first = registration.status is not Status.SUBMITTED
        fill(registration, values, contact, identity, now)
        uow.registrations.update(registration)
        action = "registration.submitted" if first else "registration.updated"
        result = Result.ACCEPTED if first else Result.UPDATED
    assert registration.id is not None
    record(uow, registration, actor, action, before, now)
    params = summary_params(env, registration)
    params["changed_by"] = contact.name if contact else identity.staff or ""
    kind = "registration.confirmed" if result is Result.ACCEPTED else "registration.updated"
    cause = f"{registration.reference}:{now.isoformat()}"
    contacts = uow.contacts.for_municipality(municipality)
    queued = tell(uow, contacts, kind, params, cause, now, identity.threads())
    return Outcome(result, registration, contact, values=values, queued=queued)


def summary_params(env: Env, registration: Registration) -> dict[str, Any]:
    """What a confirmation repeats back: enough for any channel to render it."""
    return {
        "reference": registration.reference,
        "municipality": registration.municipality,
        "municipality_name": env.municipality_name(registration.municipality),
        "preferences": list(registration.preferences),
        "beleidsprioriteiten": registration.beleidsprioriteiten,
        "realisaties": registration.realisaties,
        "acties": registration.acties,
        "status": registration.status.value,
        "deadline": format_local(env.campaign.deadline),
    }


def deadline_error(env: Env) -> ValidationError:
    return ValidationError(
        "deadline.passed", "deadline", {"deadline": format_local(env.campaign.deadline)}
    )


def upsert_contact(
    uow: UnitOfWork,
    values: dict[str, Any],
    identity: Identity,
    contact: Contact | None,
    now: Any,
    verified: bool = False,
) -> Contact | None:
    municipality = values["municipality"]
    email = (values.get("contact_email") or "").lower()
    if contact is None and email:
        same = [c for c in uow.contacts.for_municipality(municipality) if c.email.lower() == email]
        contact = same[0] if same else None
    if contact is None:
        if not email:
            return None
        contact = Contact(municipality=municipality, name="", email=email, created_at=now)
        contact.verified = verified or identity.staff is not None
        _update_contact(contact, values, identity)
        uow.contacts.add(contact)
        return contact
    contact.verified = contact.verified or verified
    _update_contact(contact, values, identity)
    uow.contacts.update(contact)
    return contact


def _update_contact(contact: Contact, values: dict[str, Any], identity: Identity) -> None:
    contact.name = values.get("contact_name") or contact.name
    contact.function = values.get("contact_function") or contact.function
    contact.phone = values.get("contact_phone") or contact.phone
    contact.language = values.get("language") or contact.language
    if identity.telegram_user_id is not None:
        contact.telegram_user_id = identity.telegram_user_id
        contact.telegram_unreachable = False


def fill(
    registration: Registration,
    values: dict[str, Any],
    contact: Contact | None,
    identity: Identity,
    now: Any,
) -> None:
    registration.preferences = tuple(values["preferences"])
    registration.beleidsprioriteiten = values.get("beleidsprioriteiten")
    registration.realisaties = values.get("realisaties")
    registration.acties = values.get("acties")
    registration.status = Status.SUBMITTED
    registration.channel = identity.channel
    registration.submitted_by = contact.id if contact else None
    registration.updated_at = now
    registration.submitted_at = now


def _actor(identity: Identity, contact: Contact | None) -> Actor:
    if identity.staff is not None:
        return Actor(ActorKind.STAFF, identity.channel, name=identity.staff)
    return Actor(ActorKind.CONTACT, identity.channel, contact_id=contact.id if contact else None)


def record(
    uow: UnitOfWork,
    registration: Registration,
    actor: Actor,
    action: str,
    before: dict[str, Any] | None,
    now: Any,
) -> None:
    assert registration.id is not None
    after = registration.snapshot()
    uow.history.add(
        HistoryEntry(registration.id, now, actor.label(), actor.channel, action, before, after)
    )
    log_action(
        uow, now, actor, action, registration.reference, municipality=registration.municipality
    )
