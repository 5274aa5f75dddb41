"""Run in a separate process by the storage tests: one official submitting at the same moment."""

from __future__ import annotations

from typing import Any

from app.bootstrap import bootstrap
from app.config import load_settings
from core.clock import FixedClock
from core.usecases.submit import Identity, submit


def submit_in_process(url: str, barrier: Any, raw: dict[str, Any], when: Any) -> str:
    settings = load_settings()
    settings = settings.model_copy(
        update={"database": settings.database.model_copy(update={"url": url})}
    )
    app = bootstrap(settings, clock=FixedClock(when))
    identity = Identity(identity_channel(), staff="concurrency-test")
    barrier.wait(timeout=30)
    try:
        outcome = app.transaction(lambda uow: submit(uow, app.env, raw, identity))
        return outcome.result.value
    finally:
        app.close()


def identity_channel() -> Any:
    from core.model import Channel

    return Channel.CLI
