"""Repositories of unfinished things: verifications waiting for a code, chat drafts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.model import Channel, Draft, Verification
from storage.registrations import copy_fields
from storage.tables import DraftRow, VerificationRow, VerificationTryRow


def mentions(value: object, needles: Sequence[str]) -> bool:
    """Whether any of `needles` (lower case) appears in a stored value, read as text."""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    text = text.lower()
    return any(n and n in text for n in needles)


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

    def for_municipality(self, municipality: str) -> list[Verification]:
        query = (
            select(VerificationRow)
            .where(VerificationRow.municipality == municipality)
            .order_by(VerificationRow.id)
        )
        return [self._read(r) for r in self.session.scalars(query)]

    def delete_for_email(self, email: str) -> int:
        result = self.session.execute(delete(VerificationRow).where(VerificationRow.email == email))
        return int(getattr(result, "rowcount", 0) or 0)

    def since(self, email: str, since: datetime) -> list[Verification]:
        query = (
            select(VerificationRow)
            .where(VerificationRow.email == email, VerificationRow.created_at >= since)
            .order_by(VerificationRow.id)
        )
        return [self._read(r) for r in self.session.scalars(query)]

    def delete(self, verification_id: int) -> None:
        self.session.execute(delete(VerificationRow).where(VerificationRow.id == verification_id))

    def add_try(
        self, address_key: str, telegram_user_id: int | None, at: datetime, ok: bool
    ) -> None:
        row = VerificationTryRow(
            at=at, address_key=address_key, telegram_user_id=telegram_user_id, ok=ok
        )
        self.session.add(row)
        self.session.flush()

    def failed_tries(
        self, since: datetime, address_key: str | None = None, telegram_user_id: int | None = None
    ) -> int:
        query = select(func.count(VerificationTryRow.id)).where(
            VerificationTryRow.at >= since, VerificationTryRow.ok.is_(False)
        )
        if address_key is not None:
            query = query.where(VerificationTryRow.address_key == address_key)
        if telegram_user_id is not None:
            query = query.where(VerificationTryRow.telegram_user_id == telegram_user_id)
        return int(self.session.scalar(query) or 0)

    def forget_tries(self, address_key: str | None, telegram_user_id: int | None) -> int:
        count = 0
        for column, value in (
            (VerificationTryRow.address_key, address_key),
            (VerificationTryRow.telegram_user_id, telegram_user_id),
        ):
            if value is not None:
                result = self.session.execute(delete(VerificationTryRow).where(column == value))
                count += int(getattr(result, "rowcount", 0) or 0)
        return count

    _FIELDS = (
        "code_hash",
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
        copy_fields(row, v, self._FIELDS)
        row.channel = v.channel.value

    def _read(self, row: VerificationRow) -> Verification:
        values = {f: getattr(row, f) for f in self._FIELDS}
        return Verification(id=row.id, channel=Channel(row.channel), **values)


class SqlDrafts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, owner: str) -> Draft | None:
        row = self.session.scalars(select(DraftRow).where(DraftRow.owner == owner)).one_or_none()
        return None if row is None else self._read(row)

    def get_for_update(self, owner: str) -> Draft | None:
        # SELECT ... FOR UPDATE on PostgreSQL; SQLite ignores it (its transactions begin
        # IMMEDIATE, so writers queue anyway).
        query = (
            select(DraftRow)
            .where(DraftRow.owner == owner)
            .with_for_update()
            .execution_options(populate_existing=True)  # never a copy read before the lock
        )
        row = self.session.scalars(query).one_or_none()
        return None if row is None else self._read(row)

    @staticmethod
    def _read(row: DraftRow) -> Draft:
        return Draft(
            owner=row.owner,
            channel=Channel(row.channel),
            language=row.language,
            values=dict(row.values),
            step=row.step,
            updated_at=row.updated_at,
            skipped=list(row.skipped),
            id=row.id,
            state=dict(row.state or {}),
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
        row.state = dict(draft.state)
        self.session.flush()
        draft.id = row.id

    def all(self) -> list[Draft]:
        owners = self.session.scalars(select(DraftRow.owner).order_by(DraftRow.id)).all()
        return [d for owner in owners if (d := self.get(owner)) is not None]

    def delete(self, owner: str) -> None:
        self.session.execute(delete(DraftRow).where(DraftRow.owner == owner))

    def delete_mentions(self, needles: Sequence[str]) -> int:
        rows = [
            r
            for r in self.session.scalars(select(DraftRow))
            if mentions([r.owner, r.values, r.state], needles)
        ]
        for row in rows:
            self.session.delete(row)
        self.session.flush()
        return len(rows)
