"""Proving an address with a six-digit code: completing a registration that waited for it,
or (the chat's code step) making the speaker a verified contact before the themes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.audit import log_action
from core.campaign import Env
from core.model import Actor, Channel, Verification, new_code
from core.notify import tell_address
from core.ports import UnitOfWork
from core.usecases.submit import (
    Identity,
    Outcome,
    Result,
    apply,
    deadline_error,
    upsert_contact,
)
from core.validators import ValidationError


def verify(
    uow: UnitOfWork, env: Env, email: str, code: str, telegram_user_id: int | None = None
) -> Outcome:
    """The answer to a verification message: the right code completes the registration."""
    if env.deadline_passed():  # a code does not reopen the registration after the deadline
        return Outcome(Result.REJECTED, errors=[deadline_error(env)])
    now = env.clock.now()
    pending = list(uow.verifications.active(email.strip().lower(), now))
    if not pending:
        return Outcome(Result.REJECTED, errors=[ValidationError("verification.invalid", "code")])
    verification = _use(uow, pending, code)
    if verification is None:
        error, _ = _wrong_code(uow, env, pending[0])
        return Outcome(Result.REJECTED, errors=[error])
    if verification.payload.get("purpose") == ADDRESS_CHECK:
        return _address_proved(uow, env, verification, telegram_user_id)
    identity = Identity(
        verification.channel,
        email=verification.email,
        email_trusted=True,
        telegram_user_id=telegram_user_id or verification.telegram_user_id,
    )
    contact = upsert_contact(uow, verification.payload, identity, None, now, True)
    return apply(uow, env, verification.payload, identity, contact)


ADDRESS_CHECK = "address"  # a Verification that proves an address, before any submission


def send_address_code(
    uow: UnitOfWork, env: Env, values: Mapping[str, Any], telegram_user_id: int | None
) -> Verification:
    """The chat's code step: prove the work address right after giving it, before the themes.

    The code goes out through the e-mail outbox; typing it in the chat (or replying to the
    e-mail with it) makes the speaker a verified contact of the municipality.
    """
    now = env.clock.now()
    email = str(values["contact_email"]).strip().lower()
    language = values.get("language") or "nl"
    payload = {k: values.get(k) for k in _ADDRESS_FIELDS}
    verification = Verification(
        code=new_code(),
        email=email,
        municipality=values["municipality"],
        payload={**payload, "contact_email": email, "purpose": ADDRESS_CHECK},
        language=language,
        channel=Channel.TELEGRAM,
        created_at=now,
        expires_at=now + env.campaign.verification_valid,
        telegram_user_id=telegram_user_id,
    )
    uow.verifications.add(verification)
    params = {
        "code": verification.code,
        "email": email,
        "municipality_name": env.municipality_name(values["municipality"]),
        "valid_minutes": int(env.campaign.verification_valid.total_seconds() // 60),
        "reference": "",
    }
    tell_address(uow, email, language, "verification.code", params, f"v{verification.id}", now)
    return verification


def confirm_address(
    uow: UnitOfWork, env: Env, email: str, code: str, telegram_user_id: int | None
) -> Outcome:
    """A code typed in the chat: ACCEPTED with the verified contact, or REJECTED.

    Same rules as `verify`: wrong or expired codes count against the newest one, which is
    spent after the campaign's maximum of tries. `values["attempts_left"]` says what remains.
    """
    now = env.clock.now()
    email = email.strip().lower()
    pending = [
        v for v in uow.verifications.active(email, now) if v.payload.get("purpose") == ADDRESS_CHECK
    ]
    if not pending:
        return Outcome(Result.REJECTED, errors=[ValidationError("verification.invalid", "code")])
    verification = _use(uow, pending, code)
    if verification is not None:
        return _address_proved(uow, env, verification, telegram_user_id)
    error, left = _wrong_code(uow, env, pending[0])
    return Outcome(Result.REJECTED, errors=[error], values={"attempts_left": left})


_ADDRESS_FIELDS = ("municipality", "contact_name", "contact_function", "contact_email", "language")


def _address_proved(
    uow: UnitOfWork, env: Env, verification: Verification, telegram_user_id: int | None
) -> Outcome:
    now = env.clock.now()
    identity = Identity(
        Channel.TELEGRAM,
        email=verification.email,
        email_trusted=True,
        telegram_user_id=telegram_user_id or verification.telegram_user_id,
    )
    values = {k: verification.payload.get(k) for k in _ADDRESS_FIELDS}
    values["contact_email"] = verification.email
    contact = upsert_contact(uow, values, identity, None, now, True)
    if contact is not None and contact.id is not None:
        actor = Actor("contact", Channel.TELEGRAM, contact_id=contact.id)
        log_action(uow, now, actor, "contact.verified", f"contact:{contact.id}")
    return Outcome(Result.ACCEPTED, contact=contact, values=values)


def _use(uow: UnitOfWork, pending: list[Verification], code: str) -> Verification | None:
    """The pending verification with this code, spent; None when no code matches."""
    for verification in pending:
        if verification.code == code.strip():
            verification.used = True
            uow.verifications.update(verification)
            return verification
    return None


def _wrong_code(uow: UnitOfWork, env: Env, newest: Verification) -> tuple[ValidationError, int]:
    """A wrong or expired code counts against the newest one, spent after the maximum."""
    newest.attempts += 1
    maximum = env.campaign.verification_max_attempts
    code_error = "verification.invalid"
    if newest.attempts >= maximum:
        newest.used = True
        code_error = "verification.too_many_attempts"
    uow.verifications.update(newest)
    return ValidationError(code_error, "code"), max(0, maximum - newest.attempts)
