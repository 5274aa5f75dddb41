"""Benchmark: the e-mail intake (`leertraject mail ingest`) against a floor measured in the
same run.

N structured registrations (default 1,500: 285 Flemish municipalities, each with its invited
official, whose server authenticated the message; the first message of a municipality is a
new registration, the next ones are updates from the same contact) are written as .eml files.

- floor: the stdlib's parser with ``email.policy.default``, the fields read with regular
  expressions, one SQLite row per message, one transaction each (same SQLite settings as
  the service: WAL, ``BEGIN IMMEDIATE``);
- intake: the files through the pipeline exactly as `mail ingest` calls it, on a fresh
  database (SQLite, or PostgreSQL with ``--database postgresql``).

Both are timed with no tracing on; the intake's peak Python memory is measured in a separate
pass on another fresh database (tracemalloc slows what it watches several times).
``--servers`` also runs the IMAP intake against Dovecot beside a bare imapclient fetch, and
the outbox sender over SMTP beside a bare aiosmtplib loop (needs root and Debian's dovecot
and opensmtpd, scripts/install-test-services.sh).

    .venv/bin/python benchmarks/mail_intake.py [--messages 1500] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import aiosmtplib  # noqa: E402
import psycopg  # noqa: E402

from app.bootstrap import App, bootstrap  # noqa: E402
from app.config import Settings, load_settings  # noqa: E402
from app.mailing import drain_intake_once, email_sender, intake, renderer  # noqa: E402
from app.reference import municipality_directory  # noqa: E402
from core.model import Contact  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

INTAKE = "intake@vlaio.test"
AUTHSERV = "mx.vlaio.test"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def official(i: int) -> str:
    return f"official{i}@gemeente{i}.example.test"


def message(n: int, municipality: str, sender: str) -> bytes:
    domain = sender.rsplit("@", 1)[1]
    return (
        f"Authentication-Results: {AUTHSERV}; dmarc=pass header.from={domain}\r\n"
        f"From: Official {n} <{sender}>\r\nTo: {INTAKE}\r\nSubject: Inschrijving {n}\r\n"
        f"Message-ID: <bench-{n}@{domain}>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Gemeente: {municipality}\r\nContactpersoon: Official {n}\r\nFunctie: Centrummanager\r\n"
        f"Voorkeur 1: {n % 12 + 1}\r\nVoorkeur 2: {(n + 3) % 12 + 1}\r\n"
        f"Voorkeur 3: {(n + 7) % 12 + 1}\r\nBeleidsprioriteiten: Een levendige kern.\r\n"
        "\r\nMet vriendelijke groeten\r\n"
    ).encode()


# --- the floor -------------------------------------------------------------------------------

_FIELD = re.compile(r"^([A-Za-z ]+?)(?: (\d))?:[ \t]*(.*?)\s*$", re.MULTILINE)


def floor(raws: list[bytes], folder: Path) -> float:
    db = sqlite3.connect(folder / "floor.db", isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "secure_delete=ON"):
        db.execute(f"PRAGMA {pragma}")
    db.execute(
        "CREATE TABLE registration (id INTEGER PRIMARY KEY, message_id TEXT UNIQUE, "
        "sender TEXT, municipality TEXT, contact TEXT, preferences TEXT, priorities TEXT)"
    )
    parser = BytesParser(policy=policy.default)
    start = time.perf_counter()
    for raw in raws:
        msg: Any = parser.parsebytes(raw)
        body = msg.get_body(("plain",)).get_content()
        fields: dict[str, str] = {}
        prefs: list[str] = []
        for label, number, value in _FIELD.findall(body):
            if number:
                prefs.append(value)
            else:
                fields[label] = value
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT INTO registration (message_id, sender, municipality, contact, preferences,"
            " priorities) VALUES (?, ?, ?, ?, ?, ?)",
            (
                str(msg["Message-ID"]),
                str(msg["From"]),
                fields.get("Gemeente"),
                fields.get("Contactpersoon"),
                ",".join(prefs),
                fields.get("Beleidsprioriteiten"),
            ),
        )
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


# --- the service -----------------------------------------------------------------------------


@contextmanager
def service(kind: str, folder: Path, settings: Settings, tag: str) -> Iterator[App]:
    """A fresh, migrated database with every Flemish municipality's official invited."""
    pg_name = None
    if kind == "sqlite":
        url = f"sqlite:///{folder / f'{tag}.db'}"
    else:
        pg_name = f"leertraject_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{pg_name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
    upgrade(url)
    app = bootstrap(
        settings.model_copy(update={"database": settings.database.model_copy(update={"url": url})})
    )
    flemish = municipality_directory().flemish

    def invite(uow: Any) -> None:
        for i, m in enumerate(flemish):
            uow.contacts.add(Contact(m.refnis, "Official", official(i), invited=True))

    app.transaction(invite)
    try:
        yield app
    finally:
        app.close()
        if pg_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as c:
                c.execute(f'DROP DATABASE "{pg_name}" WITH (FORCE)')


