"""Repositories of the console's staff accounts, sessions and failed sign-ins, and the unit of
work that adds them to every repository core already has."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.staff import (
    Role,
    SignInFailures,
    StaffAccounts,
    StaffMember,
    StaffSession,
    StaffSessions,
)
from storage.registrations import copy_fields
from storage.staff_tables import SignInFailureRow, StaffRow, StaffSessionRow
from storage.uow import SqlUnitOfWork

_MEMBER_FIELDS = (
    "email",
    "name",
    "password_hash",
    "link_digest",
    "link_expires_at",
    "created_at",
)
_SESSION_FIELDS = ("digest", "staff_id", "csrf", "created_at", "expires_at", "revoked")


def _member(row: StaffRow) -> StaffMember:
    return StaffMember(
        id=row.id, role=Role(row.role), **{f: getattr(row, f) for f in _MEMBER_FIELDS}
    )


class SqlStaffAccounts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, staff_id: int) -> StaffMember | None:
        row = self.session.get(StaffRow, staff_id)
        return _member(row) if row else None

    def by_email(self, email: str) -> StaffMember | None:
        row = self.session.scalar(select(StaffRow).where(StaffRow.email == email))
        return _member(row) if row else None

    def by_link(self, link_digest: str) -> StaffMember | None:
        row = self.session.scalar(select(StaffRow).where(StaffRow.link_digest == link_digest))
        return _member(row) if row else None

    def add(self, member: StaffMember) -> None:
        row = StaffRow(role=member.role.value)
        copy_fields(row, member, _MEMBER_FIELDS)
        self.session.add(row)
        self.session.flush()
        member.id = row.id

    def update(self, member: StaffMember) -> None:
        row = self.session.get(StaffRow, member.id)
        assert row is not None, "update of a staff member that was never added"
        copy_fields(row, member, _MEMBER_FIELDS)
        row.role = member.role.value
        self.session.flush()

    def remove(self, staff_id: int) -> None:
        self.session.execute(delete(StaffSessionRow).where(StaffSessionRow.staff_id == staff_id))
        self.session.execute(delete(StaffRow).where(StaffRow.id == staff_id))

    def list(self) -> list[StaffMember]:
        rows = self.session.scalars(select(StaffRow).order_by(StaffRow.email))
        return [_member(r) for r in rows]


class SqlStaffSessions:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, staff_session: StaffSession) -> None:
        row = StaffSessionRow()
        copy_fields(row, staff_session, _SESSION_FIELDS)
        self.session.add(row)
        self.session.flush()
        staff_session.id = row.id

    def by_digest(self, session_digest: str) -> StaffSession | None:
        row = self.session.scalar(
            select(StaffSessionRow).where(StaffSessionRow.digest == session_digest)
        )
        if row is None:
            return None
        return StaffSession(id=row.id, **{f: getattr(row, f) for f in _SESSION_FIELDS})

    def revoke(self, session_digest: str) -> None:
        self.session.execute(
            update(StaffSessionRow)
            .where(StaffSessionRow.digest == session_digest)
            .values(revoked=True)
        )

    def revoke_all(self, staff_id: int) -> int:
        result = self.session.execute(
            update(StaffSessionRow)
            .where(StaffSessionRow.staff_id == staff_id, StaffSessionRow.revoked.is_(False))
            .values(revoked=True)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def prune(self, before: datetime) -> int:
        result = self.session.execute(
            delete(StaffSessionRow).where(StaffSessionRow.expires_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class SqlSignInFailures:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: str, at: datetime) -> None:
        self.session.add(SignInFailureRow(key=key, at=at))
        self.session.flush()

    def count(self, key: str, since: datetime) -> int:
        rows = SignInFailureRow
        query = select(func.count()).where(rows.key == key, rows.at > since)
        return int(self.session.scalar(query) or 0)

    def clear(self, key: str) -> None:
        self.session.execute(delete(SignInFailureRow).where(SignInFailureRow.key == key))

    def prune(self, before: datetime) -> int:
        result = self.session.execute(delete(SignInFailureRow).where(SignInFailureRow.at <= before))
        return int(getattr(result, "rowcount", 0) or 0)


class SqlStaffUnitOfWork(SqlUnitOfWork):
    """Every repository of SqlUnitOfWork, plus the console's."""

    staff: StaffAccounts
    staff_sessions: StaffSessions
    sign_in_failures: SignInFailures

    def __enter__(self) -> Self:
        super().__enter__()
        self.staff = SqlStaffAccounts(self.session)
        self.staff_sessions = SqlStaffSessions(self.session)
        self.sign_in_failures = SqlSignInFailures(self.session)
        return self
