"""Tables of the campaign after intake: reminders, once-only jobs, and the assignment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import Base


class ReminderRow(Base):
    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "sent_at", "cancelled", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime]
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(120), default="")
    sent_at: Mapped[datetime | None]
    cancelled: Mapped[bool] = mapped_column(default=False)
    # Why it was dropped unsent, when it was: "superseded", "late", "after_kickoff".
    dropped: Mapped[str | None] = mapped_column(String(20))


class JobRunRow(Base):
    """A job that must run once whatever the number of instances. The row is a lease: the
    claim holds until lease_until; the job is done only once finished_at is set (in the
    transaction of its work); an expired claim is taken over. Failures are counted."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("name", "key", name="uq_job_runs_name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    claimed_by: Mapped[str] = mapped_column(String(120))
    claimed_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None]  # None (rows from before leases): expired
    attempts: Mapped[int] = mapped_column(default=1, server_default="1")
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)


class FitScoreRow(Base):
    """Staff's judgement 0-3 of how well a municipality's plans fit a theme."""

    __tablename__ = "fit_scores"
    __table_args__ = (UniqueConstraint("municipality", "theme", name="uq_fit_scores"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(5), index=True)
    theme: Mapped[int]
    score: Mapped[int]


class AssignmentRuleRow(Base):
    """A staff decision: this municipality gets this theme (pin) or never gets it (exclude)."""

    __tablename__ = "assignment_rules"
    __table_args__ = (UniqueConstraint("municipality", "theme", name="uq_assignment_rules"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(5), index=True)
    theme: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))  # "pin" | "exclude"


class AssignmentRunRow(Base):
    """One solver run: its input hash, seed, status and full result; at most one published."""

    __tablename__ = "assignment_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int]
    input_hash: Mapped[str] = mapped_column(String(80))
    result: Mapped[dict[str, Any]]
    published_at: Mapped[datetime | None]
