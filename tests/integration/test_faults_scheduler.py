"""The scheduler reports what its jobs did: the reminder job's counts (planned, sent, dropped)
are not lost on the way, on real databases with an injected clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from app.bootstrap import bootstrap
from app.config import Settings
from app.scheduler import campaign_jobs, scheduler_component
from core.clock import FixedClock
from core.model import Contact
from tests.integration.test_jobs import with_reports


def test_one_pass_of_the_scheduler_counts_the_reminders(
    db_settings: Settings, tmp_path: Path, clock: FixedClock
) -> None:
    app = bootstrap(with_reports(db_settings, tmp_path), clock=clock)
    app.transaction(
        lambda uow: uow.contacts.add(
            Contact("44021", "An", "an@stad.gent", invited=True, token="t")
        )
    )
    clock.set(app.env.campaign.deadline - timedelta(days=7) + timedelta(hours=1))
    scheduler = scheduler_component(campaign_jobs(app))
    assert asyncio.run(scheduler.once()) == 3, "two reminders planned, one sent"
    assert asyncio.run(scheduler.once()) == 0, "nothing new"
    clock.set(app.env.campaign.deadline + timedelta(minutes=1))
    assert asyncio.run(scheduler.once()) == 1 + 1, "the 2-day reminder dropped, the deadline run"
    assert (tmp_path / "reports" / "run-1").is_dir()
    app.close()
