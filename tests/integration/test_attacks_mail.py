"""Attacks on the e-mail channel, each a reproduction of issue 9, on SQLite and PostgreSQL:
forged senders, guessing codes, bombing an address, a stranger replacing a registration."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from app.bootstrap import App
from core.clock import FixedClock
from core.model import Actor, ActorKind, Channel, Contact, Status
from core.usecases.approval import decide
from core.usecases.codes import locked, unlock
from mail.pipeline import IntakeResult, IntakeSettings, MailIntake

INTAKE = "intake@vlaio.test"
OURS = "mx.vlaio.test"
AN = "an.peeters@gent.example.be"  # Gent's invited contact
PIET = "piet.prive@example.org"  # a stranger
GENT = "44021"


@pytest.fixture
def intake(app: App) -> MailIntake:
    return MailIntake(app.env, IntakeSettings(INTAKE, trusted_authserv_id=OURS), app.transaction)


def message(
    sender: str,
    n: int,
    *,
    headers: str = "",
    body: str | None = None,
    contact: str | None = None,
    preferences: tuple[int, int, int] = (9, 11, 3),
    name: str = "Piet Privé",
) -> bytes:
    first, second, third = preferences
    text = body or (
        f"Gemeente: Gent\r\nContactpersoon: {name}\r\nFunctie: Schepen\r\n"
        f"E-mail: {contact or sender}\r\nTelefoon: 0470 12 34 56\r\n"
        f"Voorkeur 1: {first}\r\nVoorkeur 2: {second}\r\nVoorkeur 3: {third}\r\n"
    )
    return (
        f"{headers}From: Someone <{sender}>\r\nTo: {INTAKE}\r\nSubject: Inschrijving\r\n"
        f"Message-ID: <m{n}.{sender}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}"
    ).encode()


def registered_by_an(app: App, intake: MailIntake) -> None:
    """Gent registered by its invited contact, authenticated by our server."""
    app.transaction(lambda uow: uow.contacts.add(Contact(GENT, "An Peeters", AN, invited=True)))
    ours = f"Authentication-Results: {OURS}; dkim=pass header.d=gent.example.be\r\n"
    first = intake.process(message(AN, 0, headers=ours, name="An Peeters", preferences=(1, 2, 4)))
    assert first.outcome == "accepted", first.errors


def gent(app: App) -> tuple[Status, tuple[int, ...]]:
    with app.uow() as uow:
        registration = uow.registrations.get(GENT)
    assert registration is not None
    return registration.status, registration.preferences


def outbox(app: App, kind: str | None = None, to: str | None = None) -> list[Any]:
    with app.uow() as uow:
        found = uow.outbox.list(limit=10_000)
    return [
        m
        for m in sorted(found, key=lambda m: m.id or 0)
        if (kind is None or m.kind == kind) and (to is None or m.recipient == to)
    ]


def reply_with(sender: str, n: int, text: str) -> bytes:
    return message(sender, n, body=f"{text}\r\n")


# --- 1. forged From -------------------------------------------------------------------------

FORGERIES = {
    "no header": "",
    "ours says none": f"Authentication-Results: {OURS}; spf=none; dmarc=none\r\n",
    "ours says temperror": f"Authentication-Results: {OURS}; dkim=pass header.d=gent.example.be;"
    " dmarc=temperror\r\n",
    "foreign pass": "Authentication-Results: mx.evil.example; dmarc=pass header.from=gent\r\n",
    "ours below a foreign one": "Authentication-Results: mx.evil.example; dmarc=none\r\n"
    f"Authentication-Results: {OURS}; dmarc=none\r\n"
    f"Authentication-Results: {OURS}; dmarc=pass\r\n",
    "dkim of another domain": f"Authentication-Results: {OURS}; dkim=pass header.d=evil.test\r\n",
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_forged_from_of_the_invited_contact_changes_nothing(
    app: App, intake: MailIntake, forgery: str
) -> None:
    registered_by_an(app, intake)
    result = intake.process(message(AN, 1, headers=FORGERIES[forgery], name="An Peeters"))
    assert result.outcome == "needs_verification"
    assert gent(app) == (Status.SUBMITTED, (1, 2, 4)), "Gent's registration is as An left it"
    [code] = outbox(app, "verification.code")
    assert code.recipient == AN, "only the real mailbox gets the code that would prove it"


def test_without_our_authserv_id_no_header_is_believed(app: App, intake: MailIntake) -> None:
    registered_by_an(app, intake)
    intake.settings = IntakeSettings(INTAKE, trusted_authserv_id="")
    ours = f"Authentication-Results: {OURS}; dmarc=pass header.from=gent.example.be\r\n"
    result = intake.process(message(AN, 1, headers=ours, name="An Peeters"))
    assert result.outcome == "needs_verification"
    assert gent(app) == (Status.SUBMITTED, (1, 2, 4))


def test_a_dmarc_fail_is_answered_once_and_staff_see_it(app: App, intake: MailIntake) -> None:
    registered_by_an(app, intake)
    failed = f"Authentication-Results: {OURS}; dmarc=fail header.from=gent.example.be\r\n"
    first = intake.process(message(AN, 1, headers=failed))
    second = intake.process(message(AN, 2, headers=failed))
    assert (first.outcome, second.outcome) == ("rejected", "rejected")
    assert first.errors[0]["code"] == "sender.forged"
    assert len(outbox(app, "mail.forged")) == 1 and outbox(app, "verification.code") == []
    assert gent(app) == (Status.SUBMITTED, (1, 2, 4))
    with app.uow() as uow:
        record = uow.inbound.get(Channel.EMAIL, first.message_id)
    assert record is not None and record.detail["errors"] == ["sender.forged"]


def test_a_code_sent_back_under_a_forged_from_is_refused(app: App, intake: MailIntake) -> None:
    registered_by_an(app, intake)
    intake.process(message(AN, 1, name="An Peeters", preferences=(5, 6, 7)))
    [code] = outbox(app, "verification.code")
    failed = f"Authentication-Results: {OURS}; dmarc=fail\r\n"
    answer = message(AN, 2, headers=failed, body=f"{code.params['code']}\r\n")
    assert intake.process(answer).outcome == "rejected"
    assert gent(app) == (Status.SUBMITTED, (1, 2, 4))


# --- 2. guessing codes ----------------------------------------------------------------------


def test_only_the_newest_code_counts_and_guessing_locks_the_address(
    app: App, intake: MailIntake, clock: FixedClock
) -> None:
    registered_by_an(app, intake)
    for n in range(1, 4):  # a stranger asks three codes for An's address
        intake.process(message(PIET, n, contact=AN))
    codes = [m.params["code"] for m in outbox(app, "verification.code")]
    assert len(codes) == 3
    with app.uow() as uow:
        stored = [v.code_hash for v in uow.verifications.for_municipality(GENT)]
        keys = [m.dedup_key for m in uow.outbox.list()]
    assert not any(code in h for code in codes for h in stored + keys), "no code in clear"
    if codes[0] != codes[2]:
        old = intake.process(message(AN, 10, body=f"{codes[0]}\r\n"))
        assert old.outcome == "rejected", "an older code ended when a newer one was sent"
    results = []
    for n in range(200):  # a guesser with An's From, across many codes over the day
        clock.advance(timedelta(minutes=2))
        intake.process(message(PIET, 1000 + n, contact=AN))
        guess = f"{(n * 7919) % 1_000_000:06d}"
        results.append(intake.process(message(AN, 2000 + n, body=f"{guess}\r\n")))
    assert all(r.outcome == "rejected" for r in results)
    assert len(outbox(app, "verification.code")) <= 6, "six codes a day, whoever asks"
    last = outbox(app, "verification.code")[-1].params["code"]
    refused = intake.process(message(AN, 5000, body=f"{last}\r\n"))
    assert refused.outcome == "rejected"
    assert refused.errors[0]["code"] == "verification.locked"
    assert gent(app) == (Status.SUBMITTED, (1, 2, 4))
    assert app.transaction(lambda uow: locked(uow, app.env, AN))
    app.transaction(lambda uow: unlock(uow, app.env, AN))  # staff, after a phone call
    assert not app.transaction(lambda uow: locked(uow, app.env, AN))
    clock.advance(timedelta(hours=1))
    intake.process(message(PIET, 5001, contact=AN))
    assert len(outbox(app, "verification.code")) == 7, "a new code once unlocked"


# --- 3. bombing -------------------------------------------------------------------------------


def test_many_strangers_asking_codes_for_one_address_send_three_an_hour(
    app: App, intake: MailIntake, clock: FixedClock
) -> None:
    victim = "victim@example.org"
    results = [
        intake.process(message(f"s{n}@example.net", n, contact=victim, name=f"S {n}"))
        for n in range(50)
    ]
    assert len(outbox(app, to=victim)) == 3
    assert {r.outcome for r in results[3:]} == {"rejected"}
    assert {r.errors[0]["code"] for r in results[3:]} == {"rate_limited"}
    assert {r.errors[1]["code"] for r in results[3:]} == {"verification.rate_limited"}
    assert all(r.reply is None for r in results[3:]), "the askers get no answer either"
    for hour in range(1, 24):
        clock.advance(timedelta(hours=1))
        for n in range(5):
            intake.process(message(f"t{n}@example.net", hour * 100 + n, contact=victim))
        if hour == 1:
            assert len(outbox(app, to=victim)) == 6
    assert len(outbox(app, to=victim)) <= 12, "at most six a campaign day"


def test_one_sender_gets_at_most_ten_answers_a_day(
    app: App, intake: MailIntake, clock: FixedClock
) -> None:
    registered_by_an(app, intake)  # one confirmation
    ours = f"Authentication-Results: {OURS}; dmarc=pass header.from=gent.example.be\r\n"
    results = []
    for n in range(20):
        clock.advance(timedelta(minutes=1))
        changed = message(AN, n + 5, headers=ours, name="An Peeters", preferences=(5 + n % 8, 2, 4))
        results.append(intake.process(changed))
    assert len(outbox(app, to=AN)) == 10
    limited = [r for r in results if r.errors and r.errors[0]["code"] == "rate_limited"]
    assert len(limited) == 11 and all(r.outcome == "rejected" and r.reply is None for r in limited)
    with app.uow() as uow:
        record = uow.inbound.get(Channel.EMAIL, limited[0].message_id)
    assert record is not None and record.detail["errors"] == ["rate_limited"]


# --- 4. a stranger replacing a registration ---------------------------------------------------


def stranger_proves_own_mailbox(app: App, intake: MailIntake) -> IntakeResult:
    intake.process(message(PIET, 1, preferences=(12, 10, 8)))
    [code] = outbox(app, "verification.code", to=PIET)
    return intake.process(message(PIET, 2, body=f"Mijn code: {code.params['code']}\r\n"))


def test_a_stranger_with_a_proven_mailbox_waits_for_approval(app: App, intake: MailIntake) -> None:
    registered_by_an(app, intake)
    result = stranger_proves_own_mailbox(app, intake)
    assert result.outcome == "pending_approval"
    assert gent(app) == (Status.SUBMITTED, (1, 2, 4)), "An's version stays in force"
    [asked] = outbox(app, "registration.approval_request")
    assert asked.recipient == AN
    [told] = outbox(app, "registration.approval_pending")
    assert told.recipient == PIET
    with app.uow() as uow:
        assert not any(c.trusted for c in uow.contacts.by_email(PIET)), "not a contact yet"
    again = intake.process(message(PIET, 3, preferences=(12, 10, 8)))
    assert again.outcome == "needs_verification", "a proven mailbox is no pass for later"


def test_the_invited_contact_approves_by_answering_the_e_mail(app: App, intake: MailIntake) -> None:
    registered_by_an(app, intake)
    stranger_proves_own_mailbox(app, intake)
    [asked] = outbox(app, "registration.approval_request")
    token = asked.params["approval_code"]
    ours = f"Authentication-Results: {OURS}; dkim=pass header.d=gent.example.be\r\n"
    quoted = f"> Goedkeuringscode: {token}\r\n> Beantwoord met AKKOORD\r\n"
    no_word = intake.process(message(AN, 3, headers=ours, body=f"Hmm.\r\n\r\n{quoted}"))
    assert no_word.outcome == "rejected" and gent(app) == (Status.SUBMITTED, (1, 2, 4))
    forged = f"Authentication-Results: {OURS}; dmarc=fail\r\n"
    intake.process(message(AN, 4, headers=forged, body=f"AKKOORD\r\n\r\n{quoted}"))
    assert gent(app) == (Status.SUBMITTED, (1, 2, 4))
    done = intake.process(message(AN, 5, headers=ours, body=f"AKKOORD\r\n\r\n{quoted}"))
    assert done.outcome == "updated"
    assert gent(app) == (Status.SUBMITTED, (12, 10, 8))


def test_staff_refuse_and_the_stranger_is_told(app: App, intake: MailIntake) -> None:
    registered_by_an(app, intake)
    stranger_proves_own_mailbox(app, intake)
    with app.uow() as uow:
        reference = uow.registrations.get(GENT).reference  # type: ignore[union-attr]
    staff = Actor(ActorKind.STAFF, Channel.CLI, name="els")
    decision = app.transaction(lambda uow: decide(uow, app.env, reference, staff, approve=False))
    assert decision.errors == []
    assert gent(app) == (Status.SUBMITTED, (1, 2, 4))
    [refused] = outbox(app, "registration.approval_refused")
    assert refused.recipient == PIET
    again = app.transaction(lambda uow: decide(uow, app.env, reference, staff, approve=True))
    assert [e.code for e in again.errors] == ["approval.none"]


def test_a_known_contact_still_changes_at_once(app: App, intake: MailIntake) -> None:
    registered_by_an(app, intake)
    ours = f"Authentication-Results: {OURS}; dmarc=pass header.from=gent.example.be\r\n"
    result = intake.process(message(AN, 7, headers=ours, name="An Peeters", preferences=(2, 3, 4)))
    assert result.outcome == "updated" and gent(app) == (Status.SUBMITTED, (2, 3, 4))


def test_codes_never_reach_the_logs(
    app: App, intake: MailIntake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    intake.process(message(PIET, 1))
    [code] = outbox(app, "verification.code")
    assert not re.search(code.params["code"], caplog.text)


# --- 6. control characters ----------------------------------------------------------------


def test_nul_and_escapes_are_never_stored_nor_echoed(app: App, intake: MailIntake) -> None:
    subject = "Inschrijving\x00\x1b[31m " + "lang " * 400
    raw = message(PIET, 1, name="Piet\x00 Pri\x1bvé\u202e").replace(
        b"Subject: Inschrijving", f"Subject: {subject}".encode()
    )
    result = intake.process(raw)
    assert result.outcome == "needs_verification", result.errors
    [code] = outbox(app, "verification.code")
    echoed = code.params["original_subject"]
    assert "\x00" not in echoed and "\x1b" not in echoed and len(echoed) <= 200
    intake.process(message(PIET, 2, body=f"{code.params['code']}\r\n"))
    with app.uow() as uow:
        [piet] = uow.contacts.by_email(PIET)
    assert piet.name == "Piet Privé"


def test_imap_intake_without_our_authserv_id_says_so_once_at_start(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    from app.mailing import imap_components

    mail = app.settings.mail.model_copy(update={"intake": "imap", "trusted_authserv_id": ""})
    app.settings = app.settings.model_copy(update={"mail": mail})
    caplog.set_level("WARNING")
    [component] = imap_components(app)
    assert caplog.text.count("trusted_authserv_id is empty") == 1
    assert component.name.startswith("mail intake")


def test_a_sent_code_is_no_longer_kept_in_clear(app: App, intake: MailIntake) -> None:
    intake.process(message(PIET, 1))
    [code] = outbox(app, "verification.code")
    assert code.id is not None
    app.transaction(lambda uow: uow.outbox.mark_sent(code.id, app.env.clock.now(), "<x@y>"))
    [sent] = outbox(app, "verification.code")
    assert "code" not in sent.params and sent.params["email"] == PIET
