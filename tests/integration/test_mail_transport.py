"""The mail transport against real servers: OpenSMTPD -> LMTP -> Dovecot -> IMAP, on loopback.

Waits are bounded waits on conditions; nothing synchronises by sleeping.
"""

from __future__ import annotations

import asyncio
import imaplib
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any, Literal

import pytest
from mailserver import MailServers, make_certificate, wait_until

from mail.imap import EventKind, ImapIntake, IntakeEvent, drain_once, run_imap_intake
from mail.intake import Backoff, Disposition
from mail.smtp import SendResult, SendStatus, SmtpSettings, SmtpTransport

pytestmark = pytest.mark.mailserver

INTAKE = "intake@vlaio.test"
AN = "an.peeters@gent.example.test"
FOLDERS = {"Verwerkt", "Genegeerd", "Mislukt"}


def raw_message(n: int, subject: str = "Inschrijving", to: str = INTAKE) -> bytes:
    return (
        f"From: An Peeters <{AN}>\r\n"
        f"To: {to}\r\n"
        f"Subject: {subject} {n}\r\n"
        f"Message-ID: <msg-{n}@gent.example.test>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"Gemeente: Gent\r\nVoorkeur 1: 9\r\nBericht {n}\r\n"
    ).encode()


def email_message(n: int, to: str = INTAKE) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"VLAIO Leertrajecten <{INTAKE}>"
    message["To"] = to
    message["Subject"] = f"Bevestiging {n}"
    message["Message-ID"] = f"<reply-{n}@vlaio.test>"
    message.set_content(f"Uw inschrijving is ontvangen. Nummer {n}.")
    return message


def message_id(raw: bytes) -> str:
    found = re.search(rb"^Message-ID:\s*(<[^>]+>)", raw, re.MULTILINE | re.IGNORECASE)
    assert found, raw[:200]
    return found.group(1).decode()


class Recorder:
    """A handler that records what it was offered; thread-safe enough for one intake."""

    def __init__(self, decide: Callable[[bytes], Disposition] | None = None) -> None:
        self.seen: list[str] = []
        self.decide = decide or (lambda raw: Disposition.PROCESSED)
        self.called = threading.Event()

    def __call__(self, raw: bytes) -> Disposition:
        self.seen.append(message_id(raw))
        self.called.set()
        return self.decide(raw)


