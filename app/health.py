"""What `leertraject status` shows: which parts of the service are alive (their heartbeats),
how far behind they are (the oldest thing waiting for each), and what failed; and, from the
same figures, the verdict of `/health/ready` (`readiness`)."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.bootstrap import App
from app.service import ServiceState
from storage.campaign import SqlJobs, SqlReminders
from storage.campaign_tables import ReminderRow
from storage.health import beat, heartbeats
from storage.tables import InboundRow, OutboxRow

log = logging.getLogger("leertraject.health")
Beat = Callable[[str, bool, str], None]


def worker_id(role: str = "") -> str:
    """Who claims rows and beats: "host:pid", with ":role" when one process runs several."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    return f"{worker}:{role}" if role else worker


def heartbeat(app: App) -> Beat:
    """Record that a part of the service did its work (or failed); never raises, because a
    database that is down must not take the part down with it."""
    worker = worker_id()

    def record(component: str, ok: bool, detail: str) -> None:
        now = app.env.clock.now()
        try:
            with app.sessions() as session, session.begin():
                beat(session, component, worker, now, ok, detail)
        except Exception as exc:
            log.warning("heartbeat of %s not recorded: %s", component, type(exc).__name__)

    return record


def snapshot(app: App) -> dict[str, Any]:
    now = app.env.clock.now()
    with app.sessions() as session:
        return {
            "now": now,
            "heartbeats": [
                {**asdict(b), "age_seconds": _age(now, b.seen_at)} for b in heartbeats(session)
            ],
            "intake": _intake(app, session, now),
            "outbox": _outbox(session, now),
            "jobs": [asdict(j) for j in SqlJobs(session).list()],
            "reminders": _reminders(session, now),
        }


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else round((now - then).total_seconds(), 1)


def _intake(app: App, session: Session, now: datetime) -> dict[str, Any]:
    last = {
        channel: _age(
            now,
            session.scalar(
                select(func.max(InboundRow.received_at)).where(InboundRow.channel == channel)
            ),
        )
        for channel in ("email", "telegram")
    }
    quarantined = session.scalar(select(func.count()).where(InboundRow.outcome == "quarantined"))
    waiting: dict[str, Any] = {}
    if app.settings.mail.intake == "maildir":
        waiting = _maildir_waiting(app.settings.path(app.settings.mail.maildir), now)
    return {
        "last_email_seconds_ago": last["email"],
        "last_chat_seconds_ago": last["telegram"],
        "quarantined": int(quarantined or 0),
        "mail_folder": waiting,
    }


def _maildir_waiting(root: Path, now: datetime) -> dict[str, Any]:
    """How many messages wait in the local mail folder, and the oldest one's age."""
    times = []
    for folder in (root / "new", root / "cur", root):
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if entry.is_file() and (folder != root or entry.suffix.lower() == ".eml"):
                times.append(entry.stat().st_mtime)
    oldest = round(now.timestamp() - min(times), 1) if times else None
    return {"waiting": len(times), "oldest_seconds": oldest}


def _outbox(session: Session, now: datetime) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for channel in ("email", "telegram"):
        due = (
            OutboxRow.channel == channel,
            OutboxRow.status == "queued",
            func.coalesce(OutboxRow.next_attempt_at, OutboxRow.created_at) <= now,
        )
        oldest = session.scalar(
            select(func.min(func.coalesce(OutboxRow.next_attempt_at, OutboxRow.created_at))).where(
                *due
            )
        )
        failed = session.scalar(
            select(func.count()).where(
                OutboxRow.channel == channel, OutboxRow.status.in_(("failed", "bounced"))
            )
        )
        out[channel] = {
            "due": int(session.scalar(select(func.count()).where(*due)) or 0),
            "oldest_due_seconds": _age(now, _aware(oldest)),
            "failed": int(failed or 0),
        }
    return out


def _reminders(session: Session, now: datetime) -> dict[str, Any]:
    due = (
        ReminderRow.sent_at.is_(None),
        ReminderRow.cancelled.is_(False),
        ReminderRow.due_at <= now,
    )
    oldest = session.scalar(select(func.min(ReminderRow.due_at)).where(*due))
    return {
        "due": int(session.scalar(select(func.count()).where(*due)) or 0),
        "oldest_due_seconds": _age(now, _aware(oldest)),
        "dropped": SqlReminders(session).dropped(),
    }


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates may bypass the column type: SQLite can hand back a naive UTC time."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True)
class ReadyLimits:
    """When `/health/ready` says no. A heartbeat is stalled past `stale_seconds` (a job that
    runs less often has its own limit); waiting mail and due outbox rows are late past theirs."""

    stale_seconds: float = 900.0
    stale_by_component: Mapping[str, float] = field(
        default_factory=lambda: {"purge": 26 * 3600.0}  # nightly
    )
    inbound_seconds: float = 900.0
    outbox_seconds: float = 900.0


def readiness(
    app: App, state: ServiceState | None = None, limits: ReadyLimits | None = None
) -> Callable[[], dict[str, Any]]:
    """The checks of `/health/ready` for this process: the database, its components (running,
    not waiting for a restart), their last heartbeats (well, and recent), the oldest mail
    waiting and the oldest due outbox row. Names, ages and counts only: no personal data and
    no error texts (those are for `leertraject status`)."""
    bounds = limits or ReadyLimits()

    def check() -> dict[str, Any]:
        checks: dict[str, dict[str, Any]] = {}
        for name, running in sorted((state.running if state else {}).items()):
            checks[f"component:{name}"] = {"ok": running}
        try:
            data = snapshot(app)
        except Exception as exc:
            log.warning("readiness: the database is unreachable (%s)", type(exc).__name__)
            checks["database"] = {"ok": False, "error": type(exc).__name__}
            return _verdict(checks)
        checks["database"] = {"ok": True}
        worker = worker_id()
        for b in data["heartbeats"]:
            if b["worker"] != worker:
                continue  # another instance's parts are that instance's readiness
            limit = bounds.stale_by_component.get(b["component"], bounds.stale_seconds)
            stalled = b["age_seconds"] is not None and b["age_seconds"] > limit
            checks[f"heartbeat:{b['component']}"] = {
                "ok": bool(b["ok"]) and not stalled,
                "age_seconds": b["age_seconds"],
                "stalled": stalled,
                "failures": b["failures"],
            }
        folder = data["intake"]["mail_folder"]
        checks["inbound"] = _late(folder.get("oldest_seconds"), bounds.inbound_seconds)
        checks["inbound"]["waiting"] = folder.get("waiting", 0)
        for channel, box in data["outbox"].items():
            checks[f"outbox:{channel}"] = _late(box["oldest_due_seconds"], bounds.outbox_seconds)
            checks[f"outbox:{channel}"]["due"] = box["due"]
        return _verdict(checks)

    return check


def _late(oldest: float | None, limit: float) -> dict[str, Any]:
    return {"ok": oldest is None or oldest <= limit, "oldest_seconds": oldest}


def _verdict(checks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    failing = [name for name, result in checks.items() if not result["ok"]]
    return {"ready": not failing, "failing": failing, "checks": checks}
