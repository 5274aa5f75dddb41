"""Flood control for people: each user has a bucket of updates. Over it, the first excess
update gets one short "even geduld" and the rest are dropped (and recorded as such)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.buckets import Clock, TokenBucket, monotonic


class Verdict(StrEnum):
    ADMIT = "admit"
    WARN = "warn"  # the first update over the limit: say "even geduld" once
    DROP = "drop"


@dataclass(frozen=True)
class FloodLimits:
    burst: int = 12  # a person tapping through the themes quickly stays well under this
    rate: float = 1.0  # updates per second, sustained

    @classmethod
    def off(cls) -> FloodLimits:
        return cls(burst=1_000_000, rate=1_000_000.0)


class FloodGuard:
    def __init__(self, limits: FloodLimits | None = None, clock: Clock = monotonic) -> None:
        self.limits = limits or FloodLimits()
        self.clock = clock
        self._buckets: dict[int, TokenBucket] = {}
        self._warned: set[int] = set()

    def admit(self, user_id: int) -> Verdict:
        now = self.clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) > 50_000:
                self._forget_idle(now)
            bucket = TokenBucket(self.limits.rate, self.limits.burst, now)
            self._buckets[user_id] = bucket
        if bucket.wait_time(now) <= 0:
            bucket.take()
            self._warned.discard(user_id)
            return Verdict.ADMIT
        if user_id in self._warned:
            return Verdict.DROP
        self._warned.add(user_id)
        return Verdict.WARN

    def _forget_idle(self, now: float) -> None:
        for user_id, bucket in list(self._buckets.items()):
            if bucket.full(now):
                del self._buckets[user_id]
                self._warned.discard(user_id)