def ingest(app: App, files: list[Path]) -> Counter[str]:
    """What `leertraject mail ingest FILES` does with them (app/commands/mail.py)."""
    pipeline = intake(app)
    results = pipeline.process_files(files)
    return Counter(r.outcome for r in results)


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


async def bare_send(port: int, messages: list[Any]) -> float:
    start = time.perf_counter()
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, local_hostname="bench.test")
    await client.connect()
    for n, email in enumerate(messages):
        if n and n % 100 == 0:  # OpenSMTPD takes 100 messages per session
            await client.quit()
            await client.connect()
        await client.send_message(email)
    await client.quit()
    return time.perf_counter() - start


def servers_run(settings: Settings, raws: list[bytes], kind: str, folder: Path) -> None:
    """The IMAP intake against Dovecot beside a bare imapclient fetch of the same messages,
    then the outbox sender over SMTP beside a bare aiosmtplib loop sending the same replies."""
    from imapclient import IMAPClient

    from tests.mail_fixtures import wired_to
    from tests.mailserver import MailServers

    officials = len(municipality_directory().flemish)  # each a real mailbox for the replies
    users = [(INTAKE, "intake-secret")] + [(official(i), "pw") for i in range(officials)]
    with MailServers(users) as servers:
        os.environ["LEERTRAJECT_IMAP_PASSWORD"] = servers.users[INTAKE]
        wired = wired_to(settings, servers)
        wired = wired.model_copy(
            update={"mail": wired.mail.model_copy(update={"trusted_authserv_id": AUTHSERV})}
        )
        servers.append(INTAKE, raws)
        start = time.perf_counter()
        client = IMAPClient("127.0.0.1", port=servers.imap_port, ssl=False)
        client.login(INTAKE, servers.users[INTAKE])
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        for i in range(0, len(uids), 50):
            client.fetch(uids[i : i + 50], ["BODY.PEEK[]"])
        client.logout()
        bare = time.perf_counter() - start
        with service(kind, folder, wired, "imap") as app:
            seconds, handled = timed(lambda: drain_intake_once(app))
            assert handled == len(raws), handled
            with app.uow() as uow:
                queued = uow.outbox.list("queued", limit=100_000)
            copies = [renderer(app).build(m, app.env.clock.now()) for m in queued]
            bare_smtp = asyncio.run(bare_send(servers.smtp_port, copies))
            sending, sent = timed(lambda: asyncio.run(email_sender(app).drain()))
        n = len(raws)
        print(f"{'bare imapclient fetch':<46}{bare:>9.2f}{n / bare:>10.0f}")
        print(f"{'IMAP intake (fetch, handle, file)':<46}{seconds:>9.2f}{n / seconds:>10.0f}")
        m = len(copies)
        print(f"{'bare aiosmtplib send':<46}{bare_smtp:>9.2f}{m / bare_smtp:>10.0f}")
        print(f"{'outbox sender over SMTP':<46}{sending:>9.2f}{sent / sending:>10.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--servers", action="store_true", help="also the IMAP intake and the SMTP sender (root)"
    )
    args = parser.parse_args()
    flemish = municipality_directory().flemish
    n = args.messages
    raws = [
        message(i, flemish[i % len(flemish)].name, official(i % len(flemish))) for i in range(n)
    ]
    settings = load_settings()
    settings = settings.model_copy(
        update={
            "mail": settings.mail.model_copy(
                update={"address": INTAKE, "trusted_authserv_id": AUTHSERV}
            )
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = []
        for i, raw in enumerate(raws):
            path = folder / f"{i:06d}.eml"
            path.write_bytes(raw)
            files.append(path)
        base = floor(raws, folder)
        with service(args.database, folder, settings, "timed") as app:
            seconds, outcomes = timed(lambda: ingest(app, files))
        with service(args.database, folder, settings, "memory") as app:
            tracemalloc.start()
            ingest(app, files)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        print(f"mail intake benchmark, {n} messages, database {args.database}")
        print(f"outcomes: {dict(sorted(outcomes.items()))}")
        print(f"{'what':<46}{'seconds':>9}{'msg/s':>10}")
        print(f"{'floor: stdlib parse, regex, 1 SQLite row+tx':<46}{base:>9.2f}{n / base:>10.0f}")
        print(f"{'intake: mail ingest':<46}{seconds:>9.2f}{n / seconds:>10.0f}")
        print(
            f"ratio intake/floor (msg/s): {base / seconds:.2f}x; "
            f"peak Python memory of the intake (separate pass): {peak / 1e6:.1f} MB"
        )
        if args.servers:
            servers_run(settings, raws, args.database, folder)


if __name__ == "__main__":
    main()
