"""In-memory adapters of what comes in and goes out (the outbox, the inbound ledger, the
verification codes, the reminders), and the table every fake keeps its rows in; the unit of
work that holds them is in tests/fakes.py."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from core.model import (
    Channel,
    InboundRecord,
    OutboxMessage,
    OutboxStatus,
    Reminder,
    Verification,
)


def mentions(value: object, needles: Sequence[str]) -> bool:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return any(n and n in text.lower() for n in needles)


class Table:
    def __init__(self) -> None:
        self.rows: dict[int, Any] = {}
        self.next_id = 1

    def insert(self, item: Any) -> None:
        item.id = self.next_id
        self.next_id += 1
        self.rows[item.id] = copy.deepcopy(item)

    def put(self, item: Any) -> None:
        assert item.id in self.rows
        self.rows[item.id] = copy.deepcopy(item)

    def all(self) -> list[Any]:
        return [copy.deepcopy(r) for _, r in sorted(self.rows.items())]


class FakeOutbox(Table):
    def add(self, message: OutboxMessage) -> bool:
        if any(m.dedup_key == message.dedup_key for m in self.rows.values()):
            return False
        self.insert(message)
        return True

    def scrub_contact(self, contact_id: int) -> int:
        hits = [m for m in self.rows.values() if m.contact_id == contact_id]
        for m in hits:
            m.recipient, m.params = "erased", {}
        return len(hits)

    def scrub_mentions(self, needles: Sequence[str]) -> int:
        hits = [
            m for m in self.rows.values() if mentions([m.recipient, m.params, m.dedup_key], needles)
        ]
        for m in hits:
            m.recipient, m.params, m.dedup_key = "erased", {}, f"erased:{m.id}"
        return len(hits)

    def count_to(self, recipient: str, since: datetime) -> int:
        return sum(
            1 for m in self.rows.values() if m.recipient == recipient and m.created_at >= since
        )

    def prefetch_counts(self, recipients: Sequence[str], since: datetime) -> None:
        pass

    def claim(
        self, channel: Channel, now: datetime, limit: int, worker: str
    ) -> list[OutboxMessage]:
        due = [m for m in self.rows.values() if m.channel == channel and m.status == "queued"]
        for m in due[:limit]:
            m.status = OutboxStatus.SENDING
            m.attempts += 1
        return [copy.deepcopy(m) for m in due[:limit]]

    def mark_sent(self, message_id: int, now: datetime, external_id: str | None) -> None:
        m = self.rows[message_id]
        m.status, m.sent_at, m.external_id = OutboxStatus.SENT, now, external_id or m.external_id

    def mark_retry(self, message_id: int, error: str, next_attempt_at: datetime) -> None:
        self.rows[message_id].status = OutboxStatus.QUEUED
        self.rows[message_id].last_error = error

    def mark_failed(
        self, message_id: int, error: str, status: OutboxStatus = OutboxStatus.FAILED
    ) -> None:
        self.rows[message_id].status = status
        self.rows[message_id].last_error = error

    def requeue(self, message_id: int, now: datetime) -> bool:
        m = self.rows.get(message_id)
        if m is None or m.status not in ("failed", "bounced"):
            return False
        m.status = OutboxStatus.QUEUED
        return True

    def fail_stale(self, before: datetime) -> int:
        return 0

    def by_external_id(self, external_id: str) -> OutboxMessage | None:
        return next((m for m in self.all() if m.external_id == external_id), None)

    def set_external_id(self, message_id: int, external_id: str) -> None:
        self.rows[message_id].external_id = external_id

    def list(self, status: OutboxStatus | None = None, limit: int = 200) -> list[OutboxMessage]:
        return [m for m in self.all() if status is None or m.status == status][:limit]


class FakeInbound(Table):
    def get(self, channel: Channel, key: str) -> InboundRecord | None:
        return next((r for r in self.all() if r.channel == channel and r.key == key), None)

    def prefetch(self, channel: Channel, keys: Sequence[str]) -> None:
        pass

    def add(self, record: InboundRecord) -> None:
        assert self.get(record.channel, record.key) is None, "unique (channel, key)"
        self.insert(record)

    def update(self, record: InboundRecord) -> None:
        self.put(record)

    def quarantined(self, channel: Channel) -> list[InboundRecord]:
        return [r for r in self.all() if r.channel == channel and r.outcome == "quarantined"]

    def list(
        self, channel: str | None = None, outcome: str | None = None, limit: int = 500
    ) -> list[InboundRecord]:
        return [
            r
            for r in reversed(self.all())
            if channel in (None, r.channel.value) and outcome in (None, r.outcome)
        ][:limit]

    def scrub_mentions(self, needles: Sequence[str]) -> int:
        hits = [r for r in self.rows.values() if mentions([r.detail, r.raw, r.error], needles)]
        for r in hits:
            r.detail, r.raw, r.error = {"erased": True}, None, None
        return len(hits)


class FakeVerifications(Table):
    def __init__(self) -> None:
        super().__init__()
        self.tries: list[tuple[str, int | None, datetime, bool]] = []

    def add(self, verification: Verification) -> None:
        self.insert(verification)

    def active(self, email: str, now: datetime) -> Sequence[Verification]:
        found = [v for v in self.all() if v.email == email and not v.used and v.expires_at > now]
        return sorted(found, key=lambda v: -(v.id or 0))

    def update(self, verification: Verification) -> None:
        self.put(verification)

    def for_municipality(self, municipality: str) -> list[Verification]:
        return [v for v in self.all() if v.municipality == municipality]

    def delete_for_email(self, email: str) -> int:
        hits = [k for k, v in self.rows.items() if v.email == email]
        for k in hits:
            del self.rows[k]
        return len(hits)

    def since(self, email: str, since: datetime) -> list[Verification]:
        return [v for v in self.all() if v.email == email and v.created_at >= since]

    def delete(self, verification_id: int) -> None:
        self.rows.pop(verification_id, None)

    def add_try(
        self, address_key: str, telegram_user_id: int | None, at: datetime, ok: bool
    ) -> None:
        self.tries.append((address_key, telegram_user_id, at, ok))

    def failed_tries(
        self, since: datetime, address_key: str | None = None, telegram_user_id: int | None = None
    ) -> int:
        return sum(
            1
            for key, user, at, ok in self.tries
            if not ok
            and at >= since
            and (address_key is None or key == address_key)
            and (telegram_user_id is None or user == telegram_user_id)
        )

    def forget_tries(self, address_key: str | None, telegram_user_id: int | None) -> int:
        before = len(self.tries)
        self.tries = [
            t
            for t in self.tries
            if t[0] != address_key and (telegram_user_id is None or t[1] != telegram_user_id)
        ]
        return before - len(self.tries)


class FakeReminders(Table):
    def __init__(self) -> None:
        super().__init__()
        self.reasons: dict[int, str | None] = {}

    def add(self, reminder: Reminder) -> bool:
        if any(r.key == reminder.key for r in self.rows.values()):
            return False
        self.insert(reminder)
        return True

    def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        due = [r for r in self.all() if r.sent_at is None and not r.cancelled and r.due_at <= now]
        return sorted(due, key=lambda r: (r.due_at, r.id))[:limit]

    def mark(
        self, reminder_id: int, sent_at: datetime | None, cancelled: bool, reason: str | None = None
    ) -> None:
        self.rows[reminder_id].sent_at = sent_at
        self.rows[reminder_id].cancelled = cancelled
        self.reasons[reminder_id] = reason

    def forget(self, contact_id: int | None, email: str | None, chat_id: int | None) -> int:
        gone = [
            k
            for k, r in self.rows.items()
            if (contact_id is not None and r.contact_id == contact_id)
            or (email is not None and r.email == email)
            or (chat_id is not None and r.chat_id == chat_id)
        ]
        for k in gone:
            del self.rows[k]
        return len(gone)

    def list(self, sent: bool | None = None) -> list[Reminder]:
        return [r for r in self.all() if sent is None or (r.sent_at is not None) == sent]
