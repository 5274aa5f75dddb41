"""The unit of work: one session, one transaction, every repository core needs."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

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
from storage.messages import SqlInbound, SqlOutbox
from storage.pending import SqlDrafts, SqlVerifications
from storage.registrations import SqlAudit, SqlContacts, SqlHistory, SqlRegistrations


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

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def __enter__(self) -> Self:
        self.session = self._factory()
        self.registrations = SqlRegistrations(self.session)
        self.contacts = SqlContacts(self.session)
        self.history = SqlHistory(self.session)
        self.audit = SqlAudit(self.session)
        self.outbox = SqlOutbox(self.session)
        self.verifications = SqlVerifications(self.session)
        self.drafts = SqlDrafts(self.session)
        self.inbound = SqlInbound(self.session)
        self.reminders = SqlReminders(self.session)
        self.jobs = SqlJobs(self.session)
        self.assignments = SqlAssignments(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()  # anything not committed explicitly is not kept
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
