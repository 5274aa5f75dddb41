"""One call records every change: dotted action codes, who, through which channel, on what."""

from __future__ import annotations

from typing import Any

from core.model import Actor, AuditEntry
from core.ports import UnitOfWork


def log_action(
    uow: UnitOfWork, now: Any, actor: Actor, action: str, subject: str, **data: Any
) -> None:
    uow.audit.add(
        AuditEntry(
            at=now,
            action=action,
            actor=actor.label(),
            channel=actor.channel,
            subject=subject,
            data=data,
        )
    )
