"""Repositories of registrations, contacts, their history and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from core.model import AuditEntry, Channel, Contact, HistoryEntry, Registration, Status
from storage.deferred import DeferredInserts
from storage.tables import AuditRow, ContactRow, HistoryRow, RegistrationRow

_CONTACT_FIELDS = (
    "municipality",
    "name",
    "function",
    "email",
    "phone",
    "language",
    "telegram_user_id",
    "invited",
    "token",
    "verified",
    "erased",
    "email_bounced",
    "telegram_unreachable",
    "created_at",
)
_REGISTRATION_FIELDS = (
    "reference",
    "municipality",
    "beleidsprioriteiten",
    "realisaties",
    "acties",
    "submitted_by",
    "created_at",
    "updated_at",
    "submitted_at",
)


def _contact(row: ContactRow) -> Contact:
    return Contact(id=row.id, **{f: getattr(row, f) for f in _CONTACT_FIELDS})


def _registration(row: RegistrationRow) -> Registration:
    return Registration(
        id=row.id,
        status=Status(row.status),
        channel=Channel(row.channel),
        preferences=tuple(int(n) for n in row.preferences),
        **{f: getattr(row, f) for f in _REGISTRATION_FIELDS},
    )


_TABLE = cast(Table, RegistrationRow.__table__)
# The statements of every registration, built once (the intake runs them for each message).
_INSERT_REGISTRATION = _TABLE.insert().returning(_TABLE.c.id)
_REGISTRATION = select(RegistrationRow).where(
    RegistrationRow.municipality == bindparam("municipality")
)
_REGISTRATION_FOR_UPDATE = _REGISTRATION.with_for_update()
_CONTACTS = (
    select(ContactRow)
    .where(ContactRow.municipality == bindparam("municipality"))
    .order_by(ContactRow.id)
)


def copy_fields(target: Any, source: Any, fields: Sequence[str]) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


class SqlRegistrations:
    """Reads run without an autoflush: this repository flushes its own new rows at once and
    changes the rows it loaded in place, so a read never needs the session's pending work
    (the history and audit rows of earlier messages of a batch) written first."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[int, RegistrationRow] = {}  # held: the session only holds them weakly

    def get(self, municipality: str, for_update: bool = False) -> Registration | None:
        query = _REGISTRATION_FOR_UPDATE if for_update else _REGISTRATION
        with self.session.no_autoflush:
            row = self.session.scalars(query, {"municipality": municipality}).one_or_none()
        if row is None:
            return None
        self._rows[row.id] = row
        return _registration(row)

    def by_reference(self, reference: str) -> Registration | None:
        query = select(RegistrationRow).where(RegistrationRow.reference == reference)
        row = self.session.scalars(query).one_or_none()
        return _registration(row) if row else None

    def add(self, registration: Registration) -> None:
        row = RegistrationRow(status=registration.status.value, channel=registration.channel.value)
        self._write(row, registration)
        values = {c.key: getattr(row, c.key) for c in _TABLE.columns if c.key != "id"}
        # One INSERT that returns the id, without flushing what else is pending.
        new_id = self.session.connection().execute(_INSERT_REGISTRATION, values).scalar_one()
        registration.id = int(new_id)

    def update(self, registration: Registration) -> None:
        assert registration.id is not None
        row = self._rows.get(registration.id) or self.session.get_one(
            RegistrationRow, registration.id
        )
        self._write(row, registration)  # written with the transaction's next flush

    def list(self, status: Status | None = None) -> list[Registration]:
        query = select(RegistrationRow).order_by(RegistrationRow.id)
        if status is not None:
            query = query.where(RegistrationRow.status == status.value)
        return [_registration(r) for r in self.session.scalars(query)]

    @staticmethod
    def _write(row: RegistrationRow, registration: Registration) -> None:
        copy_fields(row, registration, _REGISTRATION_FIELDS)
        row.status = registration.status.value
        row.channel = registration.channel.value
        row.preferences = list(registration.preferences)


