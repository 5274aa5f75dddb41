"""The unit of work: one session, one transaction, every repository core needs."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from core.model import AssignmentRun
from core.ports import (
    Assignments,
    Audit,
    Contacts,
    Drafts,
    History,
    Inbound,
    Jobs,
    Outbox,
    Registrations,
    Reminders,
    Verifications,
)
from storage.campaign import SqlAssignments, SqlJobs, SqlReminders
from storage.deferred import DeferredInserts
from storage.messages import SqlInbound, SqlOutbox
from storage.pending import SqlDrafts, SqlVerifications
from storage.registrations import SqlAudit, SqlContacts, SqlHistory, SqlRegistrations


class _Assignments(SqlAssignments):
    """Whether an assignment is published is asked for every registration: read it once per
    transaction (only mark_published changes it) and without flushing the pending rows."""

    _published: tuple[AssignmentRun | None] | None = None

    def published_run(self) -> AssignmentRun | None:
        if self._published is None:
            with self.session.no_autoflush:
                self._published = (super().published_run(),)
        return self._published[0]

    def mark_published(self, run_id: int, now: datetime) -> None:
        self._published = None
        super().mark_published(run_id, now)


class SqlUnitOfWork:
    registrations: Registrations
    contacts: Contacts
    history: History
    audit: Audit
    outbox: Outbox
    verifications: Verifications
    drafts: Drafts
    inbound: Inbound
    reminders: Reminders
    jobs: Jobs
    assignments: Assignments
    session: Session
    deferred: DeferredInserts

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def __enter__(self) -> Self:
        self.session = self._factory()
        self.deferred = DeferredInserts(self.session)
        self.registrations = SqlRegistrations(self.session)
        self.contacts = SqlContacts(self.session)
        self.history = SqlHistory(self.session, self.deferred)
        self.audit = SqlAudit(self.deferred)
        self.outbox = SqlOutbox(self.session)
        self.verifications = SqlVerifications(self.session)
        self.drafts = SqlDrafts(self.session)
        self.inbound = SqlInbound(self.session, self.deferred)
        self.reminders = SqlReminders(self.session)
        self.jobs = SqlJobs(self.session)
        self.assignments = _Assignments(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.deferred.close()
            self.session.rollback()  # anything not committed explicitly is not kept
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.deferred.discard()
        self.session.rollback()
