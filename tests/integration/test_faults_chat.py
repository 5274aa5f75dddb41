"""A chat update whose handling could not be committed is not confirmed to Telegram: with the
real PostgreSQL turned away, the update stays with the Telegram stand-in and is delivered
again; once the database is back it is answered, and the person was apologised to once."""

from __future__ import annotations

import pytest

from app.bootstrap import App
from core.model import Channel
from storage.health import heartbeats
from tests.bot_harness import running_bot, standin, text_of
from tests.pg_faults import FaultyDatabase, faulty, faulty_app
from tests.telegram_standin import TelegramStandIn
from tests.webhook_harness import webhook_bot

pytestmark = pytest.mark.postgres
__all__ = ["faulty", "faulty_app", "standin"]
SORRY = "Er ging iets mis; er is niets bewaard."


def bot_alive(app: App) -> bool:
    """What `leertraject status` reads: the bot's last heartbeat went well."""
    with app.sessions() as session:
        return any(b.component == "telegram bot" and b.ok for b in heartbeats(session))


async def test_an_update_that_could_not_be_recorded_is_delivered_again(
    faulty_app: App, faulty: FaultyDatabase, standin: TelegramStandIn
) -> None:
    user = standin.user(language_code="nl")
    async with running_bot(faulty_app, standin):
        faulty.refuse()
        update = user.send_text("/start")
        update_id = int(update["update_id"])
        await user.areply(lambda m: SORRY in text_of(m), timeout=15)
        counts = standin.state.delivery_counts
        await standin.await_until(
            lambda: counts.get(update_id, 0) >= 2, timeout=15, what="a second delivery"
        )
        with standin.state.lock:
            assert update_id in [int(u["update_id"]) for u in standin.state.pending]

        faulty.admit()
        await user.areply(lambda m: "Stap 1 van 10" in text_of(m), timeout=30)
        await standin.await_until(
            lambda: not standin.state.pending, timeout=15, what="the update confirmed"
        )
        await standin.await_until(
            lambda: bot_alive(faulty_app), timeout=30, what="the bot's heartbeat"
        )
    apologies = [m for m in user.messages() if SORRY in text_of(m)]
    assert len(apologies) == 1, "apologised once, not at every redelivery"
    with faulty_app.uow() as uow:
        record = uow.inbound.get(Channel.TELEGRAM, str(update_id))
    assert record is not None and record.outcome == "handled"
    standin.assert_no_violations()


async def test_the_webhook_answers_500_until_recorded_and_handles_a_redelivery_once(
    faulty_app: App, faulty: FaultyDatabase, standin: TelegramStandIn
) -> None:
    user = standin.user(language_code="nl")
    async with webhook_bot(faulty_app, standin) as hook:
        update = user.send_text("/start")
        faulty.refuse()
        response = await hook.post(update)
        assert response.status_code == 500, "not recorded: Telegram must send it again"
        await user.areply(lambda m: SORRY in text_of(m), timeout=15)
        assert (await hook.post(update)).status_code == 500  # still down: no second apology
        faulty.admit()
        assert (await hook.post(update)).status_code == 200
        await user.areply(lambda m: "Stap 1 van 10" in text_of(m), timeout=15)
        assert (await hook.post(update)).status_code == 200  # a late duplicate
        assert (await hook.post(user.send_text("/help"))).status_code == 200
        # the help has arrived, so whatever the duplicate caused has too
        await user.areply(lambda m: "/status wat er ingeschreven is" in text_of(m), timeout=15)
    texts = [text_of(m) for m in user.messages()]
    assert sum("Stap 1 van 10" in t for t in texts) == 1, "handled once"
    assert sum(SORRY in t for t in texts) == 1, "apologised once"
    with faulty_app.uow() as uow:
        record = uow.inbound.get(Channel.TELEGRAM, str(update["update_id"]))
    assert record is not None and record.outcome == "handled"
    standin.assert_no_violations()
