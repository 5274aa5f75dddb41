"""The mail servers fail under the service: Dovecot restarted while the intake IDLEs and while
it fetches, SMTP answering 4xx, then down, then back. Real Dovecot and OpenSMTPD (started for
this module, with a mailbox per sender so every answer is really delivered), real SQLite,
the service's own handler and sender; the SMTP faults come from a proxy in front of OpenSMTPD
(tests/faults/fault_proxy.py)."""

from __future__ import annotations

import asyncio
import imaplib
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.bootstrap import App, bootstrap
from app.config import Settings
from app.mailing import email_sender, intake_handler
from core.clock import FixedClock
from core.model import Channel
from mail.imap import EventKind, ImapIntake, IntakeEvent
from mail.intake import Backoff, Disposition
from tests.faults.fault_audit import INTAKE, Figures, assert_clean, audit, registration, sender
from tests.faults.fault_proxy import FaultProxy
from tests.mail_fixtures import wired_to
from tests.mail_messages import intake_thread
from tests.mailserver import MailServers
from tests.mailserver_util import wait_until

pytestmark = pytest.mark.mailserver
SENDERS = 40


@pytest.fixture(scope="module")
def servers() -> Iterator[MailServers]:
    users = [(INTAKE, "intake-secret")] + [(sender(n), "pw") for n in range(SENDERS)]
    with MailServers(users) as started:
        yield started


@pytest.fixture
def wired(
    servers: MailServers,
    base_settings: Settings,
    tmp_path: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[App]:
    servers.reset()
    monkeypatch.setenv("LEERTRAJECT_IMAP_PASSWORD", servers.users[INTAKE])
    url = f"sqlite:///{tmp_path / 'leertraject.db'}"
    settings = wired_to(base_settings, servers)
    settings = settings.model_copy(
        update={"database": settings.database.model_copy(update={"url": url})}
    )
    app = bootstrap(settings, clock=clock, migrate=True)
    yield app
    app.close()


def filed(servers: MailServers, at_least: int) -> bool:
    """Whether the processed folder holds at_least messages; False while Dovecot restarts."""
    try:
        return servers.count(INTAKE, "Verwerkt") >= at_least
    except (OSError, imaplib.IMAP4.error):
        return False


def outcomes(app: App) -> int:
    with app.uow() as uow:
        keys = [f"<fault-{n}@gemeente.example.test>" for n in range(SENDERS)]
        return sum(uow.inbound.get(Channel.EMAIL, k) is not None for k in keys)


def test_dovecot_restarted_mid_fetch_and_mid_idle_loses_and_repeats_nothing(
    servers: MailServers, wired: App
) -> None:
    figures = Figures("Dovecot restarted mid-fetch and mid-IDLE")
    handle = intake_handler(wired)
    handled = 0
    idling = threading.Event()

    def restart_mid_fetch(raw: bytes) -> Disposition:
        nonlocal handled
        handled += 1
        if handled == 7:  # recorded below, but the move after it cannot happen
            servers.restart_imap()
            figures.faults += 1
        return handle(raw)

    def seen(event: IntakeEvent) -> None:
        if event.kind is EventKind.IDLING:
            idling.set()

    reader = ImapIntake(
        servers.imap_settings(batch_size=5),
        restart_mid_fetch,
        backoff=Backoff(initial=0.05, maximum=0.2),
        on_event=seen,
    )
    first, second = range(SENDERS // 2), range(SENDERS // 2, SENDERS)
    servers.append(INTAKE, [registration(n) for n in first])
    with intake_thread(reader):
        wait_until(lambda: filed(servers, len(first)), 60, "the first half filed")
        idling.clear()
        wait_until(idling.is_set, 30, "the intake in IDLE")
        servers.restart_imap()  # mid-IDLE: the connection is cut under it
        figures.faults += 1
        servers.append(INTAKE, [registration(n) for n in second])
        wait_until(lambda: filed(servers, SENDERS), 60, "every message filed")
    assert servers.count(INTAKE) == 0 and servers.count(INTAKE, "Mislukt") == 0
    assert outcomes(wired) == SENDERS
    audit(wired, figures, SENDERS)
    assert_clean(figures)


def test_smtp_answering_4xx_then_down_then_back_delivers_every_answer_once(
    servers: MailServers, wired: App, clock: FixedClock
) -> None:
    figures = Figures("SMTP 4xx, then down, then back")
    handle = intake_handler(wired)
    for n in range(SENDERS):
        assert handle(registration(n)) is Disposition.PROCESSED
    with FaultProxy(servers.smtp_port) as proxy:
        smtp = wired.settings.mail.smtp.model_copy(update={"port": proxy.port})
        mail = wired.settings.mail.model_copy(update={"smtp": smtp})
        sending = bootstrap(wired.settings.model_copy(update={"mail": mail}), clock=clock)

        def send() -> int:
            return asyncio.run(email_sender(sending).drain())

        proxy.set_mode("tempfail")
        assert send() == 0 and proxy.tempfails >= 1
        clock.set(clock.now() + timedelta(minutes=1))
        proxy.set_mode("down")
        assert send() == 0
        with wired.uow() as uow:
            waiting = uow.outbox.list(limit=10_000)
        assert {(m.status, m.attempts) for m in waiting} == {("queued", 2)}, "kept to retry"
        clock.set(clock.now() + timedelta(minutes=5))
        proxy.set_mode("forward")
        assert send() == SENDERS
        figures.faults += 2
        assert send() == 0, "nothing left to send"
        sending.close()
    for n in range(SENDERS):
        servers.wait_for_messages(sender(n), 1)
    assert all(servers.count(sender(n)) == 1 for n in range(SENDERS)), "one answer each"
    audit(wired, figures, SENDERS)
    assert_clean(figures)
