"""One log line per handled and per sent e-mail, so staff watching `make run` see it work.

Wired around the mail pipeline and the sender from app/ (mail/ stays as it is). A line names
the outcome, the registration's reference, the channel, the kind and the municipality; never
an address, a name, a subject or a body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from typing import Any

from core.model import OutboxMessage
from mail.intake import Disposition
from mail.pipeline import IntakeResult
from mail.render import Renderer
from mail.smtp import MailTransport, SendResult

log = logging.getLogger("leertraject.journal")


def log_handled(result: IntakeResult) -> None:
    registration = result.registration or {}
    municipality = (registration.get("municipality") or {}).get("name", "-")
    log.info(
        "message handled: outcome=%s reference=%s channel=email municipality=%s",
        result.outcome,
        registration.get("reference") or "-",
        municipality,
    )


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
        log.info(
            "message sent: outcome=%s reference=%s channel=email kind=%s",
            result.status.value,
            reference,
            kind,
        )


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