class SqlContacts:
    """A municipality's contacts are read once per transaction (`_by_municipality`) and the
    copy is kept up to date by add and update; reads run without an autoflush, as for
    registrations (a new contact is flushed at once for its id)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._by_municipality: dict[str, list[Contact]] = {}
        self._rows: dict[int, ContactRow] = {}  # held: the session only holds them weakly

    def get(self, contact_id: int) -> Contact | None:
        row = self.session.get(ContactRow, contact_id)
        return _contact(row) if row else None

    def for_municipality(self, municipality: str) -> list[Contact]:
        found = self._by_municipality.get(municipality)
        if found is None:
            with self.session.no_autoflush:
                rows = list(self.session.scalars(_CONTACTS, {"municipality": municipality}))
            self._rows.update((r.id, r) for r in rows)
            found = self._by_municipality[municipality] = [_contact(r) for r in rows]
        return [replace(c) for c in found]

    def by_email(self, email: str) -> list[Contact]:
        return self._where(ContactRow.email == email.lower())

    def by_token(self, token: str) -> Contact | None:
        found = self._where(ContactRow.token == token)
        return found[0] if found else None

    def by_telegram(self, user_id: int) -> list[Contact]:
        return self._where(ContactRow.telegram_user_id == user_id)

    def add(self, contact: Contact) -> None:
        row = ContactRow()
        copy_fields(row, contact, _CONTACT_FIELDS)
        self.session.add(row)
        self.session.flush()
        contact.id = row.id
        self._rows[row.id] = row
        self._by_municipality.pop(contact.municipality, None)

    def update(self, contact: Contact) -> None:
        assert contact.id is not None
        row = self._rows.get(contact.id) or self.session.get_one(ContactRow, contact.id)
        copy_fields(row, contact, _CONTACT_FIELDS)  # written with the next flush
        cached = self._by_municipality.get(row.municipality)
        if cached is not None:
            self._by_municipality[row.municipality] = [
                replace(contact) if c.id == contact.id else c for c in cached
            ]
        if row.municipality != contact.municipality:
            self._by_municipality.pop(contact.municipality, None)

    def _where(self, condition: Any) -> list[Contact]:
        query = select(ContactRow).where(condition).order_by(ContactRow.id)
        with self.session.no_autoflush:
            rows = list(self.session.scalars(query))
        self._rows.update((r.id, r) for r in rows)
        return [_contact(r) for r in rows]

    def list(self, invited_only: bool = False) -> list[Contact]:
        query = select(ContactRow).order_by(ContactRow.municipality, ContactRow.id)
        if invited_only:
            query = query.where(ContactRow.invited.is_(True))
        return [_contact(r) for r in self.session.scalars(query)]


class SqlHistory:
    def __init__(self, session: Session, deferred: DeferredInserts) -> None:
        self.session = session
        self.deferred = deferred

    def add(self, entry: HistoryEntry) -> None:
        row = HistoryRow(
            registration_id=entry.registration_id,
            at=entry.at,
            actor=entry.actor,
            channel=entry.channel.value,
            action=entry.action,
            before=entry.before,
            after=entry.after,
        )
        self.deferred.add(row)  # written with the others before anything reads them

    def for_registration(self, registration_id: int) -> list[HistoryEntry]:
        query = (
            select(HistoryRow)
            .where(HistoryRow.registration_id == registration_id)
            .order_by(HistoryRow.id)
        )
        return [
            HistoryEntry(
                r.registration_id,
                r.at,
                r.actor,
                Channel(r.channel),
                r.action,
                r.before,
                r.after,
                r.id,
            )
            for r in self.session.scalars(query)
        ]


class SqlAudit:
    def __init__(self, deferred: DeferredInserts) -> None:
        self.deferred = deferred

    def add(self, entry: AuditEntry) -> None:
        row = AuditRow(
            at=entry.at,
            action=entry.action,
            actor=entry.actor,
            channel=entry.channel.value,
            subject=entry.subject,
            data=entry.data,
        )
        self.deferred.add(row)  # written with the others before anything reads them

    def list(self, action: str = "", limit: int = 500) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if action:
            query = query.where(AuditRow.action.startswith(action, autoescape=True))
        return [
            AuditEntry(
                r.at, r.action, r.actor, Channel(r.channel), r.subject, dict(r.data or {}), r.id
            )
            for r in self.deferred.session.scalars(query)  # the deferred rows are written first
        ]
