"""In-memory adapters behind core's ports, for fast unit tests of the use cases."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from core.model import (
    AssignmentRun,
    AuditEntry,
    Channel,
    Contact,
    Draft,
    HistoryEntry,
    InboundRecord,
    OutboxMessage,
    OutboxStatus,
    Registration,
    Reminder,
    Status,
    Verification,
)


def _mentions(value: object, needles: Sequence[str]) -> bool:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return any(n and n in text.lower() for n in needles)


class _Table:
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


class FakeRegistrations(_Table):
    def get(self, municipality: str, for_update: bool = False) -> Registration | None:
        return next((r for r in self.all() if r.municipality == municipality), None)

    def by_reference(self, reference: str) -> Registration | None:
        return next((r for r in self.all() if r.reference == reference), None)

    def add(self, registration: Registration) -> None:
        assert self.get(registration.municipality) is None, "unique municipality"
        self.insert(registration)

    def update(self, registration: Registration) -> None:
        self.put(registration)

    def list(self, status: Status | None = None) -> list[Registration]:
        return [r for r in self.all() if status is None or r.status is status]


class FakeContacts(_Table):
    def get(self, contact_id: int) -> Contact | None:
        return copy.deepcopy(self.rows.get(contact_id))

    def for_municipality(self, municipality: str) -> list[Contact]:
        return [c for c in self.all() if c.municipality == municipality]

    def by_email(self, email: str) -> list[Contact]:
        return [c for c in self.all() if c.email == email]

    def by_token(self, token: str) -> Contact | None:
        return next((c for c in self.all() if c.token == token), None)

    def by_telegram(self, user_id: int) -> list[Contact]:
        return [c for c in self.all() if c.telegram_user_id == user_id]

    def add(self, contact: Contact) -> None:
        self.insert(contact)

    def update(self, contact: Contact) -> None:
        self.put(contact)

    def list(self, invited_only: bool = False) -> list[Contact]:
        return [c for c in self.all() if c.invited or not invited_only]


class FakeHistory(_Table):
    def add(self, entry: HistoryEntry) -> None:
        self.insert(entry)

    def for_registration(self, registration_id: int) -> list[HistoryEntry]:
        return [h for h in self.all() if h.registration_id == registration_id]


class FakeAudit(_Table):
    def add(self, entry: AuditEntry) -> None:
        self.insert(entry)

    def list(self, action: str = "", limit: int = 500) -> list[AuditEntry]:
        return [e for e in reversed(self.all()) if e.action.startswith(action)][:limit]


class FakeOutbox(_Table):
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
            m
            for m in self.rows.values()
            if _mentions([m.recipient, m.params, m.dedup_key], needles)
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


class FakeInbound(_Table):
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
        hits = [r for r in self.rows.values() if _mentions([r.detail, r.raw, r.error], needles)]
        for r in hits:
            r.detail, r.raw, r.error = {"erased": True}, None, None
        return len(hits)


class FakeVerifications(_Table):
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


class FakeReminders(_Table):
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


class FakeJobs:
    def __init__(self) -> None:
        self.runs: dict[tuple[str, str], str | None] = {}

    def claim(self, name: str, key: str, worker: str, now: datetime, lease: timedelta) -> bool:
        if (name, key) in self.runs:
            return False
        self.runs[(name, key)] = None
        return True

    def finish(self, name: str, key: str, worker: str, now: datetime, result: str) -> None:
        self.runs[(name, key)] = result

    def fail(self, name: str, key: str, worker: str, now: datetime, error: str) -> None:
        del self.runs[(name, key)]

    def done(self, name: str, key: str) -> bool:
        return self.runs.get((name, key)) is not None


class FakeAssignments:
    def __init__(self) -> None:
        self.score_table: dict[tuple[str, int], int] = {}
        self.rule_table: dict[tuple[str, int], str] = {}
        self.runs = _Table()

    def scores(self) -> dict[tuple[str, int], int]:
        return dict(self.score_table)

    def set_score(self, municipality: str, theme: int, score: int | None) -> None:
        if score is None:
            self.score_table.pop((municipality, theme), None)
        else:
            self.score_table[(municipality, theme)] = score

    def rules(self) -> list[tuple[str, int, str]]:
        return [(m, t, k) for (m, t), k in self.rule_table.items()]

    def set_rule(self, municipality: str, theme: int, kind: str | None) -> None:
        if kind == "pin":
            for key in [
                k for k, v in self.rule_table.items() if k[0] == municipality and v == "pin"
            ]:
                del self.rule_table[key]
        if kind is None:
            self.rule_table.pop((municipality, theme), None)
        else:
            self.rule_table[(municipality, theme)] = kind

    def add_run(self, run: AssignmentRun) -> None:
        self.runs.insert(run)

    def get_run(self, run_id: int) -> AssignmentRun | None:
        return copy.deepcopy(self.runs.rows.get(run_id))

    def latest_run(self) -> AssignmentRun | None:
        runs = self.runs.all()
        return runs[-1] if runs else None

    def recent_runs(self, limit: int) -> list[AssignmentRun]:
        return [copy.deepcopy(r) for r in reversed(self.runs.all())][:limit]

    def published_run(self) -> AssignmentRun | None:
        published = [r for r in self.runs.all() if r.published_at is not None]
        return max(published, key=lambda r: (r.published_at, r.id)) if published else None

    def mark_published(self, run_id: int, now: datetime) -> None:
        self.runs.rows[run_id].published_at = now


class FakeDrafts:
    def __init__(self) -> None:
        self.rows: dict[str, Draft] = {}

    def get(self, owner: str) -> Draft | None:
        return copy.deepcopy(self.rows.get(owner))

    def get_for_update(self, owner: str) -> Draft | None:
        return self.get(owner)

    def save(self, draft: Draft) -> None:
        self.rows[draft.owner] = copy.deepcopy(draft)

    def all(self) -> list[Draft]:
        return [copy.deepcopy(d) for d in self.rows.values()]

    def delete(self, owner: str) -> None:
        self.rows.pop(owner, None)

    def delete_mentions(self, needles: Sequence[str]) -> int:
        hits = [o for o, d in self.rows.items() if _mentions([o, d.values, d.state], needles)]
        for owner in hits:
            del self.rows[owner]
        return len(hits)


class FakeUnitOfWork:
    """Commits are counted; a use case that forgets to commit is caught by the caller's test."""

    def __init__(self) -> None:
        self.registrations = FakeRegistrations()
        self.contacts = FakeContacts()
        self.history = FakeHistory()
        self.audit = FakeAudit()
        self.outbox = FakeOutbox()
        self.verifications = FakeVerifications()
        self.drafts = FakeDrafts()
        self.inbound = FakeInbound()
        self.reminders = FakeReminders()
        self.jobs = FakeJobs()
        self.assignments = FakeAssignments()
        self.commits = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        pass
