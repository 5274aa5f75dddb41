"""In-memory adapters behind core's ports, for fast unit tests of the use cases: the unit of
work, and the registrations, contacts, history, audit, jobs, assignments and drafts
(the outbox, inbound ledger, codes and reminders are in tests/fakes_messages.py)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from core.model import (
    AssignmentRun,
    AuditEntry,
    Contact,
    Draft,
    HistoryEntry,
    Registration,
    Status,
)
from tests.fakes_messages import (
    FakeInbound,
    FakeOutbox,
    FakeReminders,
    FakeVerifications,
    Table,
    mentions,
)


class FakeRegistrations(Table):
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


class FakeContacts(Table):
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


class FakeHistory(Table):
    def add(self, entry: HistoryEntry) -> None:
        self.insert(entry)

    def for_registration(self, registration_id: int) -> list[HistoryEntry]:
        return [h for h in self.all() if h.registration_id == registration_id]


class FakeAudit(Table):
    def add(self, entry: AuditEntry) -> None:
        self.insert(entry)

    def list(self, action: str = "", limit: int = 500) -> list[AuditEntry]:
        return [e for e in reversed(self.all()) if e.action.startswith(action)][:limit]


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
        self.runs = Table()

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
        hits = [o for o, d in self.rows.items() if mentions([o, d.values, d.state], needles)]
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
