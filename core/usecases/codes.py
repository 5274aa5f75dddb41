"""Six-digit codes that prove an address: sent within limits, kept only as keyed hashes,
checked against the newest code only, every try counted per address and per chat account.

- Sending a new code ends the older ones; at most `codes_per_hour` and `codes_per_day` code
  e-mails go to one address, whoever asks (no bombing).
- Each code takes `verification_max_attempts` tries. Once an address or a chat account has
  used a day's worth of tries (the tries of all its codes), it is locked for the campaign day;
  staff can unlock an address (`leertraject verification unlock`).
- Codes are stored as HMAC-SHA256 keyed with the application's secret, compared in constant
  time, and never logged nor put in an outbox key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.campaign import Env
from core.model import Channel, OutboxMessage, Verification, new_code
from core.notify import tell_address
from core.ports import UnitOfWork
from core.usecases.inbound import day_start, hour_ago
from core.validators import ValidationError

ADDRESS_CHECK = "address"  # proves an address in the chat, before any submission
APPROVAL = "approval"  # a replacement waiting for the municipality's contacts or staff


def keyed(env: Env, *parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return hmac.new(env.secret, message, hashlib.sha256).hexdigest()


def address_key(env: Env, email: str) -> str:
    """An address as a keyed hash: lets tries be counted without keeping the address."""
    return keyed(env, "address", email.strip().lower())


def code_hash(env: Env, email: str, code: str) -> str:
    return keyed(env, "code", email.strip().lower(), code.strip())


@dataclass
class Sent:
    verification: Verification | None  # None: the address's limit is reached, nothing sent
    error: ValidationError | None = None
    message: OutboxMessage | None = None  # the code e-mail queued


def send_code(
    uow: UnitOfWork,
    env: Env,
    email: str,
    payload: Mapping[str, Any],
    channel: Channel,
    telegram_user_id: int | None,
    params: Mapping[str, Any],
) -> Sent:
    """A new code to `email` (ending the older ones), unless its limits are reached."""
    now = env.clock.now()
    email = email.strip().lower()
    error = limit_error(uow, env, email, telegram_user_id)
    if error is not None:
        return Sent(None, error)
    for older in codes(uow, env, email):
        older.used = True
        uow.verifications.update(older)
    code = new_code()
    language = str(payload.get("language") or "nl")
    verification = Verification(
        code_hash=code_hash(env, email, code),
        email=email,
        municipality=str(payload["municipality"]),
        payload=dict(payload),
        language=language,
        channel=channel,
        created_at=now,
        expires_at=now + env.campaign.verification_valid,
        telegram_user_id=telegram_user_id,
    )
    uow.verifications.add(verification)
    minutes = int(env.campaign.verification_valid.total_seconds() // 60)
    message = {**params, "code": code, "email": email, "valid_minutes": minutes}
    cause = secrets.token_hex(8)  # ids can come back after an unlock; the code never shows
    queued = tell_address(uow, email, language, "verification.code", message, cause, now)
    return Sent(verification, message=queued)


def codes(uow: UnitOfWork, env: Env, email: str) -> list[Verification]:
    """The address's live codes, newest first (approvals are not codes)."""
    live = uow.verifications.active(email.strip().lower(), env.clock.now())
    return [v for v in live if v.payload.get("purpose") != APPROVAL]


def limit_error(
    uow: UnitOfWork, env: Env, email: str, telegram_user_id: int | None = None
) -> ValidationError | None:
    """Why no code may be sent to (or tried for) this address now, if so."""
    if locked(uow, env, email, telegram_user_id):
        return ValidationError("verification.locked", "code")
    now = env.clock.now()
    sent = [v for v in uow.verifications.since(email, day_start(now)) if not _approval(v)]
    last_hour = [v for v in sent if v.created_at > hour_ago(now)]
    c = env.campaign
    if len(sent) >= c.codes_per_day or len(last_hour) >= c.codes_per_hour:
        return ValidationError("verification.rate_limited", "code")
    return None


def locked(uow: UnitOfWork, env: Env, email: str, telegram_user_id: int | None = None) -> bool:
    """A day's tries used up, by this address or this chat account (or an hour's, for now)."""
    now = env.clock.now()
    c = env.campaign
    per_day = c.verification_max_attempts * c.codes_per_day
    per_hour = c.verification_max_attempts * c.codes_per_hour
    tries = uow.verifications.failed_tries
    key = address_key(env, email)
    if tries(day_start(now), address_key=key) >= per_day:
        return True
    today = [v for v in uow.verifications.since(email, day_start(now)) if not _approval(v)]
    if len(today) >= c.codes_per_day and not any(not v.used and v.expires_at > now for v in today):
        return True  # the day's codes are spent
    if telegram_user_id is None:
        return False
    return (
        tries(day_start(now), telegram_user_id=telegram_user_id) >= per_day
        or tries(hour_ago(now), telegram_user_id=telegram_user_id) >= per_hour
    )


def _approval(verification: Verification) -> bool:
    return verification.payload.get("purpose") == APPROVAL


@dataclass
class Checked:
    verification: Verification | None  # the code's verification, spent; None if wrong
    error: ValidationError | None = None
    attempts_left: int | None = None


def check_code(
    uow: UnitOfWork, env: Env, email: str, code: str, telegram_user_id: int | None = None
) -> Checked:
    """The newest live code of the address against what was typed; every try counted."""
    email = email.strip().lower()
    if locked(uow, env, email, telegram_user_id):
        return Checked(None, ValidationError("verification.locked", "code"))
    now = env.clock.now()
    live = codes(uow, env, email)
    newest = live[0] if live else None
    ok = newest is not None and hmac.compare_digest(newest.code_hash, code_hash(env, email, code))
    uow.verifications.add_try(address_key(env, email), telegram_user_id, now, ok)
    if newest is None:
        return Checked(None, ValidationError("verification.invalid", "code"))
    if ok:
        newest.used = True
        uow.verifications.update(newest)
        return Checked(newest)
    newest.attempts += 1
    maximum = env.campaign.verification_max_attempts
    error = "verification.invalid"
    if newest.attempts >= maximum:
        newest.used = True
        error = "verification.too_many_attempts"
    uow.verifications.update(newest)
    if locked(uow, env, email, telegram_user_id):
        error = "verification.locked"
    return Checked(None, ValidationError(error, "code"), max(0, maximum - newest.attempts))


def unlock(uow: UnitOfWork, env: Env, email: str) -> int:
    """Staff lift an address's lock: its tries and today's codes are forgotten."""
    email = email.strip().lower()
    forgotten = uow.verifications.forget_tries(address_key(env, email), None)
    for verification in uow.verifications.since(email, day_start(env.clock.now())):
        if verification.payload.get("purpose") != APPROVAL and verification.id is not None:
            uow.verifications.delete(verification.id)
            forgotten += 1
    return forgotten
