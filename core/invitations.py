"""Invitations: the officials VLAIO already knows, imported from a CSV staff keep in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import field as dc_field
from typing import Any

from core.audit import log_action
from core.campaign import Env
from core.clock import format_local
from core.model import Actor, Contact, new_token
from core.notify import tell
from core.ports import UnitOfWork
from core.texts import LANGUAGES, text
from core.typed_text import csv_delimiter
from core.validators import Context, Kind, clean

_HEADERS = {
    "municipality": "municipality",
    "gemeente": "municipality",
    "name": "name",
    "naam": "name",
    "email": "email",
    "e-mail": "email",
    "e-mailadres": "email",
    "language": "language",
    "taal": "language",
}
REQUIRED_COLUMNS = ("municipality", "name", "email")


@dataclass(frozen=True)
class InvitationRow:
    line: int
    municipality: str
    name: str
    email: str
    language: str


@dataclass(frozen=True)
class RowError:
    """A row (or the header) that cannot be imported; its code is the text's key."""

    line: int
    field: str
    code: str
    params: Mapping[str, Any] = dc_field(default_factory=dict)

    def message(self, language: str) -> str:
        return text(self.code, language, **self.params)


@dataclass
class ParsedCsv:
    rows: list[InvitationRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def parse_csv(content: str, ctx: Context) -> ParsedCsv:
    """Comma or semicolon, with or without BOM, English or Dutch headers; bad rows by line."""
    content = content.removeprefix("\ufeff")
    result = ParsedCsv()
    if not content.strip():
        result.errors.append(RowError(1, "file", "csv.empty"))
        return result
    reader = csv.reader(io.StringIO(content), delimiter=csv_delimiter(content))
    header = [_HEADERS.get(h.strip().lower(), h.strip().lower()) for h in next(reader)]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        columns = {"columns": ", ".join(missing)}
        result.errors.append(RowError(1, "header", "csv.missing_columns", columns))
        return result
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        record = dict(zip(header, (c.strip() for c in cells), strict=False))
        row_errors = _check(line, record, ctx)
        if row_errors:
            result.errors.extend(row_errors)
            continue
        refnis, _ = clean(Kind.MUNICIPALITY, "municipality", record["municipality"], ctx, True, 0)
        email, _ = clean(Kind.EMAIL, "email", record["email"], ctx, True, 0)
        lang = (record.get("language") or "nl").lower()[:2]
        result.rows.append(
            InvitationRow(line, refnis, " ".join(record["name"].split()), email, lang)
        )
    return result


def _check(line: int, record: dict[str, str], ctx: Context) -> list[RowError]:
    errors: list[RowError] = []
    checks = (
        ("municipality", Kind.MUNICIPALITY, True),
        ("email", Kind.EMAIL, True),
        ("name", Kind.TEXT, True),
    )
    for key, kind, required in checks:
        _, field_errors = clean(kind, key, record.get(key), ctx, required, 200)
        errors.extend(RowError(line, key, e.code, e.params) for e in field_errors)
    lang = (record.get("language") or "nl").strip().lower()
    if lang[:2] not in LANGUAGES:
        errors.append(RowError(line, "language", "language.invalid"))
    return errors


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    contacts: list[Contact] = field(default_factory=list)


def import_invitations(
    uow: UnitOfWork, env: Env, rows: list[InvitationRow], actor: Actor
) -> ImportOutcome:
    """Idempotent: the same file twice changes nothing and keeps every token."""
    outcome = ImportOutcome()
    now = env.clock.now()
    for row in rows:
        existing = [
            c for c in uow.contacts.for_municipality(row.municipality) if c.email == row.email
        ]
        if existing:
            contact = existing[0]
            changed = (contact.name, contact.language, contact.invited) != (
                row.name,
                row.language,
                True,
            )
            if changed or contact.token is None:
                contact.name, contact.language, contact.invited = row.name, row.language, True
                contact.token = contact.token or new_token()
                uow.contacts.update(contact)
                outcome.updated += 1
            else:
                outcome.unchanged += 1
        else:
            contact = Contact(
                municipality=row.municipality,
                name=row.name,
                email=row.email,
                language=row.language,
                invited=True,
                token=new_token(),
                created_at=now,
            )
            uow.contacts.add(contact)
            outcome.created += 1
        outcome.contacts.append(contact)
    log_action(
        uow,
        now,
        actor,
        "invitations.imported",
        "invitations",
        created=outcome.created,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
    )
    return outcome


def send_invitations(uow: UnitOfWork, env: Env, actor: Actor, resend: bool = False) -> int:
    """Queue the invitation e-mail for every invited contact that has not had one yet."""
    now = env.clock.now()
    registered = {r.municipality for r in uow.registrations.list()}
    queued = 0
    for contact in uow.contacts.list(invited_only=True):
        if contact.erased or contact.municipality in registered:
            continue
        params = {
            "municipality_name": env.municipality_name(contact.municipality),
            "deadline": format_local(env.campaign.deadline),
            "token": contact.token,
        }
        cause = f"{contact.token}:{now.isoformat()}" if resend else str(contact.token)
        queued += len(tell(uow, [contact], "invitation", params, cause, now))
    log_action(uow, now, actor, "invitations.sent", "invitations", queued=queued)
    return queued


def decode_csv(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252: what Excel on Windows saves as CSV."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


@dataclass
class InvitedMunicipality:
    """Where one municipality stands: its invited contacts and what became of them."""

    municipality: str
    name: str
    province: str
    invited: int = 0  # invited contacts
    sent: int = 0  # invitation e-mails that went out
    reminded: int = 0  # reminders sent to its contacts
    bounced: int = 0  # messages to its contacts that bounced
    reference: str | None = None
    status: str | None = None


def invitation_overview(uow: UnitOfWork, env: Env) -> list[InvitedMunicipality]:
    """Per invited municipality, by name: invited, invitation sent, registered, reminded,
    bounced."""
    rows: dict[str, InvitedMunicipality] = {}
    owner: dict[int, str] = {}
    for contact in uow.contacts.list(invited_only=True):
        found = env.municipalities.get(contact.municipality)
        row = rows.setdefault(
            contact.municipality,
            InvitedMunicipality(
                contact.municipality,
                found.name if found else contact.municipality,
                found.province if found else "",
            ),
        )
        row.invited += 1
        if contact.id is not None:
            owner[contact.id] = contact.municipality
    for registration in uow.registrations.list():
        if registration.municipality in rows:
            rows[registration.municipality].reference = registration.reference
            rows[registration.municipality].status = registration.status.value
    for message in uow.outbox.list(limit=1_000_000):
        where = owner.get(message.contact_id or -1)
        if where is None:
            continue
        if message.status == "bounced":
            rows[where].bounced += 1
        elif message.kind == "invitation" and message.status == "sent":
            rows[where].sent += 1
    for reminder in uow.reminders.list(sent=True):
        where = owner.get(reminder.contact_id or -1)
        if where is not None:
            rows[where].reminded += 1
    return sorted(rows.values(), key=lambda r: r.name.casefold())
