"""Repositories of registrations, contacts, their history and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.model import AuditEntry, Channel, Contact, HistoryEntry, Registration, Status
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


def copy_fields(target: Any, source: Any, fields: Sequence[str]) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


class SqlRegistrations:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, municipality: str, for_update: bool = False) -> Registration | None:
        query = select(RegistrationRow).where(RegistrationRow.municipality == municipality)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).one_or_none()
        return _registration(row) if row else None

    def by_reference(self, reference: str) -> Registration | None:
        query = select(RegistrationRow).where(RegistrationRow.reference == reference)
        row = self.session.scalars(query).one_or_none()
        return _registration(row) if row else None

    def add(self, registration: Registration) -> None:
        row = RegistrationRow(status=registration.status.value, channel=registration.channel.value)
        self._write(row, registration)
        self.session.add(row)
        self.session.flush()
        registration.id = row.id

    def update(self, registration: Registration) -> None:
        row = self.session.get_one(RegistrationRow, registration.id)
        self._write(row, registration)
        self.session.flush()

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
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, contact_id: int) -> Contact | None:
        row = self.session.get(ContactRow, contact_id)
        return _contact(row) if row else None

    def for_municipality(self, municipality: str) -> list[Contact]:
        return self._where(ContactRow.municipality == municipality)

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

    def update(self, contact: Contact) -> None:
        row = self.session.get_one(ContactRow, contact.id)
        copy_fields(row, contact, _CONTACT_FIELDS)
        self.session.flush()

    def _where(self, condition: Any) -> list[Contact]:
        query = select(ContactRow).where(condition).order_by(ContactRow.id)
        return [_contact(r) for r in self.session.scalars(query)]

    def list(self, invited_only: bool = False) -> list[Contact]:
        query = select(ContactRow).order_by(ContactRow.municipality, ContactRow.id)
        if invited_only:
            query = query.where(ContactRow.invited.is_(True))
        return [_contact(r) for r in self.session.scalars(query)]


class SqlHistory:
    def __init__(self, session: Session) -> None:
        self.session = session

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
        self.session.add(row)
        self.session.flush()
        entry.id = row.id

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
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: AuditEntry) -> None:
        row = AuditRow(
            at=entry.at,
            action=entry.action,
            actor=entry.actor,
            channel=entry.channel,
            subject=entry.subject,
            data=entry.data,
        )
        self.session.add(row)

    def list(self, action: str = "", limit: int = 500) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if action:
            query = query.where(AuditRow.action.startswith(action, autoescape=True))
        return [
            AuditEntry(r.at, r.action, r.actor, r.channel, r.subject, dict(r.data or {}), r.id)
            for r in self.session.scalars(query)
        ]
