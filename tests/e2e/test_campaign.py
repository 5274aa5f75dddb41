"""A whole campaign over real mail servers, with the clock moved instead of waited for:
invitations, a registration typed into the quoted invitation, a reminder and a late
registration, staff entries, the deadline and its dry run, publication, and the confirmations
with their calendar invitations in the officials' own mailboxes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import App, bootstrap
from app.config import Settings
from app.jobs import deadline_job, reminders_job
from app.mailing import drain_intake_once, email_sender
from core.clock import FixedClock
from core.invitations import import_invitations, parse_csv, send_invitations
from core.model import Actor, ActorKind, Channel, OutboxStatus
from core.usecases.assign import AssignOptions, publish
from core.usecases.submit import Identity
from tests.bot_harness import config_for, register_by_link, running_bot
from tests.mail_fixtures import wired_to
from tests.mailserver import MailServers
from tests.submitting import staff_submit
from tests.telegram_standin import Limits, TelegramStandIn

pytestmark = pytest.mark.mailserver
INTAKE = "intake@vlaio.test"
AN = "an.peeters@gent.example.test"
JAN = "jan.janssens@brugge.example.test"
STAFF = Actor(ActorKind.STAFF, Channel.CLI, name="els")
OTHERS = ["Antwerpen", "Mechelen", "Aalst", "Kortrijk", "Hasselt"]


def mails(servers: MailServers, address: str, n: int) -> list[EmailMessage]:
    return [
        message_from_bytes(raw, policy=policy.default)
        for raw in servers.wait_for_messages(address, n)
    ]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def reply_into_quote(invitation: EmailMessage, sender: str, values: dict[str, str]) -> bytes:
    quoted = []
    for line in text_of(invitation).splitlines():
        label = line.split(":", 1)[0]
        quoted.append(
            f"> {label}: {values[label]}" if label in values and line.endswith(":") else f"> {line}"
        )
    return (
        f"From: <{sender}>\r\nTo: {INTAKE}\r\nSubject: RE: {invitation['Subject']}\r\n"
        f"Message-ID: <reply-{sender}>\r\nIn-Reply-To: {invitation['Message-ID']}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nIngevuld, zie hieronder.\r\n\r\n"
        + "\r\n".join(quoted)
        + "\r\n"
    ).encode()


async def send_all(app: App) -> int:
    return await email_sender(app).drain()


@pytest.fixture
def campaign(
    mailboxes: MailServers,
    db_settings: Settings,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Any:
    monkeypatch.setenv("LEERTRAJECT_IMAP_PASSWORD", mailboxes.users[INTAKE])
    settings = wired_to(db_settings, mailboxes)
    assignment = settings.assignment.model_copy(
        update={
            "staff_email": INTAKE,
            "report_dir": tmp_path / "reports",
        }
    )
    app = bootstrap(settings.model_copy(update={"assignment": assignment}), clock=clock)
    yield app
    app.close()


@pytest.fixture
def telegram() -> Iterator[TelegramStandIn]:
    with TelegramStandIn(limits=Limits.relaxed()) as server:
        yield server


async def test_a_whole_campaign(
    campaign: App, mailboxes: MailServers, clock: FixedClock, telegram: TelegramStandIn
) -> None:
    standin = telegram
    app = campaign
    csv = (
        f"gemeente;naam;e-mail\nGent;An Peeters;{AN}\nBrugge;Jan Janssens;{JAN}\n"
        "Leuven;Lies Wouters;lies@leuven.example.test\n"
    )
    rows = parse_csv(csv, app.env.form_context).rows
    app.transaction(lambda uow: import_invitations(uow, app.env, rows, STAFF))
    app.transaction(lambda uow: send_invitations(uow, app.env, STAFF))
    assert await send_all(app) == 2  # Leuven's address is refused (550): failed, for staff
    [invitation] = mails(mailboxes, AN, 1)
    assert "Voorkeur 1:" in text_of(invitation)

    # Gent answers by typing into the quoted invitation.
    answer = {
        "Contactpersoon": "An Peeters",
        "Functie": "Centrummanager",
        "Voorkeur 1": "9",
        "Voorkeur 2": "3",
        "Voorkeur 3": "1",
    }
    mailboxes.deliver(reply_into_quote(invitation, AN, answer), INTAKE, sender=AN)
    mailboxes.wait_for_messages(INTAKE, 1)
    assert drain_intake_once(app) == 1
    assert await send_all(app) == 1
    confirmation = mails(mailboxes, AN, 2)[-1]
    assert "Inschrijving ontvangen" in str(confirmation["Subject"])

    # Seven days before the deadline Brugge is reminded, and registers.
    clock.set(app.env.campaign.deadline - timedelta(days=7, minutes=-1))
    reminders_job(app)
    assert await send_all(app) == 1
    reminder = mails(mailboxes, JAN, 2)[-1]
    assert "Herinnering" in str(reminder["Subject"])
    late = {
        "Contactpersoon": "Jan Janssens",
        "Functie": "Schepen",
        "Voorkeur 1": "9",
        "Voorkeur 2": "1",
        "Voorkeur 3": "3",
    }
    mailboxes.deliver(reply_into_quote(reminder, JAN, late), INTAKE, sender=JAN)
    mailboxes.wait_for_messages(INTAKE, 1)
    drain_intake_once(app)
    await send_all(app)

    # Leuven registers in the Telegram chat, through the link in its invitation.
    with app.uow() as uow:
        [lies] = uow.contacts.by_email("lies@leuven.example.test")
    assert lies.token is not None
    async with running_bot(app, standin, config=config_for(app, standin)) as bot:
        official = standin.user(first_name="Lies", language_code="nl")
        done = await register_by_link(official, lies.token, ("t:09", "t:01", "t:03"))
        assert "LT-" in (done.text or "")

        # Staff enter five more that came by phone.
        for city in OTHERS:
            raw = {
                "municipality": city,
                "contact_name": "Contact",
                "contact_function": "Schepen",
                "contact_email": f"info@{city.lower()}.example.test",
                "preferences": "9, 3, 1",
            }
            staff_submit(app, raw, Identity(Channel.CLI, staff="els"))

        # The deadline passes while nobody watches: one dry run, and staff are mailed.
        clock.set(app.env.campaign.deadline + timedelta(hours=3))
        run_id = deadline_job(app, "instance-1")
        assert run_id is not None and deadline_job(app, "instance-2") is None
        with app.uow() as uow:
            run = uow.assignments.get_run(run_id)
            assert run is not None and run.status == "optimal"
            assert uow.assignments.published_run() is None

        told = app.transaction(lambda uow: publish(uow, app.env, run, STAFF, AssignOptions()))
        assert told == 8 + 1  # eight contacts by e-mail, and Lies in the chat too
        await send_all(app)  # the staff report and the confirmations; phone contacts bounce
        await bot.sender.drain()
        in_chat = await official.areply(lambda m: "groep" in (m.text or "").lower(), timeout=10)
        assert "9" in (in_chat.text or "")

    for address, municipality in ((AN, "Brugge"), (JAN, "Gent")):
        final = mails(mailboxes, address, 3)[-1]
        assert "thema 9" in str(final["Subject"]).lower()
        assert municipality in text_of(final), "the other municipalities of the group are named"
        [ics] = [p for p in final.iter_attachments() if p.get_content_type() == "text/calendar"]
        calendar = ics.get_content()
        assert "BEGIN:VEVENT" in calendar and "DTSTART" in calendar
    with app.uow() as uow:
        failed = uow.outbox.list(OutboxStatus.FAILED)
    assert {m.recipient.split("@")[1] for m in failed} <= {
        f"{c.lower()}.example.test" for c in [*OTHERS, "Leuven"]
    }
