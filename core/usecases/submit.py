"""Submitting, updating and verifying a registration: who may speak for a municipality."""

from __future__ import annotations

from typing import Any

from core.campaign import Env, closed_by_publication
from core.form import FORM
from core.model import Actor, ActorKind, Registration, Status, new_reference
from core.ports import UnitOfWork
from core.typed_text import clean
from core.usecases.approval import settle_proven
from core.usecases.codes import send_code
from core.usecases.inbound import Identity, speaking_contact
from core.usecases.registering import (
    Outcome,
    Result,
    apply,
    deadline_error,
    fill,
    record,
    summary_params,
    upsert_contact,
)

__all__ = [
    "Identity",
    "Outcome",
    "Result",
    "apply",
    "deadline_error",
    "submit",
    "summary_params",
    "upsert_contact",
]


def submit(uow: UnitOfWork, env: Env, raw: dict[str, Any], identity: Identity) -> Outcome:
    """Validate everything, check who is speaking, then store or ask for verification."""
    raw = {k: clean(v) for k, v in raw.items()}  # no NUL nor escapes stored or echoed
    checked = FORM.validate(raw, env.form_context)
    if not checked.ok:
        return Outcome(Result.REJECTED, errors=checked.errors, values=checked.values)
    values = checked.values
    if identity.staff is None and env.deadline_passed():
        return Outcome(Result.REJECTED, errors=[deadline_error(env)], values=values)
    if identity.staff is None and (closed := closed_by_publication(uow)):
        return Outcome(Result.REJECTED, errors=[closed], values=values)
    contact = speaking_contact(uow, values["municipality"], identity)
    if contact is None and identity.staff is None:
        if identity.proven and identity.email == values["contact_email"].lower():
            return settle_proven(uow, env, values, identity)
        return _ask_verification(uow, env, values, identity)
    return apply(uow, env, values, identity, contact)


def _ask_verification(
    uow: UnitOfWork, env: Env, values: dict[str, Any], identity: Identity
) -> Outcome:
    """A code to the address given; the registration waits for it (a new one as *pending
    verification*; an existing one stays as it is). Nothing goes out above the limits."""
    now = env.clock.now()
    email = values["contact_email"].lower()
    registration = uow.registrations.get(values["municipality"], for_update=True)
    params: dict[str, Any] = {
        "municipality_name": env.municipality_name(values["municipality"]),
        "reference": registration.reference if registration else "",
        **identity.threads().get(email, {}),
    }
    channel, user = identity.channel, identity.telegram_user_id
    sent = send_code(uow, env, email, {**values, "language": values.get("language") or "nl"},
                     channel, user, params)  # fmt: skip
    if sent.verification is None:
        assert sent.error is not None
        return Outcome(Result.REJECTED, registration, errors=[sent.error], values=values)
    if registration is None:
        registration = Registration(
            reference=new_reference(),
            municipality=values["municipality"],
            status=Status.PENDING_VERIFICATION,
            channel=identity.channel,
            created_at=now,
        )
        fill(registration, values, None, identity, now)
        registration.status = Status.PENDING_VERIFICATION
        registration.submitted_at = None
        uow.registrations.add(registration)
        actor = Actor(ActorKind.ANONYMOUS, identity.channel)
        record(uow, registration, actor, "registration.pending", None, now)
    return Outcome(
        Result.NEEDS_VERIFICATION,
        registration,
        values=values,
        verification_sent_to=email,
        queued=[sent.message] if sent.message else [],
    )
