"""One log line per handled and per sent message, e-mail and chat, so staff watching
`make run` see it work.

Wired around the mail pipeline and the sender, and around the chat's transactions and its
outbox sender, from app/ (mail/ and bot/ stay as they are). A line names the outcome, the
registration's reference, the channel, the kind and the municipality; never an address, a
name, a chat id, a subject, a body or what was typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, TypeVar

from bot.sender import ChatSender, Sent
from core.conversation import Answer, ChatEvent, Conversation
from core.model import OutboxMessage
from core.ports import UnitOfWork
from mail.intake import Disposition
from mail.pipeline import IntakeResult
from mail.render import Renderer
from mail.smtp import MailTransport, SendResult

T = TypeVar("T")
log = logging.getLogger("leertraject.journal")


def log_line(event: str, channel: str, outcome: str, reference: str | None, **more: str) -> None:
    """The one shape of a journal line: `message handled|sent: outcome=... reference=...
    channel=... <more>`."""
    tail = "".join(f" {key}={value or '-'}" for key, value in more.items())
    log.info(
        "message %s: outcome=%s reference=%s channel=%s%s",
        event,
        outcome,
        reference or "-",
        channel,
        tail,
    )


def log_handled(result: IntakeResult) -> None:
    registration = result.registration or {}
    municipality = (registration.get("municipality") or {}).get("name", "-")
    reference = registration.get("reference")
    log_line("handled", "email", result.outcome, reference, municipality=municipality)


def logged_handler(process: Callable[[bytes], IntakeResult]) -> Callable[[bytes], Disposition]:
    """The intake's `handle`, built on its `process`, with one log line per message."""

    def handle(raw: bytes) -> Disposition:
        result = process(raw)
        log_handled(result)
        return result.disposition

    return handle


class SentJournal:
    """What each built e-mail was (kind, reference), until the transport has sent it."""

    def __init__(self) -> None:
        self.pending: dict[str, tuple[str, str]] = {}

    def remember(self, email: EmailMessage, kind: str, params: dict[str, Any]) -> None:
        reference = str(params.get("reference") or "-")
        self.pending[str(email["Message-ID"])] = (kind, reference)

    def sent(self, email: EmailMessage, result: SendResult) -> None:
        kind, reference = self.pending.pop(str(email["Message-ID"]), ("-", "-"))
        log_line("sent", "email", result.status.value, reference, kind=kind)


class JournalRenderer(Renderer):
    """The renderer, noting what each e-mail it builds is."""

    def __init__(self, journal: SentJournal, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.journal = journal

    def build(self, message: OutboxMessage, now: Any) -> EmailMessage:
        email = super().build(message, now)
        self.journal.remember(email, message.kind, message.params)
        return email


class JournalTransport:
    """A transport that logs each message's outcome after the real one has sent it."""

    def __init__(self, inner: MailTransport, journal: SentJournal) -> None:
        self.inner = inner
        self.journal = journal

    async def send(self, messages: Sequence[EmailMessage]) -> list[SendResult]:
        results = await self.inner.send(messages)
        for email, result in zip(messages, results, strict=True):
            self.journal.sent(email, result)
        return results


@dataclass
class JournalAnswer(Answer):
    """The chat's answer with what its log line names, looked up in the same transaction."""

    reference: str = "-"
    municipality: str = "-"


class JournalConversation(Conversation):
    """The registration chat, whose answers carry the registration they were about."""

    def handle(self, uow: UnitOfWork, event: ChatEvent) -> Answer:
        answer = super().handle(uow, event)
        draft = uow.drafts.get(f"telegram:{event.user_id}")
        refnis = str(draft.values.get("municipality") or "") if draft else ""
        if not refnis:
            contacts = uow.contacts.by_telegram(event.user_id)
            refnis = contacts[0].municipality if contacts else ""
        found = self.env.municipalities.get(refnis) if refnis else None
        registration = uow.registrations.get(found.refnis) if found else None
        return JournalAnswer(
            answer.replies,
            toast=answer.toast,
            duplicate=answer.duplicate,
            outcome=answer.outcome,
            reference=registration.reference if registration else "-",
            municipality=found.name if found else "-",
        )


def logged_transaction(
    transaction: Callable[[Callable[[UnitOfWork], T]], T],
) -> Callable[[Callable[[UnitOfWork], T]], T]:
    """The chat's transactions; one log line per handled update, once it is committed."""

    def run(work: Callable[[UnitOfWork], T]) -> T:
        result = transaction(work)
        if isinstance(result, JournalAnswer):
            log_line(
                "handled",
                "telegram",
                result.outcome,
                result.reference,
                municipality=result.municipality,
            )
        return result

    return run


class JournalChatSender(ChatSender):
    """The chat outbox sender, with one log line per message it tried to send."""

    async def _send(self, message: OutboxMessage) -> Sent:
        sent = await super()._send(message)
        reference = str(message.params.get("reference") or "-")
        log_line("sent", "telegram", sent.status, reference, kind=message.kind)
        return sent
