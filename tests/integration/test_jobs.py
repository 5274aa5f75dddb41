"""Scheduled jobs with an injected clock on real databases: the deadline passing, reminders due
and not due, a restart in between, and two instances that must not both act."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from app.bootstrap import App, bootstrap
from app.config import Settings
from app.jobs import deadline_job, purge_job, reminders_job
from core.clock import FixedClock
from core.model import Channel, Contact
from core.usecases.submit import Identity, submit
from tests.integration.jobs_worker import deadline_in_process

STAFF = Identity(Channel.CLI, staff="els")
CITIES = ["Gent", "Brugge", "Antwerpen", "Leuven", "Mechelen", "Aalst", "Kortrijk", "Hasselt"]


def register(app: App, city: str, preferences: str, email: str | None = None) -> None:
    raw = {
        "municipality": city,
        "contact_name": "Contact",
        "contact_function": "Schepen",
        "contact_email": email or f"info@{city.lower()}.be",
        "preferences": preferences,
    }
    app.transaction(lambda uow: submit(uow, app.env, raw, STAFF))


def with_reports(settings: Settings, tmp_path: Path, auto_publish: bool = False) -> Settings:
    assignment = settings.assignment.model_copy(
        update={"report_dir": tmp_path / "reports", "auto_publish": auto_publish}
    )
    return settings.model_copy(update={"assignment": assignment})


def test_the_deadline_runs_the_assignment_once_and_mails_staff(
    db_settings: Settings, tmp_path: Path, clock: FixedClock
) -> None:
    app = bootstrap(with_reports(db_settings, tmp_path), clock=clock)
    for city in CITIES:
        register(app, city, "9, 3, 1")
    assert deadline_job(app, "w1") is None, "before the deadline nothing happens"
    clock.set(app.env.campaign.deadline + timedelta(seconds=30))
    run_id = deadline_job(app, "w1")
    assert run_id is not None
    assert deadline_job(app, "w1") is None and deadline_job(app, "w2") is None
    assert (tmp_path / "reports" / f"run-{run_id}" / "toewijzing.html").exists()
    with app.uow() as uow:
        messages = uow.outbox.list()
        assert uow.assignments.published_run() is None, "auto_publish is off: staff decide"
    assert [(m.kind, m.recipient) for m in messages if m.kind.startswith("assignment")] == [
        ("assignment.report", app.settings.assignment.staff_email)
    ]
    app.close()


def test_with_auto_publish_everyone_is_told_with_a_calendar_invitation(
    db_settings: Settings, tmp_path: Path, clock: FixedClock
) -> None:
    from mail.render import Renderer, Sender

    app = bootstrap(with_reports(db_settings, tmp_path, auto_publish=True), clock=clock)
    for city in CITIES:
        register(app, city, "9, 3, 1")
    clock.set(app.env.campaign.deadline + timedelta(minutes=5))
    deadline_job(app, "w1")
    with app.uow() as uow:
        confirmations = [m for m in uow.outbox.list() if m.kind == "assignment.confirmed"]
        assert uow.assignments.published_run() is not None
    assert len(confirmations) == len(CITIES)
    renderer = Renderer(app.env.themes, Sender("intake@vlaio.test", "VLAIO"))
    email = renderer.build(confirmations[0], clock.now())
    [ics] = [p for p in email.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = ics.get_content()
    assert "BEGIN:VEVENT" in calendar and "DTSTART" in calendar
    assert confirmations[0].params["theme"] == 9
    assert len(confirmations[0].params["others"]) == len(CITIES) - 1
    app.close()


@pytest.mark.postgres
def test_two_instances_at_the_deadline_compute_one_assignment(
    db_settings: Settings, db_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    app = bootstrap(with_reports(db_settings, tmp_path), clock=clock)
    for city in CITIES[:5]:
        register(app, city, "9, 3, 1")
    when = app.env.campaign.deadline + timedelta(minutes=1)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(2)
        with ProcessPoolExecutor(2, mp_context=context) as pool:
            futures = [
                pool.submit(deadline_in_process, db_url, barrier, when, f"w{i}") for i in (1, 2)
            ]
            results = [f.result(timeout=180) for f in futures]
    assert sorted(r is None for r in results) == [False, True], results
    with app.uow() as uow:
        latest = uow.assignments.latest_run()
        assert latest is not None and latest.id == 1
    app.close()


def test_reminders_survive_a_restart_and_go_out_once(
    db_settings: Settings, clock: FixedClock
) -> None:
    app = bootstrap(db_settings, clock=clock)
    app.transaction(
        lambda uow: uow.contacts.add(
            Contact("44021", "An", "an@stad.gent", invited=True, token="t")
        )
    )
    planned, sent, _ = reminders_job(app)
    assert (planned, sent) == (2, 0)
    app.close()
    clock.set(clock.now().replace(year=2027, month=1, day=23))  # while the service was down
    restarted = bootstrap(db_settings, clock=clock)
    assert reminders_job(restarted)[1] == 1
    assert reminders_job(restarted)[1] == 0
    with restarted.uow() as uow:
        assert [m.kind for m in uow.outbox.list()] == ["reminder.invited"]
    restarted.close()


def test_personal_data_is_purged_after_the_retention_period(
    db_settings: Settings, clock: FixedClock
) -> None:
    app = bootstrap(db_settings, clock=clock)
    register(app, "Gent", "9, 3, 1", "an@stad.gent")
    assert purge_job(app, "w1") == 0
    clock.set(app.env.campaign.deadline + timedelta(days=app.settings.campaign.retention_days + 1))
    assert purge_job(app, "w1") == 1
    with app.uow() as uow:
        assert "an@stad.gent" not in repr(uow.contacts.list())
        assert uow.registrations.list()[0].preferences == (9, 3, 1)
    app.close()
