"""Time as a port: every use case asks a Clock, so tests move time instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests, simulations)."""

    def __init__(self, start: datetime) -> None:
        self._now = to_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = to_utc(moment)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def to_utc(moment: datetime) -> datetime:
    """Naive datetimes are read as UTC (that is how the database stores them)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local(moment: datetime) -> datetime:
    return to_utc(moment).astimezone(BRUSSELS)


def format_local(moment: datetime, with_time: bool = True) -> str:
    """How a Belgian reads a moment: 15/01/2027 17:00."""
    fmt = "%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y"
    return local(moment).strftime(fmt)