@contextmanager
def intake_thread(intake: ImapIntake) -> Iterator[threading.Thread]:
    thread = threading.Thread(target=intake.run_forever, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        intake.stop_event.set()
        thread.join(timeout=15)
        assert not thread.is_alive(), "the intake loop did not stop"


# -- SMTP and the round trip -------------------------------------------------------------


async def test_round_trip_smtp_to_imap(mailboxes: MailServers) -> None:
    transport = SmtpTransport(mailboxes.smtp_settings())
    results = await transport.send([email_message(1, to=AN)])
    assert [r.status for r in results] == [SendStatus.SENT]
    assert results[0].message_id == "<reply-1@vlaio.test>"
    [raw] = await asyncio.to_thread(mailboxes.wait_for_messages, AN, 1)
    assert message_id(raw) == "<reply-1@vlaio.test>"
    assert b"Uw inschrijving is ontvangen. Nummer 1." in raw


async def test_a_batch_goes_over_one_connection(
    mailboxes: MailServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = SmtpTransport(mailboxes.smtp_settings())
    connects = 0
    original = transport._connect

    async def counting_connect():  # type: ignore[no-untyped-def]
        nonlocal connects
        connects += 1
        return await original()

    monkeypatch.setattr(transport, "_connect", counting_connect)
    results = await transport.send([email_message(n, to=AN) for n in range(5)])
    assert all(r.status is SendStatus.SENT for r in results)
    assert connects == 1
    await asyncio.to_thread(mailboxes.wait_for_messages, AN, 5)


async def test_a_batch_beyond_the_servers_per_session_limit_is_sent_whole(
    mailboxes: MailServers,
) -> None:
    # OpenSMTPD refuses the 101st message of a session with "452 Too many messages sent".
    transport = SmtpTransport(mailboxes.smtp_settings())
    results = await transport.send([email_message(n, to=AN) for n in range(150)])
    assert [r.status for r in results] == [SendStatus.SENT] * 150
    await asyncio.to_thread(mailboxes.wait_for_messages, AN, 150, "INBOX", 60)


async def test_refused_recipient_is_permanent_and_the_batch_goes_on(mailboxes: MailServers) -> None:
    transport = SmtpTransport(mailboxes.smtp_settings())
    results = await transport.send(
        [email_message(1, to="bob@unknown.invalid"), email_message(2, to=AN)]
    )
    refused, sent = results
    assert refused.status is SendStatus.PERMANENT_FAILURE
    assert refused.code == 550
    assert "Invalid recipient" in refused.text
    assert refused.refused == {"bob@unknown.invalid": (550, refused.text)}
    assert sent.status is SendStatus.SENT
    await asyncio.to_thread(mailboxes.wait_for_messages, AN, 1)


async def test_smtp_server_down_is_temporary_and_back_up_sends(mailboxes: MailServers) -> None:
    transport = SmtpTransport(mailboxes.smtp_settings(timeout=5.0))
    mailboxes.stop_smtp()
    try:
        down = await transport.send([email_message(1, to=AN), email_message(2, to=AN)])
    finally:
        mailboxes.start_smtp()
    assert [r.status for r in down] == [SendStatus.TEMPORARY_FAILURE] * 2
    assert all(r.text for r in down)
    up = await transport.send([email_message(1, to=AN), email_message(2, to=AN)])
    assert [r.status for r in up] == [SendStatus.SENT] * 2
    arrived = await asyncio.to_thread(mailboxes.wait_for_messages, AN, 2)
    assert sorted(message_id(raw) for raw in arrived) == [
        "<reply-1@vlaio.test>",
        "<reply-2@vlaio.test>",
    ]


# -- IMAP intake -----------------------------------------------------------------------


def test_intake_files_messages_by_disposition_and_never_sets_seen(mailboxes: MailServers) -> None:
    decisions = {
        "Inschrijving": Disposition.PROCESSED,
        "Afwezig": Disposition.IGNORED,
        "Kapot": Disposition.FAILED,
    }

    def decide(raw: bytes) -> Disposition:
        subject = re.search(rb"^Subject: (\w+)", raw, re.MULTILINE)
        assert subject
        if subject.group(1) == b"Crash":
            raise RuntimeError("the pipeline fell over")
        return decisions[subject.group(1).decode()]

    for n, subject in enumerate(["Inschrijving", "Afwezig", "Kapot", "Crash"]):
        mailboxes.deliver(raw_message(n, subject), INTAKE)
    mailboxes.wait_for_messages(INTAKE, 4)

    handler = Recorder(decide)
    assert drain_once(mailboxes.imap_settings(), handler) == 4

    assert sorted(handler.seen) == [f"<msg-{n}@gent.example.test>" for n in range(4)]
    assert mailboxes.count(INTAKE) == 0
    filed = {folder: mailboxes.fetch_with_flags(INTAKE, folder) for folder in FOLDERS}
    assert [message_id(raw) for raw, _ in filed["Verwerkt"]] == ["<msg-0@gent.example.test>"]
    assert [message_id(raw) for raw, _ in filed["Genegeerd"]] == ["<msg-1@gent.example.test>"]
    assert sorted(message_id(raw) for raw, _ in filed["Mislukt"]) == [
        "<msg-2@gent.example.test>",
        "<msg-3@gent.example.test>",
    ]
    for messages in filed.values():
        for _, flags in messages:
            assert b"\\Seen" not in flags


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_imap_intake_over_tls(mailboxes: MailServers, tls: str) -> None:
    mailboxes.append(INTAKE, [raw_message(1)])
    port = mailboxes.imaps_port if tls == "ssl" else mailboxes.imap_port
    settings = mailboxes.imap_settings(tls=tls, port=port)
    handler = Recorder()
    assert ImapIntake(settings, handler, ssl_context=mailboxes.ssl_context()).drain() == 1
    assert handler.seen == ["<msg-1@gent.example.test>"]


class _WithoutCapabilities(ImapIntake):
    """The intake against a server that lacks some capabilities (hidden from the client)."""

    hidden: frozenset[str] = frozenset()

    def _connect(self) -> Any:
        client = super()._connect()
        offered = client.has_capability
        client.has_capability = lambda name: name.upper() not in self.hidden and offered(name)
        return client


@pytest.mark.parametrize("hidden", [{"MOVE"}, {"MOVE", "UIDPLUS"}], ids=["copy-uidplus", "copy"])
def test_without_move_copy_and_expunge(mailboxes: MailServers, hidden: set[str]) -> None:
    mailboxes.append(INTAKE, [raw_message(n) for n in range(3)])
    intake = _WithoutCapabilities(mailboxes.imap_settings(), Recorder())
    intake.hidden = frozenset(hidden)
    assert intake.drain() == 3
    assert mailboxes.count(INTAKE) == 0
    filed = mailboxes.fetch_with_flags(INTAKE, "Verwerkt")
    assert len(filed) == 3
    assert all(b"\\Seen" not in flags and b"\\Deleted" not in flags for _, flags in filed)


def test_crash_between_handling_and_moving_offers_the_message_again(
    mailboxes: MailServers,
) -> None:
    mailboxes.append(INTAKE, [raw_message(1)])
    settings = mailboxes.imap_settings()

    def handled_then_connection_died(raw: bytes) -> Disposition:
        mailboxes.kick_imap(INTAKE)  # the move after this handler cannot happen
        return Disposition.PROCESSED

    first = Recorder(handled_then_connection_died)
    with pytest.raises((OSError, imaplib.IMAP4.error)):
        drain_once(settings, first)
    assert first.seen == ["<msg-1@gent.example.test>"]
    assert mailboxes.count(INTAKE) == 1

    after_restart = Recorder()  # a new process: it knows nothing of the first run
    assert drain_once(settings, after_restart) == 1
    assert after_restart.seen == ["<msg-1@gent.example.test>"]
    assert mailboxes.count(INTAKE) == 0
    assert [message_id(m) for m in mailboxes.fetch_all(INTAKE, "Verwerkt")] == [
        "<msg-1@gent.example.test>"
    ]


def test_connection_dropped_mid_drain_reconnects_with_backoff_and_loses_nothing(
    mailboxes: MailServers,
) -> None:
    sent = [raw_message(n) for n in range(20)]
    mailboxes.append(INTAKE, sent)
    events: list[IntakeEvent] = []
    sleeps: list[float] = []
    calls = 0

    def kick_on_third(raw: bytes) -> Disposition:
        nonlocal calls
        calls += 1
        if calls == 3:
            mailboxes.kick_imap(INTAKE)
        return Disposition.PROCESSED

    intake = ImapIntake(
        mailboxes.imap_settings(batch_size=5),
        Recorder(kick_on_third),
        backoff=Backoff(initial=0.05, maximum=0.2),
        sleep=sleeps.append,
        on_event=events.append,
    )
    with intake_thread(intake):
        wait_until(lambda: mailboxes.count(INTAKE, "Verwerkt") >= 20, 30, "20 filed messages")
        wait_until(lambda: mailboxes.count(INTAKE) == 0, 10, "an empty inbox")

    kinds = [event.kind for event in events]
    assert EventKind.DISCONNECTED in kinds
    assert kinds.count(EventKind.CONNECTED) >= 2
    assert sleeps and all(0 < delay <= 0.2 for delay in sleeps)
    filed = [message_id(raw) for raw in mailboxes.fetch_all(INTAKE, "Verwerkt")]
    assert sorted(filed) == sorted(message_id(raw) for raw in sent)  # each exactly once
    # The batch handled before the drop was filed after reconnecting, not handled again.
    assert calls == 20


async def test_idle_wakes_the_loop_when_mail_arrives(mailboxes: MailServers) -> None:
    loop = asyncio.get_running_loop()
    idling = asyncio.Event()
    handled = asyncio.Event()
    events: list[IntakeEvent] = []

    def on_event(event: IntakeEvent) -> None:
        events.append(event)
        if event.kind is EventKind.IDLING:
            loop.call_soon_threadsafe(idling.set)

    def handler(raw: bytes) -> Disposition:
        loop.call_soon_threadsafe(handled.set)
        return Disposition.PROCESSED

    # Hour-long poll and IDLE renewal: only IDLE itself can wake the loop within the test.
    settings = mailboxes.imap_settings(poll_seconds=3600, idle_renew_seconds=3600)
    stop = asyncio.Event()
    task = asyncio.create_task(run_imap_intake(settings, handler, stop, on_event=on_event))
    try:
        await asyncio.wait_for(idling.wait(), timeout=10)
        await asyncio.to_thread(mailboxes.deliver, raw_message(1), INTAKE)
        await asyncio.wait_for(handled.wait(), timeout=10)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    kinds = [event.kind for event in events]
    assert EventKind.WOKEN in kinds
    assert kinds[-1] is EventKind.STOPPED
    assert await asyncio.to_thread(mailboxes.count, INTAKE, "Verwerkt") == 1


def test_idle_is_renewed_without_reconnecting(mailboxes: MailServers) -> None:
    events: list[IntakeEvent] = []
    renewed = threading.Event()

    def on_event(event: IntakeEvent) -> None:
        events.append(event)
        if [e.kind for e in events].count(EventKind.IDLING) >= 3:
            renewed.set()

    settings = mailboxes.imap_settings(idle_renew_seconds=0.2, poll_seconds=3600)
    with intake_thread(ImapIntake(settings, Recorder(), on_event=on_event)):
        assert renewed.wait(10)
    kinds = [e.kind for e in events]
    assert kinds.count(EventKind.CONNECTED) == 1
    assert EventKind.DISCONNECTED not in kinds


def test_polling_picks_up_mail_when_idle_is_not_used(mailboxes: MailServers) -> None:
    scanned = threading.Event()
    handler = Recorder()
    intake = ImapIntake(
        mailboxes.imap_settings(use_idle=False, poll_seconds=0.1),
        handler,
        on_event=lambda e: scanned.set() if e.kind is EventKind.SCANNED else None,
    )
    with intake_thread(intake):
        assert scanned.wait(10)
        mailboxes.deliver(raw_message(7), INTAKE)
        assert handler.called.wait(15)
    assert handler.seen == ["<msg-7@gent.example.test>"]


def test_uidvalidity_change_is_noticed_and_the_folder_rescanned(mailboxes: MailServers) -> None:
    folder = "Aanmeldingen"
    with mailboxes.imap(INTAKE) as client:
        client.create_folder(folder)
    mailboxes.append(INTAKE, [raw_message(1)], folder)
    events: list[IntakeEvent] = []
    handler = Recorder()
    intake = ImapIntake(mailboxes.imap_settings(inbox=folder), handler, on_event=events.append)
    assert intake.drain() == 1
    with mailboxes.imap(INTAKE) as client:
        before = client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
        client.delete_folder(folder)
        client.create_folder(folder)
        assert client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"] != before
    mailboxes.append(INTAKE, [raw_message(2)], folder)
    assert intake.drain() == 1
    assert [e.kind for e in events] == [EventKind.UIDVALIDITY_CHANGED]
    assert handler.seen == ["<msg-1@gent.example.test>", "<msg-2@gent.example.test>"]


def test_a_flood_of_500_messages_is_drained(mailboxes: MailServers) -> None:
    sent = [raw_message(n) for n in range(500)]
    mailboxes.append(INTAKE, sent)
    handler = Recorder()
    started = time.monotonic()
    assert drain_once(mailboxes.imap_settings(), handler) == 500
    elapsed = time.monotonic() - started
    assert sorted(handler.seen) == sorted(message_id(raw) for raw in sent)
    assert mailboxes.count(INTAKE) == 0
    assert mailboxes.count(INTAKE, "Verwerkt") == 500
    assert elapsed < 30, f"500 messages took {elapsed:.1f} s"


def test_connection_dropped_while_idling_is_reestablished(mailboxes: MailServers) -> None:
    events: list[IntakeEvent] = []
    idling = threading.Semaphore(0)

    def on_event(event: IntakeEvent) -> None:
        events.append(event)
        if event.kind is EventKind.IDLING:
            idling.release()

    handler = Recorder()
    intake = ImapIntake(
        mailboxes.imap_settings(poll_seconds=3600, idle_renew_seconds=3600),
        handler,
        backoff=Backoff(initial=0.05, maximum=0.2),
        on_event=on_event,
    )
    with intake_thread(intake):
        assert idling.acquire(timeout=10)
        mailboxes.kick_imap(INTAKE)
        assert idling.acquire(timeout=10), "no IDLE again after the drop"
        mailboxes.deliver(raw_message(3), INTAKE)
        assert handler.called.wait(10)
    assert [e.kind for e in events].count(EventKind.CONNECTED) == 2
    assert handler.seen == ["<msg-3@gent.example.test>"]


# -- connection drops inside a batch (a scripted SMTP server: OpenSMTPD can't be told when) --


class ScriptedSmtp:
    """Just enough SMTP; drops the connection at the MAIL or after the DATA of message n.

    With starttls (a server-side SSL context) it offers STARTTLS and upgrades on request.
    """

    def __init__(
        self,
        drop_at_mail: int = 0,
        drop_after_data: int = 0,
        starttls: ssl.SSLContext | None = None,
    ) -> None:
        self.drop_at_mail = drop_at_mail
        self.drop_after_data = drop_after_data
        self.starttls = starttls
        self.upgraded = False
        self.mails = 0
        self.connections = 0
        self.accepted: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.write(b"220 stub ESMTP\r\n")
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                offer = b"250-STARTTLS\r\n" if self.starttls and not self.upgraded else b""
                writer.write(b"250-stub\r\n" + offer + b"250 8BITMIME\r\n")
            elif verb == b"STAR" and self.starttls is not None:
                writer.write(b"220 go ahead\r\n")
                await writer.drain()
                await writer.start_tls(self.starttls)
                self.upgraded = True
                continue
            elif verb == b"MAIL":
                self.mails += 1
                if self.mails == self.drop_at_mail:
                    break
                writer.write(b"250 ok\r\n")
            elif verb == b"RCPT":
                busy = b"busy@" in line
                writer.write(b"451 4.3.0 try again later\r\n" if busy else b"250 ok\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go on\r\n")
                await writer.drain()
                body = await reader.readuntil(b"\r\n.\r\n")
                if self.mails == self.drop_after_data:
                    break
                self.accepted.append(body)
                writer.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


async def _send_through(
    stub: ScriptedSmtp,
    messages: list[EmailMessage],
    tls: Literal["none", "starttls", "ssl"] = "none",
    server_tls: ssl.SSLContext | None = None,
    client_tls: ssl.SSLContext | None = None,
) -> list[SendResult]:
    server = await asyncio.start_server(stub.serve, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    settings = SmtpSettings("127.0.0.1", port, None, None, tls, 5.0, "client.test")
    try:
        return await SmtpTransport(settings, tls_context=client_tls).send(messages)
    finally:
        server.close()
        await server.wait_closed()


async def test_dropped_before_data_is_retried_once_on_a_new_connection() -> None:
    stub = ScriptedSmtp(drop_at_mail=2)
    results = await _send_through(stub, [email_message(n, to=AN) for n in range(3)])
    assert [r.status for r in results] == [SendStatus.SENT] * 3
    assert stub.connections == 2
    assert len(stub.accepted) == 3


async def test_dropped_after_data_is_temporary_and_not_resent_at_once() -> None:
    stub = ScriptedSmtp(drop_after_data=2)
    results = await _send_through(stub, [email_message(n, to=AN) for n in range(3)])
    # The server may have kept message 2: only the outbox's later retry may send it again.
    assert [r.status for r in results] == [
        SendStatus.SENT,
        SendStatus.TEMPORARY_FAILURE,
        SendStatus.SENT,
    ]
    assert [r.maybe_delivered for r in results] == [False, True, False]
    assert stub.connections == 2


async def test_4xx_recipient_is_temporary() -> None:
    stub = ScriptedSmtp()
    [result] = await _send_through(stub, [email_message(1, to="busy@gent.example.test")])
    assert result.status is SendStatus.TEMPORARY_FAILURE
    assert (result.code, result.text) == (451, "4.3.0 try again later")


@pytest.fixture(scope="module")
def tls_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting exactly that server)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    make_certificate(cert, key)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


async def test_smtp_starttls_upgrades_before_sending(
    tls_pair: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server, client = tls_pair
    stub = ScriptedSmtp(starttls=server)
    [result] = await _send_through(stub, [email_message(1)], "starttls", client_tls=client)
    assert result.status is SendStatus.SENT
    assert stub.upgraded and len(stub.accepted) == 1


async def test_smtp_implicit_tls(tls_pair: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server, client = tls_pair
    stub = ScriptedSmtp()
    [result] = await _send_through(stub, [email_message(1)], "ssl", server, client)
    assert result.status is SendStatus.SENT
    assert len(stub.accepted) == 1


async def test_smtp_tls_with_an_untrusted_certificate_is_temporary(
    tls_pair: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server, _ = tls_pair  # the client keeps the system's CAs, which never signed this one
    [result] = await _send_through(ScriptedSmtp(), [email_message(1)], "ssl", server)
    assert result.status is SendStatus.TEMPORARY_FAILURE
    assert "CERTIFICATE_VERIFY_FAILED" in result.text


async def test_smtp_without_tls_does_not_upgrade_on_its_own(
    tls_pair: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    stub = ScriptedSmtp(starttls=tls_pair[0])
    [result] = await _send_through(stub, [email_message(1)], "none")
    assert result.status is SendStatus.SENT
    assert not stub.upgraded
