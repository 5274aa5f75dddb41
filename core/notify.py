"""What to tell whom: turn an event into outbox rows, one per contact and channel."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.model import Channel, Contact, OutboxMessage
from core.ports import UnitOfWork


def tell(
    uow: UnitOfWork,
    contacts: Iterable[Contact],
    kind: str,
    params: dict[str, Any],
    cause: str,
    now: Any,
    thread: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[OutboxMessage]:
    """Queue `kind` for every reachable contact; the dedup key makes a retried cause harmless.

    `thread` maps an e-mail address to reply headers, so that the person who wrote gets the
    answer in the same conversation and the others get a fresh message.
    """
    queued: list[OutboxMessage] = []
    for contact in contacts:
        if contact.erased or contact.id is None:
            continue
        for channel, recipient in _addresses(contact):
            extra = (thread or {}).get(recipient.lower(), {}) if channel is Channel.EMAIL else {}
            message = OutboxMessage(
                channel=channel,
                recipient=recipient,
                language=contact.language,
                kind=kind,
                params={**params, **extra, "contact_name": contact.name},
                dedup_key=f"{kind}:{cause}:{contact.id}:{channel.value}",
                created_at=now,
                contact_id=contact.id,
            )
            if uow.outbox.add(message):
                queued.append(message)
    return queued


def tell_address(
    uow: UnitOfWork,
    email: str,
    language: str,
    kind: str,
    params: dict[str, Any],
    cause: str,
    now: Any,
) -> OutboxMessage | None:
    """For someone who is not (yet) a contact, such as a sender who must verify an address."""
    message = OutboxMessage(
        channel=Channel.EMAIL,
        recipient=email,
        language=language,
        kind=kind,
        params=params,
        dedup_key=f"{kind}:{cause}:{email}",
        created_at=now,
    )
    return message if uow.outbox.add(message) else None


def _addresses(contact: Contact) -> list[tuple[Channel, str]]:
    found: list[tuple[Channel, str]] = []
    if contact.email and not contact.email_bounced:
        found.append((Channel.EMAIL, contact.email))
    if contact.telegram_user_id is not None and not contact.telegram_unreachable:
        found.append((Channel.TELEGRAM, str(contact.telegram_user_id)))
    if not found and contact.email:
        found.append((Channel.EMAIL, contact.email))  # a bounced address is still worth a try
    return found
