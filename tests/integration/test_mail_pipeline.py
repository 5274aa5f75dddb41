"""The e-mail pipeline on real databases: every message ends in one recorded outcome, every
person gets the right answer, robots get none, and a crashing message blocks nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import App
from core.clock import FixedClock
from core.model import ActorKind, Channel, Contact, Status
from mail import pipeline as pipeline_module
from mail import template as template_module
from mail.pipeline import IntakeSettings, MailIntake
from mail.render import Renderer, Sender

CORPUS = Path(__file__).parent.parent / "corpus" / "mail"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
INTAKE = "intake@vlaio.test"
OUTCOME_OF_KIND = {"auto_reply": "ignored", "list": "ignored", "own": "ignored", "loop": "ignored"}


@pytest.fixture
def intake(app: App) -> MailIntake:
    settings = IntakeSettings(INTAKE, trusted_authserv_id="mx.vlaio.test")
    return MailIntake(app.env, settings, app.transaction)


def invite(app: App, email: str, municipality: str) -> None:
    app.transaction(
        lambda uow: uow.contacts.add(Contact(municipality, "X", email, invited=True, token=None))
    )


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def outbox(app: App) -> list[Any]:
    with app.uow() as uow:
        return sorted(uow.outbox.list(), key=lambda m: m.id)


@pytest.mark.parametrize("name", sorted(EXPECTED["messages"]))
def test_every_corpus_message_gets_exactly_one_outcome(
    app: App, intake: MailIntake, name: str
) -> None:
    expected = EXPECTED["messages"][name]
    result = intake.process(corpus(name))
    if expected["kind"] == "bounce":
        assert result.outcome == "bounce"
    elif expected["kind"] != "human":
        assert result.outcome == OUTCOME_OF_KIND[expected["kind"]]
        assert outbox(app) == [], "a robot, a list or ourselves never get a reply"
    else:
        assert result.outcome in {"needs_verification", "rejected"}
        [reply] = outbox(app)
        assert reply.recipient == expected["from"]
    with app.uow() as uow:
        record = uow.inbound.get(Channel.EMAIL, result.message_id)
    assert record is not None and record.outcome == result.outcome


def test_an_invited_official_is_registered_and_gets_a_threaded_confirmation(
    app: App, intake: MailIntake
) -> None:
    invite(app, "an.peeters@gent.example.be", "44021")
    result = intake.process(corpus("nl_clean_template.eml"))
    assert result.outcome == "accepted"
    assert result.registration is not None
    assert result.registration["municipality"] == {"refnis": "44021", "name": "Gent"}
    [reply] = outbox(app)
    assert reply.kind == "registration.confirmed"
    assert reply.params["in_reply_to"] == result.message_id
    renderer = Renderer(app.env.themes, Sender(INTAKE, "VLAIO"))
    email = renderer.build(reply, app.env.clock.now())
    assert email["In-Reply-To"] == result.message_id
    assert email["Subject"].startswith("Re: ") and email["Auto-Submitted"] == "auto-replied"
    body = email.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert result.registration["reference"] in text and "Leegstand aanpakken" in text


def test_the_same_message_twice_is_one_registration_and_one_reply(
    app: App, intake: MailIntake
) -> None:
    invite(app, "an.peeters@gent.example.be", "44021")
    first = intake.process(corpus("nl_clean_template.eml"))
    second = intake.process(corpus("nl_clean_template.eml"))
    assert (first.outcome, second.outcome) == ("accepted", "duplicate")
    assert len(outbox(app)) == 1


def test_a_forged_sender_changes_nothing_and_is_answered_once(app: App, intake: MailIntake) -> None:
    invite(app, "an.peeters@gent.example.be", "44021")
    result = intake.process(corpus("forged_dmarc_fail.eml"))
    assert result.outcome == "rejected" and result.errors[0]["code"] == "sender.forged"
    again = intake.process(
        corpus("forged_dmarc_fail.eml").replace(b"Message-ID: <", b"Message-ID: <x")
    )
    assert again.outcome == "rejected" and again.reply is None
    with app.uow() as uow:
        assert uow.registrations.get("44021") is None
        assert uow.verifications.for_municipality("44021") == []
    assert [m.kind for m in outbox(app)] == ["mail.forged"]


def test_an_unknown_sender_confirms_by_replying_with_the_code(app: App, intake: MailIntake) -> None:
    first = intake.process(corpus("en_clean_template.eml"))
    assert first.outcome == "needs_verification"
    [code_mail] = outbox(app)
    assert code_mail.language == "en"
    answer = (
        f"From: Tom Desmet <tom.desmet@kortrijk.example.be>\r\nTo: {INTAKE}\r\n"
        f"Subject: Re: confirm\r\nMessage-ID: <answer-1@kortrijk.example.be>\r\n"
        f"In-Reply-To: <x@vlaio.test>\r\n\r\nHere it is: {code_mail.params['code']}\r\n\r\n"
        "> Your code: ...\r\n"
    ).encode()
    done = intake.process(answer)
    assert done.outcome == "accepted"
    with app.uow() as uow:
        registration = uow.registrations.get("34022")
    assert registration is not None and registration.status is Status.SUBMITTED


def test_a_rejection_lists_every_error_and_returns_the_template(
    app: App, intake: MailIntake
) -> None:
    raw = (
        f"From: Luc <luc@namen.example.be>\r\nTo: {INTAKE}\r\nSubject: Inschrijving\r\n"
        "Message-ID: <bad-1@namen.example.be>\r\n\r\n"
        "Gemeente: Namen\r\nContactpersoon: Luc Dubois\r\nFunctie: Schepen\r\n"
        "Voorkeur 1: 9\r\nVoorkeur 2: 42\r\n\r\nMvg,\r\nLuc\r\n"
    ).encode()
    result = intake.process(raw)
    assert result.outcome == "rejected"
    codes = {e["code"] for e in result.errors}
    assert {"municipality.outside_flanders", "preferences.unknown_theme"} <= codes
    [reply] = outbox(app)
    assert reply.kind == "mail.rejected"
    assert "Gemeente: Namen" in reply.params["template"]
    assert "Contactpersoon: Luc Dubois" in reply.params["template"]
    again = intake.process(raw.replace(b"bad-1@", b"bad-2@"))
    assert again.outcome == "rejected" and again.reply is None
    assert len(outbox(app)) == 1, "one rejection per sender and kind per day"


def test_after_the_deadline_officials_are_told_it_closed(
    app: App, intake: MailIntake, clock: FixedClock
) -> None:
    invite(app, "an.peeters@gent.example.be", "44021")
    clock.set(app.env.campaign.deadline + timedelta(minutes=1))
    result = intake.process(corpus("nl_clean_template.eml"))
    assert result.outcome == "rejected" and result.errors[0]["code"] == "deadline.passed"


def test_an_oversized_message_gets_a_short_answer(app: App, intake: MailIntake) -> None:
    intake.settings = IntakeSettings(INTAKE, max_message_bytes=2048)
    big = corpus("nl_clean_template.eml") + b"\r\n" + b"x" * 4096 + b"\r\n"
    result = intake.process(big)
    assert result.outcome == "rejected" and result.errors[0]["code"] == "message.too_large"
    assert [m.kind for m in outbox(app)] == ["mail.too_large"]


def test_a_bounce_marks_the_address_and_the_message(app: App, intake: MailIntake) -> None:
    invite(app, "an.peeters@gent.example.be", "44021")
    failed = EXPECTED["messages"]["ndr_exchange.eml"]["failed_recipients"][0]
    invite(app, failed, "44021")  # the misspelled address staff once imported
    intake.process(corpus("nl_clean_template.eml"))
    sent = next(m for m in outbox(app) if m.recipient == failed)
    ndr = corpus("ndr_exchange.eml")
    original = EXPECTED["messages"]["ndr_exchange.eml"].get("original_message_id")
    assert original, "the corpus NDR names the message it answers"
    app.transaction(lambda uow: uow.outbox.set_external_id(sent.id, original))
    assert intake.process(ndr).outcome == "bounce"
    with app.uow() as uow:
        [contact] = uow.contacts.by_email(failed)
        assert contact.email_bounced
        assert not uow.contacts.by_email("an.peeters@gent.example.be")[0].email_bounced
    assert {m.recipient: m.status for m in outbox(app)} == {
        failed: "bounced",
        "an.peeters@gent.example.be": "queued",
    }


def test_a_message_that_crashes_is_quarantined_and_blocks_nothing(
    app: App, intake: MailIntake, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = template_module.extract_best

    def crash_on_gent(texts: Any, spec: Any, **kw: Any) -> Any:
        if any("Gent" in t for t in texts):
            raise RuntimeError("parser bug")
        return real(texts, spec, **kw)

    monkeypatch.setattr(pipeline_module, "extract_best", crash_on_gent)
    crashed = intake.process(corpus("nl_clean_template.eml"))
    fine = intake.process(corpus("en_clean_template.eml"))
    assert (crashed.outcome, fine.outcome) == ("quarantined", "needs_verification")
    assert intake.process(corpus("nl_clean_template.eml")).outcome == "quarantined"
    monkeypatch.setattr(pipeline_module, "extract_best", real)
    [retried] = intake.retry_quarantined()
    assert retried.outcome == "needs_verification"
    with app.uow() as uow:
        record = uow.inbound.get(Channel.EMAIL, crashed.message_id)
        assert record is not None and record.outcome == "needs_verification" and record.raw is None


def test_a_crash_in_a_batch_costs_the_others_nothing(
    app: App, intake: MailIntake, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`mail ingest` handles files a batch at a time in one transaction: a message that
    crashes the pipeline is quarantined on its own; every other one keeps its own outcome."""
    real = template_module.extract_best

    def crash_on_gent(texts: Any, spec: Any, **kw: Any) -> Any:
        if any("Gent" in t for t in texts):
            raise RuntimeError("parser bug")
        return real(texts, spec, **kw)

    monkeypatch.setattr(pipeline_module, "extract_best", crash_on_gent)
    names = ["en_clean_template.eml", "nl_clean_template.eml", "mailing_list.eml"]
    for name in names:
        (tmp_path / name).write_bytes(corpus(name))
    results = intake.process_files([tmp_path / name for name in names])
    assert [(r.file, r.outcome) for r in results] == [
        (str(tmp_path / "en_clean_template.eml"), "needs_verification"),
        (str(tmp_path / "nl_clean_template.eml"), "quarantined"),
        (str(tmp_path / "mailing_list.eml"), "ignored"),
    ]
    with app.uow() as uow:
        recorded = [uow.inbound.get(Channel.EMAIL, r.message_id) for r in results]
    assert [r.outcome if r else None for r in recorded] == [r.outcome for r in results]
    assert [m.recipient for m in outbox(app)] == [EXPECTED["messages"][names[0]]["from"]]


