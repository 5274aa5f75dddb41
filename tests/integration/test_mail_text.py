"""What an official writes back and what the intake answers, on real databases: only what the
assignment and the contact need is required, and every reply says what happened."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from app.bootstrap import App
from core.model import Contact
from mail.pipeline import IntakeSettings, MailIntake
from mail.render import Renderer, Sender

INTAKE = "intake@vlaio.test"
AN = "an.peeters@gent.example.be"


@pytest.fixture
def intake(app: App) -> MailIntake:
    return MailIntake(app.env, IntakeSettings(INTAKE), app.transaction)


def invite_an(app: App, name: str = "An Peeters") -> None:
    contact = Contact("44021", name, AN, invited=True, token=None)
    app.transaction(lambda uow: uow.contacts.add(contact))


def mail_from(
    body: str, sender: str = f"An Peeters <{AN}>", subject: str = "Inschrijving"
) -> bytes:
    return (
        f"From: {sender}\r\nTo: {INTAKE}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{abs(hash(body))}@gent.example.be>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body.replace("\n", "\r\n")
    ).encode()


def outbox(app: App) -> list[Any]:
    with app.uow() as uow:
        return sorted(uow.outbox.list(), key=lambda m: m.id)


def built(app: App, message: Any, bot: bool = False) -> EmailMessage:
    renderer = Renderer(app.env.themes, Sender(INTAKE, "VLAIO"), "VlaioBot", bot_enabled=bot)
    return renderer.build(message, app.env.clock.now())


def text_of(email: EmailMessage) -> str:
    body = email.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_complete_reply_without_a_job_title_is_accepted(app: App, intake: MailIntake) -> None:
    invite_an(app)
    result = intake.process(
        mail_from(
            "Gemeente: Gent\nContactpersoon: An Peeters\nE-mail: an.peeters@gent.example.be\n"
            "Voorkeur 1: 9\nVoorkeur 2: 11\nVoorkeur 3: 3\n\nMet vriendelijke groeten,\nAn\n"
        )
    )
    assert result.outcome == "accepted", result.errors


def test_the_from_display_name_is_the_contact_when_the_template_has_none(
    app: App, intake: MailIntake
) -> None:
    invite_an(app, name="")
    result = intake.process(
        mail_from(
            "Gemeente: Gent\nVoorkeur 1: 9\nVoorkeur 2: 11\nVoorkeur 3: 3\n",
            sender=f'"Peeters, An" <{AN}>',
        )
    )
    assert result.outcome == "accepted", result.errors
    with app.uow() as uow:
        [contact] = uow.contacts.by_email(AN)
    assert contact.name == "Peeters, An"
