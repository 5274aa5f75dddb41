"""When every outbox sender tries again, whatever its channel: the retry schedule. The loop
that claims, sends and records runs in app (app/outbox_runner.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(BACKOFF) + 1


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` tries, or None: give up and show it to staff."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]
