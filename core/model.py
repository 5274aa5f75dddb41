"""The registration domain: municipalities' registrations, their contacts, and what happened."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.assignment.model import RunResult
from core.assignment.model import Status as RunStatus


class Status(StrEnum):
    DRAFT = "draft"
    PENDING_VERIFICATION = "pending_verification"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class ActorKind(StrEnum):
    """Who acts: the first part of an audit entry's actor ("staff:els", "contact:12")."""

    CONTACT = "contact"
    STAFF = "staff"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


class OutboxStatus(StrEnum):
    """Where an outgoing message stands (stored as its value)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"
    CANCELLED = "cancelled"  # an invitation left when registration closed
    ERASED = "erased"  # never sent any more: what it would say is gone


class InboundOutcome(StrEnum):
    """What became of one inbound message or chat update (the inbound ledger's outcome)."""

    ACCEPTED = "accepted"  # the results of a registration (core.usecases.submit.Result)
    UPDATED = "updated"
    NEEDS_VERIFICATION = "needs_verification"
    PENDING_APPROVAL = "pending_approval"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"  # seen before: nothing done again
    IGNORED = "ignored"  # an auto-reply, a list message
    BOUNCE = "bounce"
    QUARANTINED = "quarantined"  # could not be handled: kept whole for a retry
    HANDLED = "handled"  # a chat update
    BLOCKED = "blocked"  # the person blocked the bot
    UNBLOCKED = "unblocked"
    THROTTLED = "throttled"  # a flood: not handled


class Channel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"
    CLI = "cli"
    WEB = "web"


@dataclass
class Contact:
    """A person who speaks for a municipality. Invited contacts carry a personal token."""

    municipality: str
    name: str
    email: str
    function: str = ""
    phone: str = ""
    language: str = "nl"
    telegram_user_id: int | None = None
    invited: bool = False
    token: str | None = None
    verified: bool = False
    erased: bool = False
    email_bounced: bool = False
    telegram_unreachable: bool = False
    created_at: datetime | None = None
    id: int | None = None

    @property
    def trusted(self) -> bool:
        return (self.invited or self.verified) and not self.erased


@dataclass
class Registration:
    """One per municipality: its ranked theme preferences and the three free texts."""

    reference: str
    municipality: str
    status: Status
    channel: Channel
    preferences: tuple[int, ...] = ()
    beleidsprioriteiten: str | None = None
    realisaties: str | None = None
    acties: str | None = None
    submitted_by: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    submitted_at: datetime | None = None
    id: int | None = None

    def snapshot(self) -> dict[str, Any]:
        """What history keeps of a version: the fields a change can touch."""
        return {
            "status": self.status.value,
            "preferences": list(self.preferences),
            "beleidsprioriteiten": self.beleidsprioriteiten,
            "realisaties": self.realisaties,
            "acties": self.acties,
            "submitted_by": self.submitted_by,
            "channel": self.channel.value,
        }


@dataclass(frozen=True)
class Actor:
    """Who did it: a contact (by id, never by address), staff (by login) or the system."""

    kind: ActorKind
    channel: Channel
    contact_id: int | None = None
    name: str = ""

    @property
    def is_staff(self) -> bool:
        return self.kind in (ActorKind.STAFF, ActorKind.SYSTEM)

    def label(self) -> str:
        if self.kind == ActorKind.CONTACT:
            return f"contact:{self.contact_id}"
        return f"{self.kind}:{self.name}" if self.name else self.kind


@dataclass
class HistoryEntry:
    registration_id: int
    at: datetime
    actor: str
    channel: Channel
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    id: int | None = None


@dataclass
class AuditEntry:
    at: datetime
    action: str  # dotted: "registration.submitted", "contact.erased", ...
    actor: str
    channel: Channel
    subject: str
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass
class OutboxMessage:
    """Something to tell someone, written in the same transaction as its cause."""

    channel: Channel
    recipient: str
    language: str
    kind: str
    params: dict[str, Any]
    dedup_key: str
    created_at: datetime
    contact_id: int | None = None
    status: OutboxStatus = OutboxStatus.QUEUED
    attempts: int = 0
    external_id: str | None = None  # the Message-ID it went out with, to match bounces
    last_error: str | None = None
    sent_at: datetime | None = None
    id: int | None = None


@dataclass
class InboundRecord:
    """One inbound message (e-mail or chat update) and what became of it: exactly one outcome."""

    channel: Channel
    key: str  # Message-ID or a hash for e-mail, update_id for Telegram
    received_at: datetime
    outcome: InboundOutcome
    detail: dict[str, Any] = field(default_factory=dict)
    raw: bytes | None = None  # kept only for messages that must be retried (quarantine)
    error: str | None = None
    id: int | None = None


@dataclass
class Verification:
    """A submission waiting for its sender to prove the address with a code (or, purpose
    "approval", for the municipality's contacts to approve). Only a keyed hash of the code is
    kept."""

    code_hash: str
    email: str
    municipality: str
    payload: dict[str, Any]
    language: str
    channel: Channel
    created_at: datetime
    expires_at: datetime
    attempts: int = 0
    used: bool = False
    telegram_user_id: int | None = None
    id: int | None = None


@dataclass
class Draft:
    """A half-finished registration of one chat or person: field values and the current step."""

    owner: str  # "telegram:<user id>", "email:<address>"
    channel: Channel
    language: str
    values: dict[str, Any]
    step: str | None
    updated_at: datetime
    skipped: list[str] = field(default_factory=list)
    id: int | None = None
    # Where a conversation stands besides the field values: the chat's sub-step (a code to
    # type, the summary, a field being edited), theme picks so far, failed tries.
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reminder:
    """A message due at a moment; swept when due, sent once, cancelled when no longer true."""

    key: str  # unique: kind, whom, and which moment
    kind: str  # "reminder.invited", "reminder.draft", "reminder.pending", "reminder.kickoff"
    due_at: datetime
    contact_id: int | None = None
    chat_id: int | None = None  # a chat draft whose owner is not a contact yet
    email: str | None = None  # someone who is not a contact yet (waiting for a code)
    subject: str = ""  # what it is about: a municipality, a draft owner, a theme
    sent_at: datetime | None = None
    cancelled: bool = False
    id: int | None = None


@dataclass
class AssignmentRun:
    """One run of the solver on the registrations: kept whole, so anyone can reproduce it."""

    created_at: datetime
    created_by: str
    status: RunStatus  # optimal, feasible or infeasible
    seed: int
    input_hash: str
    result: RunResult
    published_at: datetime | None = None
    id: int | None = None


_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_reference() -> str:
    """Short and readable over the phone: no 0/O or 1/I."""
    return "LT-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(5))


def new_token() -> str:
    """An invitation token that fits a Telegram deep link (64 chars of [A-Za-z0-9_-])."""
    return secrets.token_urlsafe(16)


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"
