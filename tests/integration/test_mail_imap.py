"""IMAP intake against real Dovecot on loopback: filing, IDLE, reconnects, floods.

Waits are bounded waits on conditions; nothing synchronises by sleeping.
"""

from __future__ import annotations

import asyncio
import imaplib
import re
import threading
from typing import Any

import pytest

from mail.imap import EventKind, ImapIntake, IntakeEvent, drain_once, run_imap_intake
from mail.intake import Backoff, Disposition
from tests.mail_messages import (
    FOLDERS,
    INTAKE,
    Recorder,
    intake_thread,
    message_id,
    raw_message,
)
from tests.mailserver import MailServers
from tests.mailserver_util import wait_until

pytestmark = pytest.mark.mailserver


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

    for n, subject in enumerate(["Inschrijving", "Afwezig", "Kapot"]):
        mailboxes.deliver(raw_message(n, subject), INTAKE)
    mailboxes.wait_for_messages(INTAKE, 3)
    mailboxes.deliver(raw_message(3, "Crash"), INTAKE)  # last: a pass stops at a crash
    mailboxes.wait_for_messages(INTAKE, 4)

    handler = Recorder(decide)
    assert drain_once(mailboxes.imap_settings(), handler) == 3

    assert sorted(handler.seen) == [f"<msg-{n}@gent.example.test>" for n in range(4)]
    # The handler raised on msg-3: nothing was recorded, so it stays in the inbox, unflagged.
    [(left, left_flags)] = mailboxes.fetch_with_flags(INTAKE)
    assert message_id(left) == "<msg-3@gent.example.test>" and b"\\Seen" not in left_flags
    filed = {folder: mailboxes.fetch_with_flags(INTAKE, folder) for folder in FOLDERS}
    assert [message_id(raw) for raw, _ in filed["Verwerkt"]] == ["<msg-0@gent.example.test>"]
    assert [message_id(raw) for raw, _ in filed["Genegeerd"]] == ["<msg-1@gent.example.test>"]
    assert [message_id(raw) for raw, _ in filed["Mislukt"]] == ["<msg-2@gent.example.test>"]
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
    # How fast: benchmarks/mail_intake.py (wall-clock limits do not belong in tests).
    assert drain_once(mailboxes.imap_settings(), handler) == 500
    assert sorted(handler.seen) == sorted(message_id(raw) for raw in sent)
    assert mailboxes.count(INTAKE) == 0
    assert mailboxes.count(INTAKE, "Verwerkt") == 500


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
