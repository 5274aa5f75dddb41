"""Repositories of reminders and once-only jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.model import Reminder
from storage.campaign_tables import JobRunRow, ReminderRow

_FIELDS = (
    "key",
    "kind",
    "due_at",
    "contact_id",
    "chat_id",
    "email",
    "subject",
    "sent_at",
    "cancelled",
)


def _reminder(row: ReminderRow) -> Reminder:
    return Reminder(id=row.id, **{f: getattr(row, f) for f in _FIELDS})


class SqlReminders:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, reminder: Reminder) -> bool:
        exists = self.session.scalar(select(ReminderRow.id).where(ReminderRow.key == reminder.key))
        if exists is not None:
            return False
        row = ReminderRow(**{f: getattr(reminder, f) for f in _FIELDS})
        self.session.add(row)
        self.session.flush()
        reminder.id = row.id
        return True

    def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        query = (
            select(ReminderRow)
            .where(
                ReminderRow.sent_at.is_(None),
                ReminderRow.cancelled.is_(False),
                ReminderRow.due_at <= now,
            )
            .order_by(ReminderRow.due_at, ReminderRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_reminder(r) for r in self.session.scalars(query)]

    def mark(self, reminder_id: int, sent_at: datetime | None, cancelled: bool) -> None:
        row = self.session.get_one(ReminderRow, reminder_id)
        row.sent_at, row.cancelled = sent_at, cancelled
        self.session.flush()

    def forget(self, contact_id: int | None, email: str | None, chat_id: int | None) -> int:
        """A person's data is erased: their reminders go too."""
        rows = [
            r
            for r in self.session.scalars(select(ReminderRow))
            if (contact_id is not None and r.contact_id == contact_id)
            or (email is not None and r.email == email)
            or (chat_id is not None and r.chat_id == chat_id)
        ]
        for row in rows:
            self.session.delete(row)
        self.session.flush()
        return len(rows)

    def list(self, sent: bool | None = None) -> list[Reminder]:
        query = select(ReminderRow).order_by(ReminderRow.due_at, ReminderRow.id)
        if sent is not None:
            query = query.where(
                ReminderRow.sent_at.is_not(None) if sent else ReminderRow.sent_at.is_(None)
            )
        return [_reminder(r) for r in self.session.scalars(query)]


class SqlJobs:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, name: str, key: str, worker: str, now: datetime) -> bool:
        """The unique key decides: a second instance's insert fails and it stands down."""
        if self.done(name, key):
            return False
        try:
            with self.session.begin_nested():
                self.session.add(JobRunRow(name=name, key=key, claimed_by=worker, claimed_at=now))
        except IntegrityError:
            return False
        return True

    def finish(self, name: str, key: str, now: datetime, result: str) -> None:
        row = self.session.scalars(
            select(JobRunRow).where(JobRunRow.name == name, JobRunRow.key == key)
        ).one()
        row.finished_at, row.result = now, result
        self.session.flush()

    def done(self, name: str, key: str) -> bool:
        found = self.session.scalar(
            select(JobRunRow.id).where(JobRunRow.name == name, JobRunRow.key == key)
        )
        return found is not None
