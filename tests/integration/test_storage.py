"""Storage against real SQLite and PostgreSQL: what core stores comes back, nothing is lost."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from app.bootstrap import App
from core.model import Channel, Contact, OutboxMessage, Status
from core.usecases.submit import Identity, Result, submit
from storage.migrate import is_current, upgrade
from storage.tables import HistoryRow, RegistrationRow
from tests.integration.storage_worker import submit_in_process

FORM: dict[str, Any] = {
    "municipality": "Merelbeke-Melle",
    "contact_name": "Jo Smet",
    "contact_function": "Schepen van lokale economie",
    "contact_email": "jo.smet@merelbeke-melle.be",
    "contact_phone": "09 210 32 10",
    "preferences": ["1", "2", "3", "4"],
    "beleidsprioriteiten": "Twee deelkernen\nsamen versterken.",
}


def test_a_registration_comes_back_whole(app: App) -> None:
    def invite_and_submit(uow: Any) -> Any:
        uow.contacts.add(
            Contact("44088", "Jo Smet", "jo.smet@merelbeke-melle.be", invited=True, token="t1")
        )
        return submit(
            uow,
            app.env,
            FORM,
            Identity(Channel.EMAIL, email="jo.smet@merelbeke-melle.be", email_trusted=True),
        )

    outcome = app.transaction(invite_and_submit)
    assert outcome.result is Result.ACCEPTED
    with app.uow() as uow:
        registration = uow.registrations.by_reference(outcome.registration.reference)
        assert registration is not None
        assert registration.status is Status.SUBMITTED
        assert registration.preferences == (1, 2, 3, 4)
        assert registration.beleidsprioriteiten == "Twee deelkernen\nsamen versterken."
        assert registration.submitted_at == app.env.clock.now()
        assert (
            registration.submitted_at is not None and registration.submitted_at.tzinfo is not None
        )
        [contact] = uow.contacts.for_municipality("44088")
        assert contact.phone == "09 210 32 10" and contact.function.startswith("Schepen")
        assert registration.id is not None
        [entry] = uow.history.for_registration(registration.id)
        assert entry.after is not None and entry.after["preferences"] == [1, 2, 3, 4]


def test_nothing_is_kept_without_commit(app: App) -> None:
    with app.uow() as uow:
        uow.contacts.add(Contact("44021", "An", "an@stad.gent"))
    with app.uow() as uow:
        assert uow.contacts.list() == []


def test_the_outbox_never_queues_the_same_message_twice(app: App) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    message = OutboxMessage(Channel.EMAIL, "an@stad.gent", "nl", "x", {}, "k1", now)
    first = app.transaction(lambda uow: uow.outbox.add(message))
    second = app.transaction(
        lambda uow: uow.outbox.add(
            OutboxMessage(Channel.EMAIL, "an@stad.gent", "nl", "x", {}, "k1", now)
        )
    )
    assert (first, second) == (True, False)


def test_migrating_again_is_harmless(app: App, db_url: str) -> None:
    upgrade(db_url)
    assert is_current(app.engine)


def test_two_processes_at_once_neither_lose_nor_duplicate(app: App, db_url: str) -> None:
    """Two officials of one municipality press send at the same moment, in two processes."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(2)
        when = app.env.clock.now()
        first = {**FORM, "preferences": ["1", "2", "3"]}
        second = {
            **FORM,
            "contact_name": "Lies Baert",
            "contact_email": "lies@merelbeke-melle.be",
            "preferences": ["9", "10", "11"],
        }
        with ProcessPoolExecutor(2, mp_context=context) as pool:
            futures = [
                pool.submit(submit_in_process, db_url, barrier, raw, when)
                for raw in (first, second)
            ]
            results = sorted(f.result(timeout=120) for f in futures)
    assert results == ["accepted", "updated"]
    with app.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(RegistrationRow)) == 1
        actions = connection.scalars(select(HistoryRow.action).order_by(HistoryRow.id)).all()
    assert actions == ["registration.submitted", "registration.updated"]
    with app.uow() as uow:
        assert len(uow.contacts.for_municipality("44088")) == 2
