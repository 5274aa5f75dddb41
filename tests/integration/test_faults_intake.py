"""Mail that arrives while the database is down stays in the inbox until its outcome can be
recorded: real PostgreSQL (turned away, then back), the real Maildir and real Dovecot."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from app.bootstrap import App
from app.mailing import intake, intake_batch, intake_handler
from core.model import Channel
from mail.imap import ImapIntake
from mail.intake import Backoff, RetryGate
from mail.maildir import drain_maildir_once
from tests.mail_messages import INTAKE, raw_message
from tests.mailserver import MailServers
from tests.pg_faults import FaultyDatabase, faulty, faulty_app

pytestmark = pytest.mark.postgres
__all__ = ["faulty", "faulty_app"]


class Ticks:
    """A monotonic clock the test moves by hand (the gate's pauses pass without sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def recorded(app: App) -> dict[str, str]:
    with app.uow() as uow:
        keys = [f"<msg-{n}@gent.example.test>" for n in range(10)]
        found = {key: uow.inbound.get(Channel.EMAIL, key) for key in keys}
    return {key: record.outcome for key, record in found.items() if record is not None}


def names(folder: Path) -> list[str]:
    return sorted(p.name for sub in ("new", "cur") for p in (folder / sub).iterdir())


def test_maildir_mail_waits_in_the_inbox_while_the_database_is_down(
    faulty_app: App, faulty: FaultyDatabase, tmp_path: Path
) -> None:
    root = tmp_path / "inbox"
    box = mailbox.Maildir(root, factory=None, create=True)
    for n in range(3):
        box.add(raw_message(n))
    handler = intake(faulty_app).handle
    ticks = Ticks()
    gate = RetryGate(Backoff(initial=5.0, maximum=60.0, jitter=0.0), clock=ticks)

    faulty.refuse()
    assert drain_maildir_once(root, handler, settle_seconds=0, gate=gate) == 0
    assert len(names(root)) == 3, "nothing recorded, so nothing leaves the inbox"
    assert names(root / ".Mislukt") == [], "the failed folder holds only recorded failures"
    assert gate.failures == 1 and gate.wait_seconds() == 5.0
    ticks.now += 5.0
    assert drain_maildir_once(root, handler, settle_seconds=0, gate=gate) == 0
    assert gate.wait_seconds() == 10.0, "the pause doubles while the fault lasts"

    faulty.admit()
    assert drain_maildir_once(root, handler, settle_seconds=0, gate=gate) == 0, "still waiting"
    ticks.now += 10.0
    assert drain_maildir_once(root, handler, settle_seconds=0, gate=gate) == 3
    assert names(root) == [] and len(names(root / ".Verwerkt")) == 3
    assert names(root / ".Mislukt") == []
    assert recorded(faulty_app) == {f"<msg-{n}@gent.example.test>": "rejected" for n in range(3)}
    with faulty_app.uow() as uow:
        answers = [m for m in uow.outbox.list() if m.recipient == "an.peeters@gent.example.test"]
    assert len(answers) == 1, "one short answer per sender and day, sent once"


@pytest.mark.mailserver
def test_imap_mail_stays_unmoved_and_unflagged_while_the_database_is_down(
    faulty_app: App, faulty: FaultyDatabase, mailboxes: MailServers
) -> None:
    mailboxes.append(INTAKE, [raw_message(n) for n in range(3)])
    ticks = Ticks()
    gate = RetryGate(Backoff(initial=5.0, jitter=0.0), clock=ticks)
    reader = ImapIntake(mailboxes.imap_settings(), intake(faulty_app).handle, gate=gate)

    faulty.refuse()
    assert reader.drain() == 0
    inbox = mailboxes.fetch_with_flags(INTAKE)
    assert len(inbox) == 3 and all(flags == () for _, flags in inbox), inbox
    assert mailboxes.count(INTAKE, "Mislukt") == 0
    assert gate.failures == 1

    faulty.admit()
    assert reader.drain() == 3
    assert mailboxes.count(INTAKE) == 0 and mailboxes.count(INTAKE, "Verwerkt") == 3
    assert mailboxes.count(INTAKE, "Mislukt") == 0
    assert recorded(faulty_app) == {f"<msg-{n}@gent.example.test>": "rejected" for n in range(3)}


@pytest.mark.mailserver
def test_the_service_batch_leaves_imap_mail_unmoved_while_the_database_is_down(
    faulty_app: App, faulty: FaultyDatabase, mailboxes: MailServers
) -> None:
    """The service handles a fetched batch in one transaction; nothing is filed before it
    is committed, and a message already recorded is filed without being handled again."""
    mailboxes.append(INTAKE, [raw_message(n) for n in range(4)])
    intake(faulty_app).process(raw_message(0))  # recorded earlier, say before a crash
    ticks = Ticks()
    gate = RetryGate(Backoff(initial=5.0, jitter=0.0), clock=ticks)
    handler, batch = intake_handler(faulty_app), intake_batch(faulty_app)
    reader = ImapIntake(mailboxes.imap_settings(), handler, gate=gate, batch=batch)

    faulty.refuse()
    assert reader.drain() == 0
    inbox = mailboxes.fetch_with_flags(INTAKE)
    assert len(inbox) == 4 and all(flags == () for _, flags in inbox), inbox
    assert gate.failures == 1

    faulty.admit()
    ticks.now += 10
    assert reader.drain() == 4
    assert mailboxes.count(INTAKE) == 0 and mailboxes.count(INTAKE, "Verwerkt") == 4
    assert recorded(faulty_app) == {f"<msg-{n}@gent.example.test>": "rejected" for n in range(4)}
