"""Erasure is complete (issue 9): after `erase`, no row of any table and no file the service
wrote names the person, on SQLite and PostgreSQL. The test dumps every table and column."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from app.bootstrap import App, bootstrap
from app.config import Settings
from app.erasure import sweep_files
from app.jobs import purge_job
from app.mailing import email_sender
from core.clock import FixedClock
from core.model import Actor, ActorKind, Channel, Contact
from core.usecases import inbound
from core.usecases.manage import erase
from mail.pipeline import IntakeSettings, MailIntake

INTAKE = "intake@vlaio.test"
PIET = "piet.prive@example.org"
NAME = "Piet Privé"
PHONE = "0470 12 34 56"
TRACES = (PIET, NAME.lower(), PHONE, "piet.prive")


@pytest.fixture
def service(db_settings: Settings, clock: FixedClock, tmp_path: Path) -> Iterator[App]:
    mail = db_settings.mail.model_copy(
        update={"outbox_dir": tmp_path / "outbox", "maildir": tmp_path / "inbox"}
    )
    assignment = db_settings.assignment.model_copy(update={"report_dir": tmp_path / "reports"})
    settings = db_settings.model_copy(update={"mail": mail, "assignment": assignment})
    application = bootstrap(settings, clock=clock)
    yield application
    application.close()


def message(n: int, body: str, sender: str = PIET) -> bytes:
    return (
        f"From: {NAME} <{sender}>\r\nTo: {INTAKE}\r\nSubject: Inschrijving {NAME}\r\n"
        f"Message-ID: <e{n}@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


def form(municipality: str, preferences: str = "9\r\nVoorkeur 2: 11\r\nVoorkeur 3: 3") -> str:
    return (
        f"Gemeente: {municipality}\r\nContactpersoon: {NAME}\r\nFunctie: Schepen\r\n"
        f"E-mail: {PIET}\r\nTelefoon: {PHONE}\r\nVoorkeur 1: {preferences}\r\n"
    )


def dump(app: App) -> str:
    """Every column of every row of every table, as text."""
    metadata = MetaData()
    metadata.reflect(app.engine)
    lines: list[str] = []
    with app.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    lines.append(f"{table.name}: {value}")
    return "\n".join(lines).lower()


def files_text(root: Path) -> str:
    """The text of every file the service wrote (outbox, mail folder, reports)."""
    texts = []
    folders = [root / "outbox", root / "inbox", root / "reports"]
    for path in (p for folder in folders for p in folder.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        texts.append(raw.decode("utf-8", "replace"))
        parsed = message_from_bytes(raw, policy=policy.default)
        texts += [str(v) for v in parsed.values()]
        texts += [
            str(part.get_content())
            for part in parsed.walk()
            if part.get_content_maintype() == "text" and isinstance(part, EmailMessage)
        ]
    return " ".join(" ".join(texts).split()).lower()


def test_after_erase_no_row_and_no_file_names_the_person(
    service: App, tmp_path: Path, clock: FixedClock
) -> None:
    app = service
    intake = MailIntake(app.env, IntakeSettings(INTAKE), app.transaction)
    app.transaction(
        lambda uow: uow.contacts.add(Contact("44021", "An Peeters", "an@stad.gent", invited=True))
    )
    app.transaction(
        lambda uow: uow.contacts.add(
            Contact("34022", "Tom Desmet", "tom@kortrijk.be", invited=True)
        )
    )
    # Piet registers Kortrijk (beside its invited contact) and proves his address ...
    assert intake.process(message(1, form("Kortrijk"))).outcome == "needs_verification"
    with app.uow() as uow:
        [code] = [m.params["code"] for m in uow.outbox.list() if m.kind == "verification.code"]
    assert intake.process(message(2, f"{code}\r\n")).outcome == "accepted"
    # ... wants Gent too, after An registered it (his version waits for approval) ...
    clock.advance(timedelta(minutes=1))
    an = form("Gent", "1\r\nVoorkeur 2: 2\r\nVoorkeur 3: 4").replace(NAME, "An Peeters")
    an = an.replace(PIET, "an@stad.gent").replace(PHONE, "09 123 45 67")
    app.transaction(lambda uow: uow.contacts.update(_verified(uow, "an@stad.gent")))
    intake.process(message(3, an, sender="an@stad.gent"))
    intake.process(message(4, form("Gent")))
    # ... sends a message with mistakes (his template is echoed) and one that crashed.
    intake.process(message(5, form("Namen")))
    raw = message(6, form("Gent"))
    app.transaction(lambda uow: inbound.quarantine(uow, app.env, Channel.EMAIL, "<e6>", raw, "x"))
    (tmp_path / "inbox" / "new").mkdir(parents=True)
    (tmp_path / "inbox" / "new" / "piet.eml").write_bytes(raw)
    assert asyncio.run(email_sender(app).drain()) > 3  # .eml files in the outbox folder
    before = dump(app)
    assert all(trace in before for trace in (PIET, NAME.lower(), PHONE))
    assert PIET in files_text(tmp_path)

    if app.engine.dialect.name == "sqlite":
        assert PIET.encode() in sqlite_file(app)
    staff = Actor(ActorKind.STAFF, Channel.CLI, name="els")
    outcome = app.transaction(lambda uow: erase(uow, app.env, staff, email=PIET))
    sweep_files(app.settings, outcome.needles)

    after = dump(app)
    for trace in TRACES:
        assert trace not in after, f"{trace!r} is still in the database"
        assert trace not in files_text(tmp_path), f"{trace!r} is still in a file"
    assert "contact.erased" in after and "an peeters" in after, "others and the trail stay"
    if app.engine.dialect.name == "sqlite":  # nor in the database file's free pages
        assert PIET.encode() not in sqlite_file(app), "the address is in a free page"


def test_the_retention_purge_also_deletes_the_files_that_name_the_person(
    service: App, tmp_path: Path, clock: FixedClock
) -> None:
    app = service
    app.transaction(lambda uow: uow.contacts.add(Contact("34022", NAME, PIET, invited=True)))
    kept = tmp_path / "inbox" / "cur" / "piet.eml"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(message(1, form("Kortrijk")))
    other = tmp_path / "inbox" / "cur" / "other.eml"
    other.write_bytes(b"From: An Peeters <an@stad.gent>\r\nSubject: Gent\r\n\r\nGemeente: Gent\r\n")
    retention = timedelta(days=app.settings.campaign.retention_days)
    clock.set(app.env.campaign.deadline + retention + timedelta(hours=1))
    assert purge_job(app, "w1") == 1
    assert not kept.exists(), "a file naming the erased person is left"
    assert other.exists(), "a file that names nobody erased is kept"


def sqlite_file(app: App) -> bytes:
    """The SQLite database file's bytes, with everything in its write-ahead log moved in."""
    database = Path(str(app.engine.url.database))
    app.engine.dispose()
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return database.read_bytes()


def _verified(uow: object, email: str) -> Contact:
    [contact] = uow.contacts.by_email(email)  # type: ignore[attr-defined]
    contact.verified = True
    return contact  # type: ignore[no-any-return]
