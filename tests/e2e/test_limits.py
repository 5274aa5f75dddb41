"""The verification limits pinned at both edges, through the e-mail channel as an official uses
it: a stranger's registration waits for the six-digit code, which is valid for
campaign.verification_minutes (15) and campaign.verification_max_attempts (5) tries."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from app.bootstrap import App
from app.mailing import intake, renderer
from core.clock import FixedClock

CORPUS = Path(__file__).parent.parent / "corpus" / "mail"
SENDER = "an.peeters@gent.example.be"


def answer(number: int, body: str) -> bytes:
    return (
        f"From: An Peeters <{SENDER}>\r\nTo: leertrajecten@vlaio.example\r\n"
        f"Subject: Re: uw code\r\nMessage-ID: <answer-{number}@gent.example.be>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n\r\nAn\r\n"
    ).encode()


def register_as_a_stranger(app: App) -> str:
    """The registration e-mail of someone not invited; returns the code from the e-mail."""
    result = intake(app).process((CORPUS / "nl_clean_template.eml").read_bytes())
    assert result.outcome == "needs_verification"
    with app.uow() as uow:
        [message] = [m for m in uow.outbox.list() if m.recipient == SENDER]
    _, text = renderer(app).subject_and_text(message)
    return str(re.findall(r"(?<!\d)\d{6}(?!\d)", text)[0])


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def registered(app: App) -> bool:
    with app.uow() as uow:
        return any(r.status.value == "submitted" for r in uow.registrations.list())


@pytest.mark.parametrize(("minutes", "accepted"), [(14.9, True), (15.1, False)])
def test_the_code_is_valid_for_fifteen_minutes_and_not_longer(
    app: App, clock: FixedClock, minutes: float, accepted: bool
) -> None:
    assert app.settings.campaign.verification_minutes == 15
    code = register_as_a_stranger(app)
    clock.advance(timedelta(minutes=minutes))
    result = intake(app).process(answer(1, f"Mijn code is {code}."))
    assert (result.outcome == "accepted") is accepted, result
    assert registered(app) is accepted


@pytest.mark.parametrize(("wrong_tries", "accepted"), [(4, True), (5, False)])
def test_the_code_allows_five_tries_and_not_more(
    app: App, clock: FixedClock, wrong_tries: int, accepted: bool
) -> None:
    assert app.settings.campaign.verification_max_attempts == 5
    code = register_as_a_stranger(app)
    for n in range(wrong_tries):
        clock.advance(timedelta(seconds=10))
        assert intake(app).process(answer(n, wrong(code))).outcome == "rejected"
    clock.advance(timedelta(seconds=10))
    result = intake(app).process(answer(99, code))
    assert (result.outcome == "accepted") is accepted, result
    assert registered(app) is accepted
