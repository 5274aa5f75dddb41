"""Outgoing messages by hand: queue a failed or bounced one again (`leertraject outbox retry`,
and the console's messages page), audited."""

from __future__ import annotations

from core.audit import log_action
from core.campaign import Env
from core.model import Actor
from core.ports import UnitOfWork


def requeue(uow: UnitOfWork, env: Env, message_id: int, actor: Actor) -> bool:
    """False when there is no such message or it did not fail or bounce."""
    now = env.clock.now()
    if not uow.outbox.requeue(message_id, now):
        return False
    log_action(uow, now, actor, "outbox.requeued", f"outbox:{message_id}")
    return True
