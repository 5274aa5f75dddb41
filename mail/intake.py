"""What every intake loop shares: the handler's answer, calling it safely, retry delays.

A message leaves the inbox only once its outcome is committed. The handler (the pipeline)
records every outcome it returns, a crash of its own included (quarantined, FAILED); an
exception that escapes it means nothing was recorded (the database is down, a lock timed out,
the disk is full). Such a message is RETRY: it stays where it is and is offered again later,
after a delay that grows while the fault lasts (RetryGate).
"""

from __future__ import annotations

import enum
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)


class Disposition(enum.Enum):
    """What the handler decided; each but RETRY maps to the folder the message is moved to."""

    PROCESSED = "processed"
    IGNORED = "ignored"
    FAILED = "failed"
    RETRY = "retry"  # nothing recorded: the message stays in the inbox


FILED = (Disposition.PROCESSED, Disposition.IGNORED, Disposition.FAILED)
Handler = Callable[[bytes], Disposition]
# Several fetched messages at once (one transaction); same answers, in the same order.
BatchHandler = Callable[[Sequence[bytes]], list[Disposition]]
Known = Callable[[str], bool]


def handle_safely(handler: Handler, raw: bytes) -> Disposition:
    """Call the handler; an exception (or a wrong answer) leaves the message for a retry."""
    try:
        result = handler(raw)
    except Exception as exc:
        log.warning(
            "the outcome of a message could not be recorded (%s); it stays in the inbox "
            "and is tried again later",
            f"{type(exc).__name__}: {exc}"[:300],
        )
        return Disposition.RETRY
    if not isinstance(result, Disposition):
        log.error("intake handler returned %r instead of a Disposition; retried later", result)
        return Disposition.RETRY
    return result


def handle_all(batch: BatchHandler | None, raws: Sequence[bytes]) -> list[Disposition] | None:
    """The batch handler's answers, or None: then each message goes to the handler on its own
    (no batch handler, or the batch failed; what it did record is then filed as known)."""
    if batch is None or len(raws) < 2:
        return None
    try:
        result = batch(raws)
    except Exception as exc:
        log.warning(
            "a batch of %d messages could not be handled together (%s); one by one instead",
            len(raws),
            f"{type(exc).__name__}: {exc}"[:300],
        )
        return None
    if len(result) != len(raws) or not all(d in FILED for d in result):
        return None
    return result


def skip_known(handler: Handler, key_of: Callable[[bytes], str], known: Known) -> Handler:
    """A message whose outcome is already recorded (the duplicate ledger, by Message-ID, else
    by content hash) is filed as processed before anything parses it: a resent MIME bomb
    costs a header read and one lookup. `known` says whether that key has a final outcome."""

    def handle(raw: bytes) -> Disposition:
        if known(key_of(raw)):
            log.info("a message already recorded was offered again; filed without parsing")
            return Disposition.PROCESSED
        return handler(raw)

    return handle


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


class RetryGate:
    """Holds an intake back after an unrecorded outcome: each failure in a row doubles the
    pause (Backoff); one recorded outcome opens the gate again."""

    def __init__(
        self,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.backoff = backoff if backoff is not None else Backoff(initial=2.0, maximum=120.0)
        self._clock = clock
        self._rand = rand
        self.failures = 0
        self._not_before = 0.0

    def ready(self) -> bool:
        return self._clock() >= self._not_before

    def wait_seconds(self) -> float:
        return max(0.0, self._not_before - self._clock())

    def failed(self) -> float:
        """One more failure in a row: how long to hold back before the next try."""
        delay = self.backoff.delay(self.failures, self._rand)
        self.failures += 1
        self._not_before = self._clock() + delay
        log.warning(
            "intake holds back %.1f s after %d unrecorded outcome(s) in a row", delay, self.failures
        )
        return delay

    def succeeded(self) -> None:
        if self.failures:
            log.info("intake records outcomes again after %d failure(s)", self.failures)
        self.failures = 0
        self._not_before = 0.0


def batches(
    uids: Sequence[int], sizes: Mapping[int, int], max_count: int, max_bytes: int
) -> Iterator[list[int]]:
    """Group UIDs so a batch holds at most max_count messages and about max_bytes."""
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if batch and (len(batch) >= max_count or total + size > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch
