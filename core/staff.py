"""VLAIO staff who use the console: accounts, roles, sessions, and the ports storage fills.

Pure domain: no hashing library, no database. A password hash is made and checked by a
`Hasher` that app hands in (argon2 in web/passwords.py); a session or sign-in link token is
kept only as its SHA-256 digest, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from core.ports import UnitOfWork


class Role(StrEnum):
    VIEWER = "viewer"  # reads everything
    EDITOR = "editor"  # also changes registrations, runs dry runs and edits pins/scores
    ADMIN = "admin"  # also manages staff accounts and publishes the assignment


class Permission(StrEnum):
    READ = "read"
    CHANGE_REGISTRATIONS = "change_registrations"
    MANAGE_STAFF = "manage_staff"
    RUN_ASSIGNMENT = "run_assignment"  # dry runs, pins, exclusions, fit scores
    PUBLISH_ASSIGNMENT = "publish_assignment"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.EDITOR: frozenset(
        {Permission.READ, Permission.CHANGE_REGISTRATIONS, Permission.RUN_ASSIGNMENT}
    ),
    Role.ADMIN: frozenset(Permission),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in _GRANTS[role]


@dataclass
class StaffMember:
    email: str
    name: str
    role: Role
    created_at: datetime
    password_hash: str | None = None
    link_digest: str | None = None  # a one-time sign-in link, by its digest
    link_expires_at: datetime | None = None
    id: int | None = None


@dataclass
class StaffSession:
    """A signed-in browser. The cookie carries the token; the database only its digest."""

    digest: str
    staff_id: int
    csrf: str
    created_at: datetime
    expires_at: datetime
    revoked: bool = False
    id: int | None = None


def new_secret() -> str:
    """A session token, a sign-in link token, an anti-forgery token: 256 random bits."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


class Hasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...


class StaffAccounts(Protocol):
    def get(self, staff_id: int) -> StaffMember | None: ...
    def by_email(self, email: str) -> StaffMember | None: ...
    def by_link(self, link_digest: str) -> StaffMember | None: ...
    def add(self, member: StaffMember) -> None: ...
    def update(self, member: StaffMember) -> None: ...
    def remove(self, staff_id: int) -> None: ...
    def list(self) -> list[StaffMember]: ...


class StaffSessions(Protocol):
    def add(self, session: StaffSession) -> None: ...
    def by_digest(self, session_digest: str) -> StaffSession | None: ...
    def revoke(self, session_digest: str) -> None: ...
    def revoke_all(self, staff_id: int) -> int: ...
    def prune(self, before: datetime) -> int:
        """Delete sessions that ended before `before` (expired or revoked long ago)."""
        ...


class SignInFailures(Protocol):
    """Failed sign-ins by key ("account:<email>", "address:<ip>"), to slow down guessing."""

    def add(self, key: str, at: datetime) -> None: ...
    def count(self, key: str, since: datetime) -> int: ...
    def clear(self, key: str) -> None: ...
    def prune(self, before: datetime) -> int: ...


class StaffUnitOfWork(UnitOfWork, Protocol):
    staff: StaffAccounts
    staff_sessions: StaffSessions
    sign_in_failures: SignInFailures
