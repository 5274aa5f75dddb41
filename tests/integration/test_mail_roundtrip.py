"""The e-mail channel end to end over real servers on loopback: an official's message goes
over SMTP into the intake mailbox, the service reads it over IMAP, and the confirmation is
sent over SMTP into the official's own IMAP mailbox."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from app.bootstrap import App, bootstrap
from app.config import Settings
from app.mailing import drain_intake_once, email_sender
from core.clock import FixedClock
from core.model import Contact, OutboxStatus
from tests.mail_fixtures import wired_to
from tests.mailserver import MailServers

pytestmark = pytest.mark.mailserver
INTAKE = "intake@vlaio.test"
AN = "an.peeters@gent.example.test"
CORPUS = Path(__file__).parent.parent / "corpus" / "mail"
# Nothing on loopback authenticates the sender (no DKIM, no Authentication-Results of ours):
# the official proves who they are with the personal token of the invitation they answer.
TOKEN = "Tok3nOfAnPeetersInGent"


@pytest.fixture
def service(
    mailboxes: MailServers,
    db_settings: Settings,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[App]:
    monkeypatch.setenv("LEERTRAJECT_IMAP_PASSWORD", mailboxes.users[INTAKE])
    app = bootstrap(wired_to(db_settings, mailboxes), clock=clock)
    yield app
    app.close()


def official_message() -> bytes:
    raw = (CORPUS / "nl_clean_template.eml").read_bytes()
    raw = raw.replace(b"an.peeters@gent.example.be", AN.encode())
    return raw.replace(b"leertrajecten@vlaio.be", INTAKE.encode()) + f"\r\n{TOKEN}\r\n".encode()


def test_a_registration_by_mail_is_confirmed_in_the_officials_mailbox(
    service: App, mailboxes: MailServers
) -> None:
    service.transaction(
        lambda uow: uow.contacts.add(Contact("44021", "An Peeters", AN, invited=True, token=TOKEN))
    )
    mailboxes.deliver(official_message(), INTAKE, sender=AN)
    mailboxes.wait_for_messages(INTAKE, 1)

    assert drain_intake_once(service) == 1
    assert mailboxes.count(INTAKE, "Verwerkt") == 1 and mailboxes.count(INTAKE) == 0
    assert asyncio.run(email_sender(service).drain()) == 1

    [raw] = mailboxes.wait_for_messages(AN, 1)
    reply = message_from_bytes(raw, policy=policy.default)
    assert reply["In-Reply-To"] == message_from_bytes(official_message())["Message-ID"]
    assert reply["Auto-Submitted"] == "auto-replied"
    body = reply.get_body(("plain",))
    assert body is not None and "Leegstand aanpakken" in body.get_content()
    with service.uow() as uow:
        registration = uow.registrations.get("44021")
        [sent] = uow.outbox.list(OutboxStatus.SENT)
    assert registration is not None and registration.reference in str(reply["Subject"])
    assert sent.external_id == reply["Message-ID"]


def test_the_same_message_delivered_twice_is_answered_once(
    service: App, mailboxes: MailServers
) -> None:
    service.transaction(
        lambda uow: uow.contacts.add(Contact("44021", "An Peeters", AN, invited=True, token=TOKEN))
    )
    mailboxes.deliver(official_message(), INTAKE, sender=AN)
    mailboxes.deliver(official_message(), INTAKE, sender=AN)
    mailboxes.wait_for_messages(INTAKE, 2)
    assert drain_intake_once(service) == 2
    assert asyncio.run(email_sender(service).drain()) == 1, "one reply leaves the outbox"
    assert len(mailboxes.wait_for_messages(AN, 1)) == 1
    assert mailboxes.count(INTAKE, "Verwerkt") == 2
