"""Heartbeats: each part of the service says when it last did its work and whether it went
well, per instance, so `leertraject status` can tell staff what is alive and what fails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.tables import Base


class HeartbeatRow(Base):
    __tablename__ = "heartbeats"
    __table_args__ = (UniqueConstraint("component", "worker", name="uq_heartbeats"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    component: Mapped[str] = mapped_column(String(80))
    worker: Mapped[str] = mapped_column(String(120))
    seen_at: Mapped[datetime]
    ok: Mapped[bool]
    failures: Mapped[int] = mapped_column(default=0)  # in a row
    detail: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class Heartbeat:
    component: str
    worker: str
    seen_at: datetime
    ok: bool
    failures: int
    detail: str | None


def beat(
    session: Session, component: str, worker: str, now: datetime, ok: bool, detail: str | None
) -> None:
    row = session.scalars(
        select(HeartbeatRow).where(
            HeartbeatRow.component == component, HeartbeatRow.worker == worker
        )
    ).one_or_none()
    if row is None:
        row = HeartbeatRow(component=component, worker=worker, seen_at=now, ok=ok, failures=0)
        session.add(row)
    row.seen_at, row.ok, row.detail = now, ok, (detail or None) and detail[:2000]
    row.failures = 0 if ok else (row.failures or 0) + 1
    session.flush()


def heartbeats(session: Session) -> list[Heartbeat]:
    rows = session.scalars(select(HeartbeatRow).order_by(HeartbeatRow.component))
    return [Heartbeat(r.component, r.worker, r.seen_at, r.ok, r.failures, r.detail) for r in rows]
