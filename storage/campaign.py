"""Repositories of reminders, once-only jobs, and the assignment's decisions and runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.assignment import result_from_dict, result_to_dict
from core.model import AssignmentRun, Reminder
from storage.campaign_tables import (
    AssignmentRuleRow,
    AssignmentRunRow,
    FitScoreRow,
    JobRunRow,
    ReminderRow,
)

DEFAULT_LEASE = timedelta(minutes=15)
# Updated with plain SQL (not the ORM): the row count says who won.
JOBS = cast(Table, JobRunRow.__table__)
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

    def mark(
        self, reminder_id: int, sent_at: datetime | None, cancelled: bool, reason: str | None = None
    ) -> None:
        row = self.session.get_one(ReminderRow, reminder_id)
        row.sent_at, row.cancelled, row.dropped = sent_at, cancelled, reason
        self.session.flush()

    def dropped(self) -> dict[str, int]:
        """How many reminders were dropped unsent, by reason (for `leertraject status`)."""
        rows = self.session.execute(
            select(ReminderRow.dropped, func.count())
            .where(ReminderRow.dropped.is_not(None))
            .group_by(ReminderRow.dropped)
        )
        return {str(reason): int(count) for reason, count in rows}

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


class LeaseLost(RuntimeError):
    """Another worker took the job over while this one worked: its work must not commit."""


@dataclass(frozen=True)
class JobState:
    """One once-only job as staff see it in `leertraject status`."""

    name: str
    key: str
    claimed_by: str
    claimed_at: datetime
    lease_until: datetime | None
    finished_at: datetime | None
    result: str | None
    attempts: int
    failures: int
    last_error: str | None


class SqlJobs:
    """Once-only jobs as leases: one holder at a time, done only when its work committed."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(
        self, name: str, key: str, worker: str, now: datetime, lease: timedelta = DEFAULT_LEASE
    ) -> bool:
        """True for one caller at a time: a first claim (the unique key decides between
        instances) or the takeover of a claim whose lease ran out. False once finished."""
        row = self._row(name, key)
        if row is None:
            try:
                with self.session.begin_nested():
                    self.session.add(
                        JobRunRow(
                            name=name,
                            key=key,
                            claimed_by=worker,
                            claimed_at=now,
                            lease_until=now + lease,
                            attempts=1,
                            failures=0,
                        )
                    )
            except IntegrityError:
                return False
            return True
        if row.finished_at is not None:
            return False
        if row.lease_until is not None and row.lease_until > now:
            return False
        # Compare and set: of two instances taking over the same expired lease, one wins.
        taken = self.session.execute(
            update(JOBS)
            .where(
                JOBS.c.id == row.id,
                JOBS.c.finished_at.is_(None),
                JOBS.c.claimed_by == row.claimed_by,
                JOBS.c.attempts == row.attempts,
            )
            .values(
                claimed_by=worker,
                claimed_at=now,
                lease_until=now + lease,
                attempts=row.attempts + 1,
            )
        )
        return bool(getattr(taken, "rowcount", 0) == 1)

    def finish(self, name: str, key: str, worker: str, now: datetime, result: str) -> None:
        """Done, in the transaction of the work; LeaseLost if another worker holds it now."""
        finished = self.session.execute(
            update(JOBS)
            .where(
                JOBS.c.name == name,
                JOBS.c.key == key,
                JOBS.c.claimed_by == worker,
                JOBS.c.finished_at.is_(None),
            )
            .values(finished_at=now, result=result, lease_until=None)
        )
        if getattr(finished, "rowcount", 0) != 1:
            raise LeaseLost(f"job {name} {key}: {worker} no longer holds it")

    def fail(self, name: str, key: str, worker: str, now: datetime, error: str) -> None:
        """The work failed (and rolled back): count it, keep the error, free the lease."""
        self.session.execute(
            update(JOBS)
            .where(
                JOBS.c.name == name,
                JOBS.c.key == key,
                JOBS.c.claimed_by == worker,
                JOBS.c.finished_at.is_(None),
            )
            .values(failures=JOBS.c.failures + 1, last_error=error[:2000], lease_until=now)
        )

    def done(self, name: str, key: str) -> bool:
        row = self._row(name, key)
        return row is not None and row.finished_at is not None

    def list(self) -> list[JobState]:
        rows = self.session.scalars(select(JobRunRow).order_by(JobRunRow.id))
        return [
            JobState(
                r.name,
                r.key,
                r.claimed_by,
                r.claimed_at,
                r.lease_until,
                r.finished_at,
                r.result,
                r.attempts,
                r.failures,
                r.last_error,
            )
            for r in rows
        ]

    def _row(self, name: str, key: str) -> JobRunRow | None:
        return self.session.scalars(
            select(JobRunRow)
            .where(JobRunRow.name == name, JobRunRow.key == key)
            .execution_options(populate_existing=True)
        ).one_or_none()


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
            result=result_to_dict(run.result),
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

    def recent_runs(self, limit: int) -> list[AssignmentRun]:
        rows = self.session.scalars(
            select(AssignmentRunRow).order_by(AssignmentRunRow.id.desc()).limit(limit)
        )
        return [_run(row) for row in rows]

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
    result = result_from_dict(row.result)
    return AssignmentRun(
        row.created_at,
        row.created_by,
        result.solution.status,  # the typed status the row's `status` column repeats
        row.seed,
        row.input_hash,
        result,
        row.published_at,
        row.id,
    )
