"""Who is speaking, and what may they change: the one trust policy of every channel.

Channels only report facts (an address and how it was proven, an invitation token, a Telegram
account); this module decides. It also keeps the ledger of inbound messages, so that every
e-mail and every chat update is handled exactly once, and the limits that stop the service
from being used to bomb an address.

- An e-mail sender is *authenticated* only by a positive result of our own receiving server
  (the channel says so); a *forged* message changes nothing and is answered at most once.
- A known contact of the municipality (invited or verified) that the channel proved changes
  the registration at once; anyone else proves the address with a code first.
- At most `answers_per_address_per_day` answers go to one address a day; above that the
  message is recorded as rejected (`rate_limited`) and not answered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from core.campaign import Env
from core.clock import local, to_utc
from core.model import Channel, Contact, InboundOutcome, InboundRecord
from core.ports import UnitOfWork


class Proof(StrEnum):
    """How the channel vouched for the sender's address."""

    AUTHENTICATED = "authenticated"  # our server's DMARC/DKIM pass, or a proven chat account
    UNAUTHENTICATED = "unauthenticated"  # nothing either way: a code or the token is needed
    FORGED = "forged"  # our server says the From is not the sender's


@dataclass(frozen=True)
class Identity:
    """What the channel could prove about who is speaking."""

    channel: Channel
    email: str | None = None  # the sender's address, when the channel saw one
    email_trusted: bool = False  # the address was authenticated (Proof.AUTHENTICATED)
    token: str | None = None  # an invitation token carried by the message or deep link
    telegram_user_id: int | None = None
    staff: str | None = None  # the staff login, for changes made from the CLI
    thread: Mapping[str, str] | None = None  # reply headers for an answer to the sender
    proven: bool = False  # `email` was proven with a code in this conversation (the chat)

    def threads(self) -> dict[str, Mapping[str, str]]:
        return {self.email.lower(): self.thread} if self.email and self.thread else {}


def speaking_contact(uow: UnitOfWork, municipality: str, identity: Identity) -> Contact | None:
    """The trusted contact of this municipality that the channel proved, if any."""
    if identity.token:
        by_token = uow.contacts.by_token(identity.token)
        if by_token and by_token.municipality == municipality and not by_token.erased:
            return by_token
    contacts = [c for c in uow.contacts.for_municipality(municipality) if c.trusted]
    if identity.telegram_user_id is not None:
        for contact in contacts:
            if contact.telegram_user_id == identity.telegram_user_id:
                return contact
    if identity.email and identity.email_trusted:
        for contact in contacts:
            if contact.email.lower() == identity.email.lower():
                return contact
    return None


def known_contact(uow: UnitOfWork, municipality: str, email: str) -> Contact | None:
    """A trusted contact of the municipality with this address (invited, verified, staff's)."""
    wanted = email.strip().lower()
    for contact in uow.contacts.for_municipality(municipality):
        if contact.trusted and contact.email.lower() == wanted:
            return contact
    return None


def guarded(uow: UnitOfWork, municipality: str) -> bool:
    """Whether the municipality's registration came from someone trusted, so that a new,
    unknown person cannot replace it without the approval of its contacts or staff."""
    registration = uow.registrations.get(municipality)
    if registration is None or registration.status.value != "submitted":
        return False
    if registration.submitted_by is None:
        return True  # entered by staff
    by = uow.contacts.get(registration.submitted_by)
    return by is None or by.trusted or by.erased


# --- limits --------------------------------------------------------------------------------


def day_start(moment: datetime) -> datetime:
    """The start of the campaign day (Brussels time) that `moment` falls in, in UTC."""
    here = local(moment)
    return to_utc(here.replace(hour=0, minute=0, second=0, microsecond=0))


def may_answer(uow: UnitOfWork, env: Env, address: str) -> bool:
    """False once the address got its day's answers: more are recorded, not sent."""
    if not address:
        return False
    now = env.clock.now()
    sent = uow.outbox.count_to(address.lower(), day_start(now))
    return sent < env.campaign.answers_per_address_per_day


def prepare_answers(uow: UnitOfWork, env: Env, addresses: Sequence[str]) -> None:
    """Look up the day's answers to many addresses at once (a batch of messages), so that
    may_answer on each costs no further query."""
    wanted = [a.lower() for a in addresses if a]
    if wanted:
        uow.outbox.prefetch_counts(wanted, day_start(env.clock.now()))


def hour_ago(now: datetime) -> datetime:
    return now - timedelta(hours=1)


# --- the ledger of inbound messages --------------------------------------------------------


def seen(uow: UnitOfWork, channel: Channel, key: str) -> InboundRecord | None:
    return uow.inbound.get(channel, key)


def record(
    uow: UnitOfWork,
    env: Env,
    channel: Channel,
    key: str,
    outcome: InboundOutcome,
    detail: dict[str, Any],
    earlier: InboundRecord | None = None,
) -> None:
    """The one outcome of a message; a retried (quarantined) one gets its outcome at last."""
    now = env.clock.now()
    if earlier is None:
        uow.inbound.add(InboundRecord(channel, key, now, outcome, detail))
        return
    earlier.outcome, earlier.detail, earlier.raw, earlier.error = outcome, detail, None, None
    uow.inbound.update(earlier)


def quarantine(
    uow: UnitOfWork, env: Env, channel: Channel, key: str, raw: bytes, error: str
) -> None:
    """Kept whole for a retry; erased with the person if it names them. `tries` counts the
    failures (`leertraject mail failed` shows it)."""
    quarantined = InboundOutcome.QUARANTINED
    found = uow.inbound.get(channel, key)
    if found is None:
        now = env.clock.now()
        record = InboundRecord(channel, key, now, quarantined, {"tries": 1}, raw, error)
        uow.inbound.add(record)
        return
    tries = int(found.detail.get("tries", 1)) + 1 if found.outcome == quarantined else 1
    found.outcome, found.raw, found.error = quarantined, raw, error
    found.detail = {**found.detail, "tries": tries}
    uow.inbound.update(found)
