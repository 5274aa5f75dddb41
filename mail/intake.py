"""What every intake loop shares: the handler's answer, calling it safely, reconnect delays."""

from __future__ import annotations

import enum
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


class Disposition(enum.Enum):
    """What the handler decided; each maps to the folder the message is moved to."""

    PROCESSED = "processed"
    IGNORED = "ignored"
    FAILED = "failed"


Handler = Callable[[bytes], Disposition]


def handle_safely(handler: Handler, raw: bytes) -> Disposition:
    """Call the handler; an exception (or a wrong answer) files the message as failed."""
    try:
        result = handler(raw)
    except Exception:
        log.exception("intake handler raised; the message goes to the failed folder")
        return Disposition.FAILED
    if not isinstance(result, Disposition):
        log.error("intake handler returned %r instead of a Disposition", result)
        return Disposition.FAILED
    return result


@dataclass(frozen=True)
class Backoff:
    """Exponential reconnect delays, capped, with part of each delay randomised."""

    initial: float = 1.0
    maximum: float = 300.0
    factor: float = 2.0
    jitter: float = 0.5

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        base = min(self.maximum, self.initial * self.factor ** min(attempt, 64))
        return base * (1.0 - self.jitter * rand())
