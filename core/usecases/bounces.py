"""A delivery failure reported back to us: remember the dead address and the failed message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.audit import log_action
from core.campaign import Env
from core.model import Actor, ActorKind, Channel, OutboxStatus
from core.ports import UnitOfWork


@dataclass
class BounceOutcome:
    contacts: int
    outbox_id: int | None


def record_bounce(
    uow: UnitOfWork, env: Env, failed: Sequence[str], original_message_id: str | None
) -> BounceOutcome:
    """Mark the contacts with a failed address and the outbox message the bounce answers."""
    now = env.clock.now()
    outbox_id = None
    if original_message_id:
        message = uow.outbox.by_external_id(original_message_id)
        if message is not None and message.id is not None:
            uow.outbox.mark_failed(
                message.id, "bounced: " + ", ".join(failed), status=OutboxStatus.BOUNCED
            )
            outbox_id = message.id
    marked = 0
    for address in {a.strip().lower() for a in failed if a.strip()}:
        for contact in uow.contacts.by_email(address):
            if not contact.email_bounced:
                contact.email_bounced = True
                uow.contacts.update(contact)
                marked += 1
                log_action(
                    uow,
                    now,
                    Actor(ActorKind.SYSTEM, Channel.EMAIL),
                    "contact.bounced",
                    f"contact:{contact.id}",
                )
    return BounceOutcome(marked, outbox_id)
