"""A chat update whose handling could not be committed is not confirmed to Telegram: with the
real PostgreSQL turned away, the update stays with the Telegram stand-in and is delivered
again; once the database is back it is answered, and the person was apologised to once."""

from __future__ import annotations

import pytest
from bot_harness import running_bot, standin, text_of
from pg_faults import FaultyDatabase, faulty, faulty_app

from app.bootstrap import App
from tests.telegram_standin import TelegramStandIn

pytestmark = pytest.mark.postgres
__all__ = ["faulty", "faulty_app", "standin"]
SORRY = "Er ging iets mis; er is niets bewaard."


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
    apologies = [m for m in user.messages() if SORRY in text_of(m)]
    assert len(apologies) == 1, "apologised once, not at every redelivery"
    with faulty_app.uow() as uow:
        record = uow.inbound.get("telegram", str(update_id))
    assert record is not None and record.outcome == "handled"
    standin.assert_no_violations()
