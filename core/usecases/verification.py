"""Proving an address with a six-digit code: completing a registration that waited for it,
or (the chat's code step) making the speaker a verified contact before the themes.

The rules of the codes themselves (limits, hashing, tries) are in core.usecases.codes; who
may then change what is decided by core.usecases.inbound and core.usecases.approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.audit import log_action
from core.campaign import Env
from core.model import Actor, ActorKind, Channel, Verification
from core.ports import UnitOfWork
from core.usecases.approval import settle_proven
from core.usecases.codes import ADDRESS_CHECK, Sent, check_code, send_code
from core.usecases.inbound import guarded, known_contact
from core.usecases.submit import Identity, Outcome, Result, deadline_error, upsert_contact

__all__ = ["ADDRESS_CHECK", "confirm_address", "send_address_code", "verify"]


def verify(
    uow: UnitOfWork, env: Env, email: str, code: str, telegram_user_id: int | None = None
) -> Outcome:
    """The answer to a verification message: the right code completes the registration."""
    if env.deadline_passed():  # a code does not reopen the registration after the deadline
        return Outcome(Result.REJECTED, errors=[deadline_error(env)])
    checked = check_code(uow, env, email, code, telegram_user_id)
    verification = checked.verification
    if verification is None:
        assert checked.error is not None
        left = {} if checked.attempts_left is None else {"attempts_left": checked.attempts_left}
        return Outcome(Result.REJECTED, errors=[checked.error], values=left)
    if verification.payload.get("purpose") == ADDRESS_CHECK:
        return _address_proved(uow, env, verification, telegram_user_id)
    identity = Identity(
        verification.channel,
        email=verification.email,
        email_trusted=True,
        telegram_user_id=telegram_user_id or verification.telegram_user_id,
    )
    return settle_proven(uow, env, verification.payload, identity)


def send_address_code(
    uow: UnitOfWork, env: Env, values: Mapping[str, Any], telegram_user_id: int | None
) -> Sent:
    """The chat's code step: prove the work address right after giving it, before the themes.

    The code goes out through the e-mail outbox; typing it in the chat (or replying to the
    e-mail with it) proves the address. `Sent.error` says why none went out (limits).
    """
    email = str(values["contact_email"]).strip().lower()
    payload = {k: values.get(k) for k in _ADDRESS_FIELDS}
    payload.update(contact_email=email, purpose=ADDRESS_CHECK, language=values.get("language"))
    params = {"municipality_name": env.municipality_name(values["municipality"]), "reference": ""}
    return send_code(uow, env, email, payload, Channel.TELEGRAM, telegram_user_id, params)


def confirm_address(
    uow: UnitOfWork, env: Env, email: str, code: str, telegram_user_id: int | None
) -> Outcome:
    """A code typed in the chat: ACCEPTED with the proven contact, or REJECTED.

    `values["attempts_left"]` says what remains of the newest code's tries.
    """
    checked = check_code(uow, env, email, code, telegram_user_id)
    if checked.verification is None:
        assert checked.error is not None
        left = {} if checked.attempts_left is None else {"attempts_left": checked.attempts_left}
        return Outcome(Result.REJECTED, errors=[checked.error], values=left)
    return _address_proved(uow, env, checked.verification, telegram_user_id)


_ADDRESS_FIELDS = ("municipality", "contact_name", "contact_function", "contact_email", "language")


def _address_proved(
    uow: UnitOfWork, env: Env, verification: Verification, telegram_user_id: int | None
) -> Outcome:
    """The address is the speaker's. They become a verified contact of the municipality,
    unless its registration is guarded and they are new to it: then they stay a stranger
    whose version will wait for approval (the chat remembers the proven address)."""
    now = env.clock.now()
    identity = Identity(
        Channel.TELEGRAM,
        email=verification.email,
        email_trusted=True,
        telegram_user_id=telegram_user_id or verification.telegram_user_id,
    )
    values = {k: verification.payload.get(k) for k in _ADDRESS_FIELDS}
    values["contact_email"] = verification.email
    municipality = str(values["municipality"])
    if guarded(uow, municipality) and known_contact(uow, municipality, verification.email) is None:
        return Outcome(Result.ACCEPTED, values={**values, "proven": verification.email})
    contact = upsert_contact(uow, values, identity, None, now, True)
    if contact is not None and contact.id is not None:
        actor = Actor(ActorKind.CONTACT, Channel.TELEGRAM, contact_id=contact.id)
        log_action(uow, now, actor, "contact.verified", f"contact:{contact.id}")
    return Outcome(Result.ACCEPTED, contact=contact, values=values)
