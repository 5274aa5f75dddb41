"""A long deadline solve holds nothing up: while the deadline job's solver runs (a stand-in
that blocks until the test lets it go, in place of a solve of many minutes), mail and chat
are answered; then the solve ends and is recorded once. The real service loop (scheduler,
Maildir intake, outbox sender, Telegram bot against the Bot API stand-in) in a thread, real
SQLite."""

from __future__ import annotations

import asyncio
import mailbox
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import app.jobs as app_jobs
from app.bootstrap import App, bootstrap
from app.config import Settings
from app.health import heartbeat
from app.mailing import intake_jobs, sending_jobs
from app.scheduler import campaign_jobs, scheduler_component
from app.service import run_service
from app.telegram import telegram_components
from core.clock import FixedClock
from storage.campaign import SqlJobs
from tests.bot_harness import text_of
from tests.faults.fault_audit import Figures, assert_clean, audit, registration
from tests.mailserver_util import wait_until
from tests.telegram_standin import Limits, TelegramStandIn

MAILS = 5
AFTER_DEADLINE_CLOCK = "2027-01-29T16:30:00+00:00"


@pytest.fixture
def standin() -> Iterator[TelegramStandIn]:
    with TelegramStandIn(limits=Limits.relaxed()) as server:
        yield server


def service_thread(app: App, stop: threading.Event) -> threading.Thread:
    """`leertraject run` as app/commands/run.py wires it, on the test's app (clock, database)."""
    jobs = [*intake_jobs(app), *campaign_jobs(app), *sending_jobs(app)]
    parts = [scheduler_component(jobs, heartbeat(app)), *telegram_components(app)]

    def main() -> None:
        async def serve() -> None:
            stopping = asyncio.Event()
            service = asyncio.create_task(run_service(app, parts, stopping))
            await asyncio.to_thread(stop.wait)
            stopping.set()
            await service

        asyncio.run(serve())

    return threading.Thread(target=main, daemon=True)


def test_mail_and_chat_are_answered_while_the_deadline_solve_runs(
    base_settings: Settings,
    tmp_path: Path,
    standin: TelegramStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", standin.token)
    clock = FixedClock(datetime.fromisoformat(AFTER_DEADLINE_CLOCK))
    settings = base_settings.model_copy(
        update={
            "database": base_settings.database.model_copy(
                update={"url": f"sqlite:///{tmp_path / 'leertraject.db'}"}
            ),
            "mail": base_settings.mail.model_copy(
                update={"maildir": tmp_path / "inbox", "outbox_dir": tmp_path / "outbox"}
            ),
            "telegram": base_settings.telegram.model_copy(update={"base_url": standin.base_url}),
            "assignment": base_settings.assignment.model_copy(
                update={"report_dir": tmp_path / "reports"}
            ),
        }
    )
    app = bootstrap(settings, clock=clock, migrate=True)
    solving, release = threading.Event(), threading.Event()
    compute = app_jobs.compute  # type: ignore[attr-defined]

    def long_solve(*args: Any, **kwargs: Any) -> Any:
        solving.set()
        release.wait(timeout=300)  # the test lets it go once it has seen the answers
        return compute(*args, **kwargs)

    monkeypatch.setattr(app_jobs, "compute", long_solve)
    stop = threading.Event()
    service = service_thread(app, stop)
    service.start()
    figures = Figures("mail and chat during a long deadline solve")
    try:
        wait_until(solving.is_set, 60, "the deadline solve to start")
        figures.faults += 1
        box = mailbox.Maildir(tmp_path / "inbox", factory=None, create=True)
        for n in range(MAILS):
            box.add(registration(n))
        standin.wait_until(lambda: standin.long_polling, timeout=60, what="the bot to poll")
        user = standin.user(first_name="An", language_code="nl")
        user.send_text("/start")
        answer = user.wait_for_reply(lambda m: bool(text_of(m)), timeout=60)
        assert text_of(answer), "the chat answers during the solve"
        wait_until(lambda: len(list((tmp_path / "outbox").glob("*.eml"))) >= MAILS, 60, "mail")
        assert not release.is_set() and solving.is_set(), "all of it before the solve ended"
        audit(app, figures, MAILS)
        release.set()
        wait_until(lambda: finished(app), 60, "the solve recorded")
    finally:
        release.set()
        stop.set()
        service.join(timeout=60)
    assert not service.is_alive()
    with app.uow() as uow:
        latest = uow.assignments.latest_run()
    assert latest is not None, "the solve ended and was recorded once"
    app.close()
    assert_clean(figures)


def finished(app: App) -> bool:
    with app.sessions() as session:
        return any(j.finished_at for j in SqlJobs(session).list() if j.name == "deadline")
