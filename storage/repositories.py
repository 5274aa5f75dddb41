"""Repositories behind core's ports: rows in, domain objects out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.model import (
    AuditEntry,
    Channel,
    Contact,
    Draft,
    HistoryEntry,
    OutboxMessage,
    Registration,
    Status,
    Verification,
)
from storage.tables import (
    AuditRow,
    ContactRow,
    DraftRow,
    HistoryRow,
    OutboxRow,
    RegistrationRow,
    VerificationRow,
)

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


def _copy(target: Any, source: Any, fields: Sequence[str]) -> None:
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
        _copy(row, registration, _REGISTRATION_FIELDS)
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
        _copy(row, contact, _CONTACT_FIELDS)
        self.session.add(row)
        self.session.flush()
        contact.id = row.id

    def update(self, contact: Contact) -> None:
        row = self.session.get_one(ContactRow, contact.id)
        _copy(row, contact, _CONTACT_FIELDS)
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

    def anonymise(self, actor: str, replacement: str) -> int:
        result = self.session.execute(
            update(AuditRow).where(AuditRow.actor == actor).values(actor=replacement)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class SqlOutbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: OutboxMessage) -> bool:
        exists = self.session.scalar(
            select(OutboxRow.id).where(OutboxRow.dedup_key == message.dedup_key)
        )
        if exists is not None:
            return False
        row = OutboxRow(
            channel=message.channel.value,
            recipient=message.recipient,
            language=message.language,
            kind=message.kind,
            params=message.params,
            dedup_key=message.dedup_key,
            contact_id=message.contact_id,
            status=message.status,
            attempts=message.attempts,
            created_at=message.created_at,
            next_attempt_at=message.created_at,
        )
        self.session.add(row)
        self.session.flush()
        message.id = row.id
        return True

    def scrub_contact(self, contact_id: int) -> int:
        result = self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.contact_id == contact_id)
            .values(recipient="erased", params={}, last_error=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class SqlVerifications:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, verification: Verification) -> None:
        row = VerificationRow(channel=verification.channel.value)
        self._write(row, verification)
        self.session.add(row)
        self.session.flush()
        verification.id = row.id

    def active(self, email: str, now: datetime) -> Sequence[Verification]:
        query = (
            select(VerificationRow)
            .where(
                VerificationRow.email == email,
                VerificationRow.used.is_(False),
                VerificationRow.expires_at > now,
            )
            .order_by(VerificationRow.id.desc())
        )
        return [self._read(r) for r in self.session.scalars(query)]

    def update(self, verification: Verification) -> None:
        row = self.session.get_one(VerificationRow, verification.id)
        self._write(row, verification)
        self.session.flush()

    def delete_for_email(self, email: str) -> int:
        result = self.session.execute(delete(VerificationRow).where(VerificationRow.email == email))
        return int(getattr(result, "rowcount", 0) or 0)

    _FIELDS = (
        "code",
        "email",
        "municipality",
        "payload",
        "language",
        "created_at",
        "expires_at",
        "attempts",
        "used",
        "telegram_user_id",
    )

    def _write(self, row: VerificationRow, v: Verification) -> None:
        _copy(row, v, self._FIELDS)
        row.channel = v.channel.value

    def _read(self, row: VerificationRow) -> Verification:
        values = {f: getattr(row, f) for f in self._FIELDS}
        return Verification(id=row.id, channel=Channel(row.channel), **values)


class SqlDrafts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, owner: str) -> Draft | None:
        row = self.session.scalars(select(DraftRow).where(DraftRow.owner == owner)).one_or_none()
        if row is None:
            return None
        return Draft(
            owner=row.owner,
            channel=Channel(row.channel),
            language=row.language,
            values=dict(row.values),
            step=row.step,
            updated_at=row.updated_at,
            skipped=list(row.skipped),
            id=row.id,
        )

    def save(self, draft: Draft) -> None:
        row = self.session.scalars(
            select(DraftRow).where(DraftRow.owner == draft.owner)
        ).one_or_none()
        if row is None:
            row = DraftRow(owner=draft.owner)
            self.session.add(row)
        row.channel = draft.channel.value
        row.language = draft.language
        row.values = dict(draft.values)
        row.skipped = list(draft.skipped)
        row.step = draft.step
        row.updated_at = draft.updated_at
        self.session.flush()
        draft.id = row.id

    def delete(self, owner: str) -> None:
        self.session.execute(delete(DraftRow).where(DraftRow.owner == owner))
