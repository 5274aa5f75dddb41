"""What an official writes back and what the intake answers, on real databases: only what the
assignment and the contact need is required, and every reply says what happened."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest

from app.bootstrap import App
from core.model import ActorKind, Contact
from mail.pipeline import IntakeSettings, MailIntake
from mail.render import Renderer, Sender

INTAKE = "intake@vlaio.test"
AN = "an.peeters@gent.example.be"
OURS = "mx.vlaio.test"  # our server vouches for the invited contact's messages below


@pytest.fixture
def intake(app: App) -> MailIntake:
    return MailIntake(app.env, IntakeSettings(INTAKE, trusted_authserv_id=OURS), app.transaction)


def invite_an(app: App, name: str = "An Peeters") -> None:
    contact = Contact("44021", name, AN, invited=True, token=None)
    app.transaction(lambda uow: uow.contacts.add(contact))


def mail_from(
    body: str, sender: str = f"An Peeters <{AN}>", subject: str = "Inschrijving"
) -> bytes:
    return (
        f"Authentication-Results: {OURS}; dmarc=pass header.from=gent.example.be\r\n"
        f"From: {sender}\r\nTo: {INTAKE}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{abs(hash(body))}@gent.example.be>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body.replace("\n", "\r\n")
    ).encode()


def outbox(app: App) -> list[Any]:
    with app.uow() as uow:
        return sorted(uow.outbox.list(), key=lambda m: m.id)


def built(app: App, message: Any) -> EmailMessage:
    renderer = Renderer(app.env.themes, Sender(INTAKE, "VLAIO"), "VlaioBot")
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


def rejection(app: App, intake: MailIntake, raw: bytes) -> tuple[str, str]:
    result = intake.process(raw)
    assert result.outcome == "rejected", result
    reply = [m for m in outbox(app) if m.kind == "mail.rejected"][-1]
    email = built(app, reply)
    return str(email["Subject"]), text_of(email)


def test_the_invitation_offers_every_preference_line_and_fills_in_what_is_known(
    app: App,
) -> None:
    from core.invitations import send_invitations
    from core.model import Actor, Channel

    invite_an(app)
    app.transaction(lambda uow: send_invitations(uow, app.env, Actor(ActorKind.STAFF, Channel.CLI)))
    [invitation] = outbox(app)
    from app.mailing import renderer

    text = text_of(renderer(app).build(invitation, app.env.clock.now()))
    assert "Gemeente: Gent\nContactpersoon: An Peeters\nFunctie:  (optioneel)\n" in text
    assert f"E-mail: {AN}\n" in text
    assert "Voorkeur 3:\nVoorkeur 4:  (optioneel)\nVoorkeur 5:  (optioneel)\n" in text
    assert "Kies 3 tot 5 thema's" in text


def test_a_registration_after_the_deadline_says_so_in_the_subject(
    app: App, intake: MailIntake, clock: Any
) -> None:
    from datetime import timedelta

    invite_an(app)
    clock.set(app.env.campaign.deadline + timedelta(hours=1))
    subject, text = rejection(
        app,
        intake,
        mail_from("Gemeente: Gent\nContactpersoon: An Peeters\nVoorkeuren: 9, 11, 3\n"),
    )
    assert subject == "Re: Niet ingeschreven: de inschrijvingen zijn afgesloten"
    assert "ontbreekt" not in subject
    assert "De inschrijvingen zijn afgesloten sinds" in text


def test_subjects_do_not_pile_up_across_a_thread(app: App, intake: MailIntake) -> None:
    piled = (
        "RE: Re: Uitnodiging: collectieve leertrajecten Bedrijvige Kern – Gent – "
        "Nog niet ingeschreven: er ontbreekt iets  –  Bevestig uw inschrijving"
    )
    subject, _ = rejection(app, intake, mail_from("Gemeente: Gent\n", subject=piled))
    assert subject == "Re: Nog niet ingeschreven: er ontbreekt iets"


def test_a_rejection_names_the_wrong_line_in_sentences_and_asks_about_a_guess(
    app: App, intake: MailIntake
) -> None:
    subject, text = rejection(
        app,
        intake,
        mail_from(
            "Gemeente: Gent\nContactpersoon: An Peeters\n"
            "Voorkeur 1: leegstand\nVoorkeur 2: 11\nVoorkeur 3: 14\n"
        ),
    )
    assert subject == "Re: Nog niet ingeschreven: iets klopt nog niet"
    assert "- Voorkeur 3: We kennen geen thema '14'." in text
    assert "- Voorkeur 1: 'leegstand' past bij meer dan een thema (9, 10, 11)." in text
    assert "(E-mail)" not in text and "preferences." not in text
    assert "Voorkeur 1: leegstand\nVoorkeur 2: 11\nVoorkeur 3: 14\n" in text  # to correct


def test_a_message_without_a_template_is_not_blamed_on_the_e_mail_line(
    app: App, intake: MailIntake
) -> None:
    subject, text = rejection(app, intake, mail_from("Hallo, wij doen graag mee!\n\nGroeten,\nAn"))
    assert subject == "Re: Nog niet ingeschreven: we vonden geen ingevuld sjabloon"
    assert "We vonden er geen ingevuld sjabloon in" in text
    assert "E-mail)" not in text and "(E-mail" not in text


@pytest.mark.parametrize(("bot", "mentioned"), [(False, False), (True, True)])
def test_the_code_e_mail_mentions_the_chat_only_when_the_bot_runs(
    app: App, intake: MailIntake, bot: bool, mentioned: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.mailing import renderer

    # The service starts the bot exactly when the token is set; the renderer knows the same.
    if bot:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:test-token")
    else:
        monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    result = intake.process(
        mail_from("Gemeente: Gent\nContactpersoon: Jo\nVoorkeuren: 9, 11, 3\n", sender=AN)
    )
    assert result.outcome == "needs_verification"
    [code] = outbox(app)
    text = text_of(renderer(app).build(code, app.env.clock.now()))
    assert ("/bevestig" in text) is mentioned and ("Telegram" in text) is mentioned
    assert "Antwoord op deze e-mail met de code" in text


def registered_preferences(app: App) -> tuple[int, ...]:
    with app.uow() as uow:
        registration = uow.registrations.get("44021")
    assert registration is not None
    return tuple(registration.preferences)


def test_a_preference_given_twice_changes_nothing_and_the_reply_asks_which(
    app: App, intake: MailIntake
) -> None:
    invite_an(app)
    first = intake.process(mail_from("Gemeente: Gent\nContactpersoon: An\nVoorkeuren: 9, 11, 3\n"))
    assert first.outcome == "accepted"
    subject, text = rejection(
        app,
        intake,
        mail_from(
            "Gemeente: Gent\nContactpersoon: An\nVoorkeur 1: 9\nVoorkeur 2: 11\n"
            "Voorkeur 3: 3\nVoorkeur 1: 12\n"
        ),
    )
    assert registered_preferences(app) == (9, 11, 3)
    assert subject == "Re: Nog niet ingeschreven: welke waarde bedoelt u?"
    assert "- Voorkeur 1: U gaf twee verschillende waarden: '9' en '12'. Welke bedoelt u?" in text


def test_a_correction_in_prose_on_top_of_the_template_is_asked_back(
    app: App, intake: MailIntake
) -> None:
    invite_an(app)
    intake.process(mail_from("Gemeente: Gent\nContactpersoon: An\nVoorkeuren: 9, 11, 3\n"))
    _, text = rejection(
        app,
        intake,
        mail_from(
            "Voorkeur 1 moet 3 zijn, sorry.\n\nOp 2 jun 2027 schreef An Peeters:\n"
            "> Gemeente: Gent\n> Contactpersoon: An\n> Voorkeur 1: 9\n> Voorkeur 2: 11\n"
            "> Voorkeur 3: 7\n"
        ),
    )
    assert registered_preferences(app) == (9, 11, 3)
    assert '- Voorkeur 1: U schreef "Voorkeur 1 moet 3 zijn, sorry."' in text


def corpus(name: str) -> bytes:
    from pathlib import Path

    return (Path(__file__).parents[1] / "corpus" / "mail" / name).read_bytes()


def test_a_template_in_an_attachment_we_cannot_read_is_asked_to_be_pasted(
    app: App, intake: MailIntake
) -> None:
    subject, text = rejection(app, intake, corpus("template_in_docx_attachment.eml"))
    assert subject == "Re: Nog niet ingeschreven: plak het sjabloon in uw bericht"
    assert "Het sjabloon zit in de bijlage (Sjabloon leertraject Lier.docx)" in text
    assert "Kopieer het ingevulde sjabloon in uw antwoord" in text
    assert "Voorkeur 1:\n" in text and "(E-mail" not in text


@pytest.mark.parametrize(
    ("name", "municipality", "preferences"),
    [
        ("template_in_txt_attachment.eml", "Geel", (3, 5, 8)),
        ("template_in_docx_readable.eml", "Tienen", (3, 9, 12)),
    ],
)
def test_a_template_in_a_txt_or_docx_attachment_is_read(
    app: App, intake: MailIntake, name: str, municipality: str, preferences: tuple[int, ...]
) -> None:
    result = intake.process(corpus(name))
    assert result.outcome == "needs_verification", result.errors
    found = app.env.municipalities.lookup(municipality).municipality
    assert found is not None
    with app.uow() as uow:
        registration = uow.registrations.get(found.refnis)
    assert registration is not None and tuple(registration.preferences) == preferences


def test_an_error_about_the_whole_list_names_the_list(app: App, intake: MailIntake) -> None:
    _, text = rejection(
        app, intake, mail_from("Gemeente: Gent\nContactpersoon: An\nVoorkeuren: 9, 11\n")
    )
    assert "- Voorkeuren: Kies minstens 3 verschillende thema's (nu 2)." in text


def test_a_correction_in_english_prose_is_asked_back_in_english(
    app: App, intake: MailIntake
) -> None:
    from pathlib import Path

    raw = (
        Path(__file__).parents[1] / "corpus" / "mail" / "en_correction_in_prose.eml"
    ).read_bytes()
    subject, text = rejection(app, intake, raw)
    assert subject == "Re: Not registered yet: which value do you mean?"
    assert '- Choice 2: You wrote "Preference 2 should be 8, sorry."' in text
    assert "Choice 1: 3\nChoice 2:\nChoice 3: 7\n" in text
