"""Run in a separate process by the job tests: one service instance reaching the deadline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.bootstrap import bootstrap
from app.config import load_settings
from app.jobs import deadline_job
from core.clock import FixedClock


def deadline_in_process(url: str, barrier: Any, when: datetime, worker: str) -> int | None:
    settings = load_settings()
    settings = settings.model_copy(
        update={"database": settings.database.model_copy(update={"url": url})}
    )
    app = bootstrap(settings, clock=FixedClock(when))
    barrier.wait(timeout=30)
    try:
        return deadline_job(app, worker)
    finally:
        app.close()
