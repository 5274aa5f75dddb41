"""Repositories of messages: the outbox to send and the ledger of inbound messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.model import Channel, InboundOutcome, InboundRecord, OutboxMessage, OutboxStatus
from storage.deferred import DeferredInserts
from storage.pending import mentions
from storage.tables import InboundRow, OutboxRow

_SECRET_PARAMS = ("code", "approval_code")


def _insert_new(dialect: Any) -> Any:
    """Queue a message unless its dedup key is taken (SQLite's or PostgreSQL's INSERT)."""
    table = OutboxRow.__table__
    assert isinstance(table, Table)
    return (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(table.c.id)
    )


_ADD_OUTBOX = (_insert_new(sqlite), _insert_new(postgresql))  # built once: [is PostgreSQL]


def _outbox(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        channel=Channel(row.channel),
        recipient=row.recipient,
        language=row.language,
        kind=row.kind,
        params=dict(row.params),
        dedup_key=row.dedup_key,
        created_at=row.created_at,
        contact_id=row.contact_id,
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        external_id=row.message_id,
        last_error=row.last_error,
        sent_at=row.sent_at,
        id=row.id,
    )


class SqlOutbox:
    """Counts of the day's answers per address are read once per transaction (`_counts`) and
    kept up to date by add, which writes at once (nothing of the outbox waits in a flush)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._counts: dict[tuple[str, datetime], int] = {}

    def add(self, message: OutboxMessage) -> bool:
        """Queue a message unless its dedup key is queued already: one statement,
        ``INSERT ... ON CONFLICT DO NOTHING``, that needs no flush of what else is pending."""
        values = {
            "channel": message.channel.value,
            "recipient": message.recipient,
            "language": message.language,
            "kind": message.kind,
            "params": message.params,
            "dedup_key": message.dedup_key,
            "contact_id": message.contact_id,
            "status": message.status,
            "attempts": message.attempts,
            "created_at": message.created_at,
            "next_attempt_at": message.created_at,
        }
        statement = _ADD_OUTBOX[self.session.get_bind().dialect.name == "postgresql"]
        new_id = self.session.connection().execute(statement, values).scalar()
        if new_id is None:
            return False
        message.id = int(new_id)
        for recipient, since in self._counts:
            if recipient == message.recipient and message.created_at >= since:
                self._counts[(recipient, since)] += 1
        return True

    def scrub_contact(self, contact_id: int) -> int:
        self._counts.clear()
        result = self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.contact_id == contact_id)
            .values(recipient="erased", params={}, last_error=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def scrub_mentions(self, needles: Sequence[str]) -> int:
        self._counts.clear()
        rows = [
            r
            for r in self.session.scalars(select(OutboxRow))
            if mentions([r.recipient, r.params, r.dedup_key, r.last_error], needles)
        ]
        for row in rows:
            row.recipient, row.params, row.last_error = "erased", {}, None
            row.dedup_key = f"erased:{row.id}"
            if row.status in ("queued", "failed"):
                row.status = "erased"  # never sent any more: what it would say is gone
        self.session.flush()
        return len(rows)

    def count_to(self, recipient: str, since: datetime) -> int:
        if (recipient, since) not in self._counts:
            self.prefetch_counts([recipient], since)
        return self._counts[(recipient, since)]

    def prefetch_counts(self, recipients: Sequence[str], since: datetime) -> None:
        wanted = [r for r in dict.fromkeys(recipients) if (r, since) not in self._counts]
        if not wanted:
            return
        query = (
            select(OutboxRow.recipient, func.count(OutboxRow.id))
            .where(OutboxRow.recipient.in_(wanted), OutboxRow.created_at >= since)
            .group_by(OutboxRow.recipient)
        )
        with self.session.no_autoflush:  # add() writes at once; nothing pending to wait for
            found = {str(r): int(n) for r, n in self.session.execute(query)}
        for recipient in wanted:
            self._counts[(recipient, since)] = found.get(recipient, 0)

    def claim(
        self, channel: Channel, now: datetime, limit: int, worker: str
    ) -> list[OutboxMessage]:
        query = (
            select(OutboxRow)
            .where(
                OutboxRow.channel == channel,
                OutboxRow.status == "queued",
                or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(self.session.scalars(query))
        for row in rows:
            row.status, row.claimed_by, row.claimed_at = "sending", worker, now
            row.attempts += 1
        self.session.flush()
        return [_outbox(r) for r in rows]

    def mark_sent(self, message_id: int, now: datetime, external_id: str | None) -> None:
        row = self.session.get_one(OutboxRow, message_id)
        row.status, row.sent_at, row.last_error = "sent", now, None
        row.message_id = external_id or row.message_id
        if any(k in row.params for k in _SECRET_PARAMS):  # the e-mail had to show it; now gone
            row.params = {k: v for k, v in row.params.items() if k not in _SECRET_PARAMS}
        self.session.flush()

    def mark_retry(self, message_id: int, error: str, next_attempt_at: datetime) -> None:
        row = self.session.get_one(OutboxRow, message_id)
        row.status, row.last_error, row.next_attempt_at = "queued", error, next_attempt_at
        row.claimed_by = None
        self.session.flush()

    def mark_failed(
        self, message_id: int, error: str, status: OutboxStatus = OutboxStatus.FAILED
    ) -> None:
        row = self.session.get_one(OutboxRow, message_id)
        row.status, row.last_error, row.claimed_by = status, error, None
        self.session.flush()

    def requeue(self, message_id: int, now: datetime) -> bool:
        row = self.session.get(OutboxRow, message_id)
        if row is None or row.status not in ("failed", "bounced"):
            return False
        row.status, row.next_attempt_at, row.claimed_by = "queued", now, None
        self.session.flush()
        return True

    def fail_stale(self, before: datetime) -> int:
        """A message left 'sending' by a worker that died may or may not have gone out: it is
        never resent on its own (nothing twice); staff look and retry it."""
        result = self.session.execute(
            update(OutboxRow)
            .where(and_(OutboxRow.status == "sending", OutboxRow.claimed_at < before))
            .values(
                status="failed",
                last_error="onderbroken tijdens verzenden: controleer en probeer opnieuw",
                claimed_by=None,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def by_external_id(self, external_id: str) -> OutboxMessage | None:
        row = self.session.scalars(
            select(OutboxRow).where(OutboxRow.message_id == external_id)
        ).first()
        return _outbox(row) if row else None

    def set_external_id(self, message_id: int, external_id: str) -> None:
        row = self.session.get_one(OutboxRow, message_id)
        row.message_id = external_id
        self.session.flush()

    def list(self, status: OutboxStatus | None = None, limit: int = 200) -> list[OutboxMessage]:
        query = select(OutboxRow).order_by(OutboxRow.id.desc()).limit(limit)
        if status is not None:
            query = query.where(OutboxRow.status == status)
        return [_outbox(r) for r in self.session.scalars(query)]


class SqlInbound:
    """The ledger. What this transaction read or added is kept (`_rows`), so that asking
    again costs nothing and a new entry needs no flush before the next message's lookup."""

    def __init__(self, session: Session, deferred: DeferredInserts) -> None:
        self.session = session
        self.deferred = deferred
        self._rows: dict[tuple[str, str], InboundRow | None] = {}  # a Channel is its str

    def get(self, channel: Channel, key: str) -> InboundRecord | None:
        if (channel, key) not in self._rows:
            self.prefetch(channel, [key])
        row = self._rows[(channel, key)]
        return self._read(row) if row else None

    def prefetch(self, channel: Channel, keys: Sequence[str]) -> None:
        """Look up many keys in one statement (a batch of fetched messages)."""
        wanted = [k for k in dict.fromkeys(keys) if (channel, k) not in self._rows]
        if not wanted:
            return
        query = select(InboundRow).where(InboundRow.channel == channel, InboundRow.key.in_(wanted))
        with self.session.no_autoflush:  # what this transaction added is in _rows already
            found = {row.key: row for row in self.session.scalars(query)}
        for key in wanted:
            self._rows[(channel, key)] = found.get(key)

    def add(self, record: InboundRecord) -> None:
        row = InboundRow(channel=record.channel.value, key=record.key)
        self._write(row, record)
        self.deferred.add(row)  # written with the others before anything reads them
        self._rows[(row.channel, row.key)] = row

    def update(self, record: InboundRecord) -> None:
        row = self._rows.get((record.channel.value, record.key))
        if row is None:
            row = self.session.get_one(InboundRow, record.id)
        self._write(row, record)

    def quarantined(self, channel: Channel) -> list[InboundRecord]:
        query = (
            select(InboundRow)
            .where(InboundRow.channel == channel, InboundRow.outcome == InboundOutcome.QUARANTINED)
            .order_by(InboundRow.id)
        )
        return [self._read(r) for r in self.session.scalars(query)]

    def list(
        self, channel: str | None = None, outcome: str | None = None, limit: int = 500
    ) -> list[InboundRecord]:
        query = select(InboundRow).order_by(InboundRow.id.desc()).limit(limit)
        if channel is not None:
            query = query.where(InboundRow.channel == channel)
        if outcome is not None:
            query = query.where(InboundRow.outcome == outcome)
        return [replace(self._read(r), raw=None) for r in self.session.scalars(query)]

    def scrub_mentions(self, needles: Sequence[str]) -> int:
        rows = [
            r
            for r in self.session.scalars(select(InboundRow))
            if mentions([r.key, r.detail, r.error], needles) or (r.raw and mentions(r.raw, needles))
        ]
        for row in rows:
            row.detail, row.raw, row.error = {"erased": True}, None, None
            if row.outcome == "quarantined":
                row.outcome = "erased"
        self.session.flush()
        return len(rows)

    @staticmethod
    def _write(row: InboundRow, record: InboundRecord) -> None:
        row.received_at, row.outcome, row.detail = record.received_at, record.outcome, record.detail
        row.raw, row.error = record.raw, record.error

    @staticmethod
    def _read(row: InboundRow) -> InboundRecord:
        return InboundRecord(
            Channel(row.channel),
            row.key,
            row.received_at,
            InboundOutcome(row.outcome),
            dict(row.detail),
            row.raw,
            row.error,
            row.id,
        )
