"""Reminders: planned as rows from the state of the campaign, swept when due, sent once.

A restart loses none (they are rows), sends none twice (a row is marked in the transaction
that queues its message, and the message's dedup key is the reminder's key), and one that fell
while the service was down is sent when it comes back, if it still makes sense: of several due
reminders of one kind for one person only the latest goes out (the others are "superseded"),
one more than `late_after` past its moment is "late", and a kick-off reminder after the
kick-off is "after_kickoff". Each dropped row keeps its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.campaign import Env
from core.clock import format_local
from core.model import Channel, Contact, OutboxMessage, Reminder, Status
from core.notify import tell, tell_address
from core.ports import UnitOfWork


@dataclass(frozen=True)
class ReminderPolicy:
    invited_before_deadline: tuple[timedelta, ...] = (timedelta(days=7), timedelta(days=2))
    draft_after_last_step: timedelta = timedelta(days=1)
    draft_before_deadline: tuple[timedelta, ...] = (timedelta(days=2),)
    pending_after: timedelta = timedelta(days=1)
    kickoff_before: tuple[timedelta, ...] = (timedelta(days=7), timedelta(days=1))
    late_after: timedelta = timedelta(hours=24)


def plan(uow: UnitOfWork, env: Env, policy: ReminderPolicy) -> int:
    """Add the reminder rows the current state calls for; planning again adds nothing."""
    deadline = env.campaign.deadline
    if env.clock.now() >= deadline:
        return 0
    added = 0
    registered = {r.municipality for r in uow.registrations.list()}
    for contact in uow.contacts.list(invited_only=True):
        if contact.erased or contact.municipality in registered:
            continue
        for before in policy.invited_before_deadline:
            due = deadline - before
            key = f"invited:{contact.id}:{due.isoformat()}"
            added += uow.reminders.add(
                Reminder(key, "reminder.invited", due, contact.id, subject=contact.municipality)
            )
    for draft in uow.drafts.all():
        if not draft.owner.startswith("telegram:"):
            continue
        chat = int(draft.owner.split(":", 1)[1])
        moments = [draft.updated_at + policy.draft_after_last_step]
        moments += [deadline - before for before in policy.draft_before_deadline]
        for due in moments:
            if due <= draft.updated_at or due >= deadline:
                continue
            key = f"draft:{chat}:{draft.updated_at.isoformat()}:{due.isoformat()}"
            reminder = Reminder(key, "reminder.draft", due, chat_id=chat, subject=draft.owner)
            added += uow.reminders.add(reminder)
    for registration in uow.registrations.list(Status.PENDING_VERIFICATION):
        if registration.created_at is None:
            continue
        due = registration.created_at + policy.pending_after
        for email in _pending_addresses(uow, registration.municipality):
            key = f"pending:{registration.reference}:{email}"
            reminder = Reminder(
                key, "reminder.pending", due, email=email, subject=registration.municipality
            )
            added += uow.reminders.add(reminder)
    return added


def sweep(
    uow: UnitOfWork, env: Env, policy: ReminderPolicy | None = None, limit: int = 200
) -> tuple[int, int]:
    """Send the due reminders that still make sense and drop the others: (sent, dropped)."""
    policy = policy or ReminderPolicy()
    now = env.clock.now()
    sent = dropped = 0
    due = uow.reminders.claim_due(now, limit)
    latest: dict[tuple[object, ...], Reminder] = {}
    for reminder in due:  # claimed oldest first: the last one of each group stays
        latest[_group(reminder)] = reminder
    for reminder in due:
        assert reminder.id is not None
        reason = _drop_reason(env, policy, reminder, latest[_group(reminder)], now)
        queued = reason is None and _send(uow, env, reminder, now)
        uow.reminders.mark(
            reminder.id, now if queued else None, cancelled=not queued, reason=reason
        )
        sent += queued
        dropped += not queued
    return sent, dropped


def _group(reminder: Reminder) -> tuple[object, ...]:
    """Reminders that say the same thing to the same person: only the latest is worth it."""
    return (reminder.kind, reminder.contact_id, reminder.chat_id, reminder.email, reminder.subject)


def _drop_reason(
    env: Env, policy: ReminderPolicy, reminder: Reminder, latest: Reminder, now: datetime
) -> str | None:
    if reminder is not latest:
        return "superseded"
    if now - reminder.due_at > policy.late_after:
        return "late"
    if reminder.kind == "reminder.kickoff":
        kickoff_at = _kickoff_at(env, reminder)
        if kickoff_at is not None and kickoff_at <= now:
            return "after_kickoff"
    return None


def _kickoff_at(env: Env, reminder: Reminder) -> datetime | None:
    theme_number = reminder.subject.split(":")[1] if ":" in reminder.subject else ""
    theme = env.themes.get(int(theme_number)) if theme_number.isdigit() else None
    return theme.kickoff_at if theme else None


def _send(uow: UnitOfWork, env: Env, reminder: Reminder, now: datetime) -> bool:
    deadline_open = now < env.campaign.deadline
    params: dict[str, Any] = {
        "deadline": format_local(env.campaign.deadline),
        "municipality_name": env.municipality_name(reminder.subject),
    }
    if reminder.kind == "reminder.invited":
        contact = _contact(uow, reminder.contact_id)
        registration = uow.registrations.get(reminder.subject)
        if not deadline_open or contact is None or registration is not None:
            return False
        params["token"] = contact.token
        return bool(tell(uow, [contact], reminder.kind, params, reminder.key, now))
    if reminder.kind == "reminder.draft":
        draft = uow.drafts.get(reminder.subject)
        if not deadline_open or draft is None or reminder.chat_id is None:
            return False
        if draft.updated_at.isoformat() not in reminder.key:
            return False  # the official went on since: a newer reminder is planned
        message = OutboxMessage(
            Channel.TELEGRAM,
            str(reminder.chat_id),
            draft.language,
            reminder.kind,
            {**params, "step": draft.step},
            f"{reminder.kind}:{reminder.key}",
            now,
        )
        return uow.outbox.add(message)
    if reminder.kind == "reminder.pending":
        registration = uow.registrations.get(reminder.subject)
        if not deadline_open or reminder.email is None or registration is None:
            return False
        if registration.status is not Status.PENDING_VERIFICATION:
            return False
        return (
            tell_address(uow, reminder.email, "nl", reminder.kind, params, reminder.key, now)
            is not None
        )
    if reminder.kind == "reminder.kickoff":
        contact = _contact(uow, reminder.contact_id)
        registration = uow.registrations.get(contact.municipality) if contact else None
        if contact is None or registration is None or registration.status is Status.WITHDRAWN:
            return False
        if not _still_assigned(uow, reminder.subject):
            return False  # re-published since: the new run planned its own reminders
        return bool(
            tell(uow, [contact], reminder.kind, kickoff_params(env, reminder), reminder.key, now)
        )
    return False


def kickoff_params(env: Env, reminder: Reminder) -> dict[str, Any]:
    """Kickoff reminders carry the theme in their subject: "<refnis>:<theme>:<group>"."""
    _, theme_number, group = [*reminder.subject.split(":"), "", ""][:3]
    theme = env.themes.get(int(theme_number)) if theme_number.isdigit() else None
    return {
        "theme": int(theme_number) if theme_number.isdigit() else None,
        "theme_title": theme.title_nl if theme else "",
        "group": group,
        "kickoff_at": format_local(theme.kickoff_at) if theme and theme.kickoff_at else "",
        "kickoff_place": theme.kickoff_place if theme else "",
    }


def _still_assigned(uow: UnitOfWork, subject: str) -> bool:
    municipality, theme, group = [*subject.split(":"), "", ""][:3]
    run = uow.assignments.published_run()
    assignments = run.result.solution.assignments if run else ()
    return any(
        (a.participant, str(a.theme), a.group) == (municipality, theme, group) for a in assignments
    )


def _contact(uow: UnitOfWork, contact_id: int | None) -> Contact | None:
    contact = uow.contacts.get(contact_id) if contact_id is not None else None
    return None if contact is None or contact.erased else contact


def _pending_addresses(uow: UnitOfWork, municipality: str) -> list[str]:
    """Who is waiting to confirm: the addresses that asked for a code and never used one."""
    waiting = uow.verifications.for_municipality(municipality)
    return sorted({v.email for v in waiting if not v.used})