def test_replies_never_go_to_our_own_address(app: App, intake: MailIntake) -> None:
    result = intake.process(corpus("own_address.eml"))
    assert result.outcome == "ignored" and outbox(app) == []
    assert message_from_bytes(corpus("own_address.eml"))["From"]
    assert Channel.EMAIL.value == "email"


def test_an_answer_typed_into_the_quoted_invitation_registers_at_once(
    app: App, intake: MailIntake
) -> None:
    """The official hits Reply in Outlook and types into the template of our invitation."""
    from core.invitations import send_invitations
    from core.model import Actor

    invite(app, "an.peeters@gent.example.be", "44021")
    app.transaction(lambda uow: uow.contacts.update(_with_token(uow, "44021")))
    app.transaction(lambda uow: send_invitations(uow, app.env, Actor(ActorKind.STAFF, Channel.CLI)))
    [invitation] = outbox(app)
    renderer = Renderer(app.env.themes, Sender(INTAKE, "VLAIO"), "VlaioBot")
    sent = renderer.build(invitation, app.env.clock.now())
    body = sent.get_body(("plain",))
    assert body is not None
    quoted = "\r\n".join("> " + line for line in body.get_content().splitlines())
    quoted = (
        quoted.replace("> Contactpersoon:", "> Contactpersoon: An Peeters")
        .replace("> Functie:", "> Functie: Centrummanager")
        .replace("> Voorkeur 1:", "> Voorkeur 1: 9")
        .replace("> Voorkeur 2:", "> Voorkeur 2: 11")
        .replace("> Voorkeur 3:", "> Voorkeur 3: Centrummanagement")
    )
    reply = (
        f"From: Secretariaat Gent <secretariaat@gent.example.be>\r\nTo: {INTAKE}\r\n"
        f"Subject: RE: {sent['Subject']}\r\nMessage-ID: <reply-inv@gent.example.be>\r\n"
        f"In-Reply-To: {sent['Message-ID']}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Zie hieronder.\r\n\r\n{quoted}\r\n"
    ).encode()
    result = intake.process(reply)
    assert result.outcome == "accepted", result.errors
    assert result.registration is not None and result.registration["preferences"] == [9, 11, 3]


def _with_token(uow: Any, refnis: str) -> Contact:
    contact: Contact
    [contact] = uow.contacts.for_municipality(refnis)
    contact.token = "Tok3nForGentInvitation"
    return contact
