"""Catching up after the service was down sends only what still makes sense: the latest due
reminder of each kind, none long past its moment, no kick-off reminder after the kick-off;
what is dropped is recorded with its reason."""

from __future__ import annotations

from datetime import timedelta

from core.assignment import result_from_dict
from core.campaign import Env
from core.clock import FixedClock
from core.model import AssignmentRun, Channel, Contact, Reminder
from core.usecases.reminders import ReminderPolicy, plan, sweep
from core.usecases.submit import Identity, submit
from tests.fakes import FakeUnitOfWork

POLICY = ReminderPolicy()


def invited(uow: FakeUnitOfWork) -> Contact:
    contact = Contact("44021", "An", "an@stad.gent", invited=True, token="tok", language="nl")
    uow.contacts.add(contact)
    return contact


def test_invited_late_gets_only_the_latest_reminder_not_both(
    uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    clock.set(env.campaign.deadline - timedelta(days=1))  # first seen a day before the deadline
    invited(uow)
    assert plan(uow, env, POLICY) == 2
    assert sweep(uow, env, POLICY) == (1, 1)
    [message] = uow.outbox.all()
    assert (message.kind, message.recipient) == ("reminder.invited", "an@stad.gent")
    [early, latest] = sorted(uow.reminders.all(), key=lambda r: r.due_at)
    assert early.sent_at is None and uow.reminders.reasons[early.id or 0] == "superseded"
    assert latest.sent_at == clock.now()
    assert sweep(uow, env, POLICY) == (0, 0), "nothing left to send"


def test_a_reminder_long_past_its_moment_is_dropped_not_sent_late(
    uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    invited(uow)
    plan(uow, env, POLICY)
    # Down from before the 7-day moment until 30 hours after it (the 2-day one is not due).
    clock.set(env.campaign.deadline - timedelta(days=7) + timedelta(hours=30))
    assert sweep(uow, env, POLICY) == (0, 1)
    assert uow.outbox.all() == []
    [late] = [r for r in uow.reminders.all() if r.cancelled]
    assert uow.reminders.reasons[late.id or 0] == "late"
    clock.set(env.campaign.deadline - timedelta(days=2))
    assert sweep(uow, env, POLICY) == (1, 0), "the next moment is still worth a reminder"

    patient = ReminderPolicy(late_after=timedelta(hours=48))  # configurable
    fresh = FakeUnitOfWork()
    invited(fresh)
    clock.set(env.campaign.deadline - timedelta(days=30))
    plan(fresh, env, patient)
    clock.set(env.campaign.deadline - timedelta(days=7) + timedelta(hours=30))
    assert sweep(fresh, env, patient) == (1, 0)


def test_no_kickoff_reminder_after_the_kickoff(
    uow: FakeUnitOfWork, env: Env, clock: FixedClock
) -> None:
    theme = env.themes.get(9)
    assert theme is not None and theme.kickoff_at is not None
    raw = {
        "municipality": "Gent",
        "contact_name": "An",
        "contact_function": "Schepen",
        "contact_email": "an@stad.gent",
        "preferences": "9,3,1",
    }
    submit(uow, env, raw, Identity(Channel.CLI, staff="els"))
    [contact] = uow.contacts.list()
    result = result_from_dict(
        {"status": "optimal", "assignments": [{"participant": "44021", "theme": 9, "group": "A"}]}
    )
    run = AssignmentRun(clock.now(), "els", "optimal", 1, "h", result)
    uow.assignments.add_run(run)
    assert run.id is not None
    uow.assignments.mark_published(run.id, clock.now())
    for hours in (48, 2):
        due = theme.kickoff_at - timedelta(hours=hours)
        key = f"kickoff:{contact.id}:{due.isoformat()}"
        uow.reminders.add(Reminder(key, "reminder.kickoff", due, contact.id, subject="44021:9:A"))
    patient = ReminderPolicy(late_after=timedelta(days=3))
    clock.set(theme.kickoff_at + timedelta(hours=1))  # back only after the kick-off
    assert sweep(uow, env, patient) == (0, 2)
    assert sorted(str(v) for v in uow.reminders.reasons.values()) == [
        "after_kickoff",
        "superseded",
    ]
    assert [m for m in uow.outbox.all() if m.kind == "reminder.kickoff"] == []
