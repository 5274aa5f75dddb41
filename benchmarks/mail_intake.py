"""Benchmark: the e-mail intake against a real IMAP mailbox, and the SMTP sender.

Fills Dovecot's intake mailbox with N structured registrations (default 2,000), then in the
same run times (a) a bare imapclient loop that only fetches them (the baseline), (b) the
service from the first fetch until every message has an outcome and its reply is queued,
(c) the outbox sender over SMTP against (d) a bare aiosmtplib loop sending the same replies.
Prints messages per second, the ratios, and the peak memory of (b).

    .venv/bin/python benchmarks/mail_intake.py [--messages 2000] [--database sqlite|postgresql]

Needs root and Debian's dovecot and opensmtpd (scripts/install-test-services.sh).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import aiosmtplib  # noqa: E402
import psycopg  # noqa: E402
from imapclient import IMAPClient  # noqa: E402
from mail_fixtures import wired_to  # noqa: E402
from mailserver import MailServers  # noqa: E402

from app.bootstrap import bootstrap  # noqa: E402
from app.config import load_settings  # noqa: E402
from app.mailing import drain_intake_once, email_sender, renderer  # noqa: E402
from app.reference import municipality_directory  # noqa: E402
from core.model import Contact  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

INTAKE = "intake@vlaio.test"
OFFICIALS = 40  # reply addresses: real mailboxes, so the replies are really delivered


def officials() -> list[str]:
    return [f"official{i}@gemeente.example.test" for i in range(OFFICIALS)]


def message(n: int, municipality: str, sender: str) -> bytes:
    return (
        f"From: Official {n} <{sender}>\r\nTo: {INTAKE}\r\nSubject: Inschrijving {n}\r\n"
        f"Message-ID: <bench-{n}@gemeente.example.test>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Gemeente: {municipality}\r\nContactpersoon: Official {n}\r\nFunctie: Centrummanager\r\n"
        f"Voorkeur 1: {n % 12 + 1}\r\nVoorkeur 2: {(n + 3) % 12 + 1}\r\n"
        f"Voorkeur 3: {(n + 7) % 12 + 1}\r\nBeleidsprioriteiten: Een levendige kern.\r\n"
        "\r\nMet vriendelijke groeten\r\n"
    ).encode()


def database(kind: str, folder: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'bench.db'}", None
    name = f"leertraject_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name


def bare_fetch(servers: MailServers, expected: int) -> float:
    start = time.perf_counter()
    client = IMAPClient("127.0.0.1", port=servers.imap_port, ssl=False)
    client.login(INTAKE, servers.users[INTAKE])
    client.select_folder("INBOX", readonly=True)
    uids = client.search("ALL")
    fetched = 0
    for i in range(0, len(uids), 50):
        fetched += len(client.fetch(uids[i : i + 50], ["BODY.PEEK[]"]))
    client.logout()
    assert fetched == expected, (fetched, expected)
    return time.perf_counter() - start


async def bare_send(servers: MailServers, messages: list[object]) -> float:
    start = time.perf_counter()
    client = aiosmtplib.SMTP(
        hostname="127.0.0.1", port=servers.smtp_port, local_hostname="bench.test"
    )
    await client.connect()
    for n, email in enumerate(messages):
        if n and n % 100 == 0:  # OpenSMTPD takes 100 messages per session
            await client.quit()
            await client.connect()
        await client.send_message(email)  # type: ignore[arg-type]
    await client.quit()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    users = [(INTAKE, "intake-secret")] + [(a, "pw") for a in officials()]
    flemish = municipality_directory().flemish
    with tempfile.TemporaryDirectory() as tmp, MailServers(users) as servers:
        url, pg_name = database(args.database, Path(tmp))
        upgrade(url)
        settings = load_settings()
        os.environ["LEERTRAJECT_IMAP_PASSWORD"] = servers.users[INTAKE]
        settings = wired_to(settings, servers).model_copy(
            update={"database": settings.database.model_copy(update={"url": url})}
        )
        app = bootstrap(settings)
        senders = officials()

        def invite(uow: object) -> None:
            for i, m in enumerate(flemish):
                uow.contacts.add(
                    Contact(m.refnis, "Official", senders[i % OFFICIALS], invited=True)
                )  # type: ignore[attr-defined]

        app.transaction(invite)
        raws = [
            message(n, flemish[n % len(flemish)].name, senders[(n % len(flemish)) % OFFICIALS])
            for n in range(args.messages)
        ]
        servers.append(INTAKE, raws)

        baseline = bare_fetch(servers, args.messages)
        tracemalloc.start()
        start = time.perf_counter()
        handled = drain_intake_once(app)
        service = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert handled == args.messages, handled

        with app.uow() as uow:
            queued = uow.outbox.list("queued", limit=100_000)
        render = renderer(app)
        copies = [render.build(m, app.env.clock.now()) for m in queued]
        bare = asyncio.run(bare_send(servers, copies))
        start = time.perf_counter()
        sent = asyncio.run(email_sender(app).drain())
        sender = time.perf_counter() - start
        app.close()
        if pg_name:
            with psycopg.connect(
                "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
            ) as c:
                c.execute(f'DROP DATABASE "{pg_name}" WITH (FORCE)')

    n = args.messages
    print(f"mail intake benchmark, {n} messages, database {args.database}")
    print(f"{'what':<44}{'seconds':>9}{'msg/s':>10}")
    print(f"{'bare imapclient fetch (baseline)':<44}{baseline:>9.2f}{n / baseline:>10.0f}")
    print(f"{'service: fetch, classify, register, reply':<44}{service:>9.2f}{n / service:>10.0f}")
    print(f"{'bare aiosmtplib send (baseline)':<44}{bare:>9.2f}{len(copies) / bare:>10.0f}")
    print(f"{'outbox sender over SMTP':<44}{sender:>9.2f}{sent / sender:>10.0f}")
    print(
        f"intake ratio service/baseline: {service / baseline:.1f}x the time; "
        f"sender ratio: {sender / bare:.1f}x; peak Python memory of intake: {peak / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
