"""The chat's lines in the service log (app/journal.py): one per handled update and one per
sent chat message, with the outcome, the reference, the channel and the municipality, and
nothing personal: what staff watching `make run` see of the chat."""

from __future__ import annotations

import logging
import re

import pytest

from app.bootstrap import App
from core.model import Actor, ActorKind, Channel
from core.usecases.manage import withdraw
from tests.bot_harness import invite, register_by_link, running_bot, standin, text_of
from tests.telegram_standin import TelegramStandIn

__all__ = ["standin"]
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
async def test_the_chat_logs_one_line_per_update_and_per_sent_message(
    app: App, standin: TelegramStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="leertraject.journal")
    invite(app, "44021", "An Peeters", "an.peeters@stad.gent", "tok-an")
    user = standin.user(first_name="An", last_name="Peeters", language_code="nl")
    async with running_bot(app, standin) as service:
        done = await register_by_link(user, "tok-an")
        found = re.search(r"LT-[A-Z0-9-]+", text_of(done))
        assert found is not None, text_of(done)
        reference = found.group(0)
        staff = Actor(ActorKind.STAFF, Channel.CLI, name="medewerker")
        app.transaction(lambda uow: withdraw(uow, app.env, reference, staff))
        await service.sender.drain()  # the contact is told in the chat as well
        updates = service.chat.handled
    lines = [r.getMessage() for r in caplog.records if r.name == "leertraject.journal"]
    handled = [line for line in lines if line.startswith("message handled")]
    sent = [line for line in lines if line.startswith("message sent")]
    assert len(handled) == updates >= 10  # every tap and every text of the chat
    shape = r"message handled: outcome=handled reference=(LT-[A-Z0-9-]+|-) channel=telegram "
    assert all(re.fullmatch(shape + r"municipality=Gent", line) for line in handled), handled
    assert handled[0].endswith("reference=- channel=telegram municipality=Gent")  # not yet
    assert f"reference={reference} channel=telegram" in handled[-1]  # the confirming tap
    [told] = sent
    assert re.fullmatch(
        rf"message sent: outcome=\w+ reference={reference} channel=telegram kind=[\w.]+", told
    ), told
    for line in lines:
        assert "Peeters" not in line and "an.peeters" not in line and str(user.id) not in line
