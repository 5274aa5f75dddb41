"""The database tables (SQLAlchemy 2.0 typed ORM). Migrations live in storage/migrations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.db import UTCDateTime

# Every constraint has a name a migration can find on SQLite and PostgreSQL alike
# (storage/migrations/versions/0005_constraint_names.py gave the older ones theirs).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class ContactRow(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("municipality", "email", name="uq_contacts_municipality_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(String(5), index=True)
    name: Mapped[str] = mapped_column(String(200))
    function: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(2), default="nl")
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    invited: Mapped[bool] = mapped_column(default=False)
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    verified: Mapped[bool] = mapped_column(default=False)
    erased: Mapped[bool] = mapped_column(default=False)
    email_bounced: Mapped[bool] = mapped_column(default=False)
    telegram_unreachable: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime | None]


class RegistrationRow(Base):
    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    municipality: Mapped[str] = mapped_column(String(5), unique=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    preferences: Mapped[list[Any]] = mapped_column(default=list)
    beleidsprioriteiten: Mapped[str | None] = mapped_column(Text)
    realisaties: Mapped[str | None] = mapped_column(Text)
    acties: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    created_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]


class HistoryRow(Base):
    __tablename__ = "registration_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]]
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class VerificationRow(Base):
    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 of the code (0004)
    email: Mapped[str] = mapped_column(String(254), index=True)
    municipality: Mapped[str] = mapped_column(String(5))
    payload: Mapped[dict[str, Any]]
    language: Mapped[str] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used: Mapped[bool] = mapped_column(default=False)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)


class VerificationTryRow(Base):
    """Every code typed or sent back, by the address's keyed hash and the chat account (0004)."""

    __tablename__ = "verification_tries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    address_key: Mapped[str] = mapped_column(String(64), index=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    ok: Mapped[bool] = mapped_column(default=False)


class DraftRow(Base):
    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(300), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    values: Mapped[dict[str, Any]]
    skipped: Mapped[list[Any]] = mapped_column(default=list)
    step: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(index=True)
    state: Mapped[dict[str, Any] | None]  # the chat's sub-step and picks (migration 0003)


class InboundRow(Base):
    """Every inbound message, by a stable key, with its outcome (and raw bytes if it failed)."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "key", name="uq_inbound_channel_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(24), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(Text)
