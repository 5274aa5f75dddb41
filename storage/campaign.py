"""Repositories of reminders, once-only jobs, and the assignment's decisions and runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.model import AssignmentRun, Reminder
from storage.campaign_tables import (
    AssignmentRuleRow,
    AssignmentRunRow,
    FitScoreRow,
    JobRunRow,
    ReminderRow,
)

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


class SqlAssignments:
    def __init__(self, session: Session) -> None:
        self.session = session

    def scores(self) -> dict[tuple[str, int], int]:
        return {
            (r.municipality, r.theme): r.score for r in self.session.scalars(select(FitScoreRow))
        }

    def set_score(self, municipality: str, theme: int, score: int | None) -> None:
        row = self.session.scalars(
            select(FitScoreRow).where(
                FitScoreRow.municipality == municipality, FitScoreRow.theme == theme
            )
        ).one_or_none()
        if score is None:
            if row is not None:
                self.session.delete(row)
        elif row is None:
            self.session.add(FitScoreRow(municipality=municipality, theme=theme, score=score))
        else:
            row.score = score
        self.session.flush()

    def rules(self) -> list[tuple[str, int, str]]:
        query = select(AssignmentRuleRow).order_by(AssignmentRuleRow.id)
        return [(r.municipality, r.theme, r.kind) for r in self.session.scalars(query)]

    def set_rule(self, municipality: str, theme: int, kind: str | None) -> None:
        if kind == "pin":  # one pin per municipality: a new pin replaces the old one
            for old in self.session.scalars(
                select(AssignmentRuleRow).where(
                    AssignmentRuleRow.municipality == municipality, AssignmentRuleRow.kind == "pin"
                )
            ):
                self.session.delete(old)
            self.session.flush()
        row = self.session.scalars(
            select(AssignmentRuleRow).where(
                AssignmentRuleRow.municipality == municipality, AssignmentRuleRow.theme == theme
            )
        ).one_or_none()
        if kind is None:
            if row is not None:
                self.session.delete(row)
        elif row is None:
            self.session.add(AssignmentRuleRow(municipality=municipality, theme=theme, kind=kind))
        else:
            row.kind = kind
        self.session.flush()

    def add_run(self, run: AssignmentRun) -> None:
        row = AssignmentRunRow(
            created_at=run.created_at,
            created_by=run.created_by,
            status=run.status,
            seed=run.seed,
            input_hash=run.input_hash,
            result=run.result,
            published_at=run.published_at,
        )
        self.session.add(row)
        self.session.flush()
        run.id = row.id

    def get_run(self, run_id: int) -> AssignmentRun | None:
        row = self.session.get(AssignmentRunRow, run_id)
        return _run(row) if row else None

    def latest_run(self) -> AssignmentRun | None:
        row = self.session.scalars(
            select(AssignmentRunRow).order_by(AssignmentRunRow.id.desc())
        ).first()
        return _run(row) if row else None

    def published_run(self) -> AssignmentRun | None:
        row = self.session.scalars(
            select(AssignmentRunRow)
            .where(AssignmentRunRow.published_at.is_not(None))
            .order_by(AssignmentRunRow.published_at.desc(), AssignmentRunRow.id.desc())
        ).first()
        return _run(row) if row else None

    def mark_published(self, run_id: int, now: datetime) -> None:
        self.session.get_one(AssignmentRunRow, run_id).published_at = now
        self.session.flush()


def _run(row: AssignmentRunRow) -> AssignmentRun:
    return AssignmentRun(
        row.created_at,
        row.created_by,
        row.status,
        row.seed,
        row.input_hash,
        dict(row.result),
        row.published_at,
        row.id,
    )
