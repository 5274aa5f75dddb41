"""Replacing another's registration: a new, unknown person waits for approval.

A municipality whose registration came from its invited contact, a verified contact or staff
is *guarded* (core.usecases.inbound.guarded). Someone new who proves their own address does
not replace it: their version waits as a pending approval, the municipality's contacts are
asked to approve it (by answering the e-mail with its approval code), staff can approve or
refuse it (`leertraject registrations approve|refuse REF`), and the new person is told so.
The approval code is kept only as a keyed hash, like every code.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from typing import Any

from core.audit import log_action
from core.campaign import Env
from core.model import Actor, ActorKind, Registration, Verification, new_token
from core.notify import tell, tell_address
from core.ports import UnitOfWork
from core.usecases.codes import APPROVAL, keyed
from core.usecases.inbound import Identity, guarded, known_contact
from core.usecases.registering import Outcome, Result, apply, summary_params, upsert_contact
from core.validators import ValidationError

APPROVE_WORDS = re.compile(r"\b(akkoord|goedgekeurd|approved?|agree[d]?)\b", re.IGNORECASE)


def settle_proven(uow: UnitOfWork, env: Env, values: dict[str, Any], identity: Identity) -> Outcome:
    """An address just proven with a code: a known contact, or anyone for a municipality
    that is not guarded, changes the registration; a newcomer to a guarded one waits."""
    municipality = values["municipality"]
    email = (identity.email or "").lower()
    if guarded(uow, municipality) and known_contact(uow, municipality, email) is None:
        return request_approval(uow, env, values, identity)
    contact = upsert_contact(uow, values, identity, None, env.clock.now(), True)
    return apply(uow, env, values, identity, contact)


def request_approval(
    uow: UnitOfWork, env: Env, values: dict[str, Any], identity: Identity
) -> Outcome:
    now = env.clock.now()
    municipality = values["municipality"]
    email = (identity.email or values["contact_email"]).lower()
    registration = uow.registrations.get(municipality)
    assert registration is not None
    for older in pending(uow, env, municipality):
        if older.email == email:
            older.used = True
            uow.verifications.update(older)
    token = new_token()
    language = str(values.get("language") or "nl")
    waiting = Verification(
        code_hash=keyed(env, APPROVAL, token),
        email=email,
        municipality=municipality,
        payload={**values, "purpose": APPROVAL},
        language=language,
        channel=identity.channel,
        created_at=now,
        expires_at=env.campaign.deadline,
        telegram_user_id=identity.telegram_user_id,
    )
    uow.verifications.add(waiting)
    actor = Actor(ActorKind.ANONYMOUS, identity.channel)
    log_action(uow, now, actor, "registration.approval_requested", registration.reference)
    params = _params(env, registration, values)
    contacts = [c for c in uow.contacts.for_municipality(municipality) if c.trusted]
    cause = f"a{waiting.id}"
    asked = {**params, "approval_code": token, "requester_email": email}
    tell(uow, contacts, "registration.approval_request", asked, cause, now)
    told = tell_address(uow, email, language, "registration.approval_pending", params, cause, now)
    queued = [told] if told else []
    return Outcome(Result.PENDING_APPROVAL, registration, values=values, queued=queued)


def pending(uow: UnitOfWork, env: Env, municipality: str) -> list[Verification]:
    now = env.clock.now()
    return [
        v
        for v in uow.verifications.for_municipality(municipality)
        if v.payload.get("purpose") == APPROVAL and not v.used and v.expires_at > now
    ]


@dataclass
class Decision:
    registration: Registration | None
    outcome: Outcome | None = None
    errors: list[ValidationError] = field(default_factory=list)


def decide(uow: UnitOfWork, env: Env, reference: str, actor: Actor, approve: bool) -> Decision:
    """Staff (or an approving contact) settle the newest waiting version of a registration."""
    registration = uow.registrations.by_reference(reference.strip().upper())
    if registration is None:
        error = ValidationError("registration.not_found", "reference", {"reference": reference})
        return Decision(None, errors=[error])
    waiting = pending(uow, env, registration.municipality)
    if not waiting:
        error = ValidationError("approval.none", "reference", {"reference": reference})
        return Decision(registration, errors=[error])
    for verification in waiting:
        verification.used = True
        uow.verifications.update(verification)
    chosen = waiting[-1]
    now = env.clock.now()
    action = "registration.approved" if approve else "registration.refused"
    log_action(uow, now, actor, action, registration.reference)
    if not approve:
        params = _params(env, registration, chosen.payload)
        tell_address(
            uow, chosen.email, chosen.language, "registration.approval_refused", params,
            f"r{chosen.id}", now,
        )  # fmt: skip
        return Decision(registration)
    identity = Identity(
        chosen.channel,
        email=chosen.email,
        email_trusted=True,
        telegram_user_id=chosen.telegram_user_id,
    )
    values = {k: v for k, v in chosen.payload.items() if k != "purpose"}
    contact = upsert_contact(uow, values, identity, None, now, True)
    outcome = apply(uow, env, values, identity, contact)
    return Decision(outcome.registration, outcome)


def approve_by_reply(uow: UnitOfWork, env: Env, sender: str, text: str) -> Decision | None:
    """An e-mail answer of a municipality's contact carrying an approval code and the word
    AKKOORD before it; None when the message is no such answer."""
    contacts = [c for c in uow.contacts.by_email(sender.lower()) if c.trusted]
    for contact in contacts:
        for waiting in pending(uow, env, contact.municipality):
            for token in set(re.findall(r"[A-Za-z0-9_-]{22}", text)):
                if not hmac.compare_digest(waiting.code_hash, keyed(env, APPROVAL, token)):
                    continue
                if not APPROVE_WORDS.search(text[: text.find(token)]):
                    return None
                registration = uow.registrations.get(contact.municipality)
                assert registration is not None
                actor = Actor(ActorKind.CONTACT, waiting.channel, contact_id=contact.id)
                return decide(uow, env, registration.reference, actor, approve=True)
    return None


def _params(env: Env, registration: Registration, values: dict[str, Any]) -> dict[str, Any]:
    params = summary_params(env, registration)
    params["preferences"] = list(values.get("preferences") or [])
    params["requester_name"] = values.get("contact_name") or ""
    return params
