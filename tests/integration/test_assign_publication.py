"""Publication on real databases: it closes registration for all but staff, cancels what
would still ask municipalities to register, and the messages it queues say plainly, in one
language, what happened; the staff e-mail at the deadline carries the report itself."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from app.assigning import InputsChanged, compute_and_record
from app.bootstrap import App, bootstrap
from app.commands.publication import publish_run
from app.config import Settings
from app.jobs import deadline_job
from core.clock import FixedClock
from core.model import Actor, ActorKind, Channel, OutboxMessage, Reminder
from core.ports import UnitOfWork
from core.usecases.assign import AssignOptions, publish
from core.usecases.submit import Identity, Result, submit
from mail.render import Renderer, Sender

STAFF = Identity(Channel.CLI, staff="els")
ELS = Actor(ActorKind.STAFF, Channel.CLI, name="els")
OTHERS = ["Brugge", "Antwerpen", "Leuven", "Mechelen"]


def register(app: App, city: str, preferences: str, identity: Identity = STAFF) -> Result:
    raw = {
        "municipality": city,
        "contact_name": "Contact",
        "contact_function": "Schepen",
        "contact_email": f"info@{city.lower()}.be",
        "preferences": preferences,
    }
    return app.transaction(lambda uow: submit(uow, app.env, raw, identity)).result


def test_publishing_closes_registration_and_cancels_what_asks_to_register(
    app: App, clock: FixedClock
) -> None:
    for city in OTHERS:
        register(app, city, "1, 2, 3")
    register(app, "Gent", "5, 6, 7")  # nobody else wants 5-7: Gent can only be placed outside

    def queue(uow: UnitOfWork) -> None:
        found = app.env.municipalities.lookup("Brugge").municipality
        assert found is not None
        [contact] = uow.contacts.for_municipality(found.refnis)
        now = clock.now()
        uow.outbox.add(OutboxMessage(Channel.EMAIL, "x@y.be", "nl", "invitation", {}, "i:1", now))
        uow.reminders.add(Reminder("invited:1", "reminder.invited", now + timedelta(3), contact.id))
        uow.reminders.add(
            Reminder("kickoff:1", "reminder.kickoff", now + timedelta(60), contact.id)
        )

    app.transaction(queue)
    run = compute_and_record(app, ELS)  # before the deadline: staff chose to publish early
    told = app.transaction(lambda uow: publish(uow, app.env, run, ELS, AssignOptions()))
    assert told == len(OTHERS) + 1

    # A contact of the municipality may no longer register; staff still can.
    contact = Identity(Channel.EMAIL, email="info@brugge.be", email_trusted=True)
    assert register(app, "Brugge", "2, 1, 3", contact) is Result.REJECTED
    outcome = app.transaction(
        lambda uow: submit(
            uow,
            app.env,
            {
                "municipality": "Brugge",
                "contact_name": "Contact",
                "contact_function": "Schepen",
                "contact_email": "info@brugge.be",
                "preferences": "2, 1, 3",
            },
            contact,
        )
    )
    assert [e.code for e in outcome.errors] == ["registration.closed"]
    assert "groepen zijn al samengesteld" in outcome.errors[0].message("nl")
    assert register(app, "Brugge", "2, 1, 3") is not Result.REJECTED

    with app.uow() as uow:
        invitation = next(m for m in uow.outbox.list() if m.kind == "invitation")
        reminders = {r.kind: r.cancelled for r in uow.reminders.list()}
    assert invitation.status == "cancelled"
    assert reminders["reminder.invited"] is True and reminders["reminder.kickoff"] is False


def test_a_confirmation_outside_the_list_says_why_in_one_language(
    app: App, clock: FixedClock
) -> None:
    for city in OTHERS:
        register(app, city, "1, 2, 3")
    register(app, "Gent", "5, 6, 7")
    run = compute_and_record(app, ELS)
    app.transaction(lambda uow: publish(uow, app.env, run, ELS, AssignOptions()))
    with app.uow() as uow:
        confirmations = [m for m in uow.outbox.list() if m.kind == "assignment.confirmed"]
    gent = next(m for m in confirmations if m.recipient == "info@gent.be")
    renderer = Renderer(app.env.themes, Sender("intake@vlaio.test", "VLAIO"))

    _, dutch = renderer.subject_and_text(dataclasses.replace(gent, language="nl"))
    assert (
        "Dit thema stond niet in uw lijst. Waarom niet uw eerste keuze: thema 5 (1e keuze): "
        "niet gestart: 1 gemeente(n) kozen het, een groep vraagt er minstens 4." in dutch
    )

    subject, english = renderer.subject_and_text(dataclasses.replace(gent, language="en"))
    assert (
        "This theme was not in your list. Why not your first choice: theme 5 (choice 1): "
        "not started: 1 municipalities chose it, a group needs at least 4." in english
    )
    assert "Kernmeester: to be announced" in english
    for dutch_word in ("thema", "keuze", "gemeente", "te bevestigen", "Groep:", "Samen met"):
        assert dutch_word not in subject + english, dutch_word
    brugge = next(m for m in confirmations if m.recipient == "info@brugge.be")
    _, inside = renderer.subject_and_text(dataclasses.replace(brugge, language="en"))
    assert "not in your list" not in inside


def test_the_staff_mail_at_the_deadline_carries_the_report_not_a_path(
    db_settings: Settings, tmp_path: Path, clock: FixedClock
) -> None:
    assignment = db_settings.assignment.model_copy(update={"report_dir": tmp_path / "reports"})
    app = bootstrap(db_settings.model_copy(update={"assignment": assignment}), clock=clock)
    for city in OTHERS:
        register(app, city, "1, 2, 3")
    clock.set(app.env.campaign.deadline + timedelta(seconds=30))
    assert deadline_job(app, "w1") is not None
    with app.uow() as uow:
        [report] = [m for m in uow.outbox.list() if m.kind == "assignment.report"]
    email = Renderer(app.env.themes, Sender("intake@vlaio.test", "VLAIO")).build(
        report, clock.now()
    )
    attached = {p.get_filename(): p for p in email.iter_attachments()}
    assert set(attached) == {
        f"toewijzing-run-{report.params['run']}.pdf",
        f"toewijzing-run-{report.params['run']}.xlsx",
    }
    pdf = next(p for name, p in attached.items() if name and name.endswith(".pdf"))
    assert pdf.get_content_type() == "application/pdf"
    assert bytes(pdf.get_content()).startswith(b"%PDF-")
    body = email.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "bijlage" in text and str(tmp_path) not in text and "/reports" not in text
    app.close()


def test_the_solver_runs_outside_any_transaction_and_a_change_meanwhile_is_refused(
    app: App, db_settings: Settings, clock: FixedClock
) -> None:
    """While the solver runs, another process registers (it would wait for the write lock if
    the solve held a transaction); the run computed from the older snapshot is not stored."""
    for city in OTHERS:
        register(app, city, "1, 2, 3")
    other = bootstrap(db_settings, clock=clock)
    written: list[Result] = []

    def stopwatch() -> float:  # the solver's timer: called while it runs
        if not written:
            written.append(register(other, "Gent", "1, 2, 3"))
        return 0.0

    with pytest.raises(InputsChanged):
        compute_and_record(app, ELS, stopwatch)
    assert written and written[0] is not Result.REJECTED
    with app.uow() as uow:
        assert uow.assignments.latest_run() is None
    run = compute_and_record(app, ELS)  # unchanged since its snapshot: stored
    assert run.id is not None and run.result.placed == len(OTHERS) + 1
    other.close()


def test_publishing_a_run_older_than_the_inputs_is_refused(app: App) -> None:
    for city in OTHERS:
        register(app, city, "1, 2, 3")
    run = compute_and_record(app, ELS)
    register(app, "Gent", "1, 2, 3")
    with pytest.raises(InputsChanged, match="veranderd sinds run"):
        publish_run(app, ELS, run.id, yes=True)
    with app.uow() as uow:
        assert uow.assignments.published_run() is None
