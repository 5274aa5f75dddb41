"""Sending e-mail: the transport contract and the SMTP transport (aiosmtplib).

A transport takes a batch and says, per message, whether it went out, failed for now (4xx,
connection trouble: retry later) or failed for good (5xx: show staff the server's answer).
The outbox sender decides about retries; a transport never retries on its own except once,
on a new connection, when the old one dropped before the message's DATA had started.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from typing import Literal, Protocol

import aiosmtplib
from aiosmtplib.typing import Default

from mail.oauth import OAuthError, TokenProvider, signed_in_async

log = logging.getLogger(__name__)

TlsMode = Literal["none", "starttls", "ssl"]


class SendStatus(enum.Enum):
    SENT = "sent"
    TEMPORARY_FAILURE = "temporary_failure"
    PERMANENT_FAILURE = "permanent_failure"


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    code: int | None = None
    text: str = ""
    message_id: str | None = None
    # Recipients the server refused while it accepted the message for others.
    refused: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    # The connection died after DATA began: the server may have kept the message, so a
    # retry may deliver it twice (the sender decides: retry, or ask staff).
    maybe_delivered: bool = False

    @property
    def sent(self) -> bool:
        return self.status is SendStatus.SENT


class MailTransport(Protocol):
    async def send(self, messages: Sequence[EmailMessage]) -> list[SendResult]: ...


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)
    tls: TlsMode
    timeout: float = 30.0
    # The name we give in EHLO; None asks the OS (socket.getfqdn(), slow without DNS).
    local_hostname: str | None = None
    # AUTH XOAUTH2 as `username` (the intake mailbox) with tokens from here; None: password.
    oauth: TokenProvider | None = field(default=None, repr=False, compare=False)


def status_for_code(code: int) -> SendStatus:
    """5xx is permanent; 4xx and anything unexpected is worth another try later."""
    return SendStatus.PERMANENT_FAILURE if 500 <= code <= 599 else SendStatus.TEMPORARY_FAILURE


def message_id_of(message: EmailMessage) -> str | None:
    value = message.get("Message-ID")
    return str(value).strip() if value is not None else None


def _failure(code: int, text: str, message_id: str | None) -> SendResult:
    return SendResult(status_for_code(code), code, text, message_id)


def _temporary(exc: BaseException, message_id: str | None) -> SendResult:
    code = exc.code if isinstance(exc, aiosmtplib.SMTPResponseException) else None
    return SendResult(SendStatus.TEMPORARY_FAILURE, code, str(exc) or repr(exc), message_id)


def _refused_result(exc: aiosmtplib.SMTPRecipientsRefused, message_id: str | None) -> SendResult:
    refusals = exc.recipients
    # One recipient that might work later makes the whole message worth retrying.
    temporary = [r for r in refusals if status_for_code(r.code) is SendStatus.TEMPORARY_FAILURE]
    first = (temporary or refusals)[0]
    return SendResult(
        status_for_code(first.code),
        first.code,
        first.message,
        message_id,
        {r.recipient: (r.code, r.message) for r in refusals},
    )


class _TrackingSMTP(aiosmtplib.SMTP):
    """Remembers whether DATA started (after that a dropped connection may have delivered)
    and how many messages this connection has delivered."""

    data_started = False
    delivered = 0

    async def data(
        self,
        message: str | bytes,
        /,
        *,
        timeout: float | Literal[Default.token] | None = Default.token,
    ) -> aiosmtplib.SMTPResponse:
        self.data_started = True
        response = await super().data(message, timeout=timeout)
        self.delivered += 1
        return response


_CONNECTION_ERRORS = (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError)


class SmtpTransport:
    """Sends a batch over one connection.

    It opens a new connection when the old one dropped, or refused a message with a 4xx
    before DATA, *after* delivering others: servers limit messages per session (OpenSMTPD
    answers the 101st with "452 Too many messages sent"). A connection that delivered nothing
    gets one second chance per batch; after that the rest fails temporarily.
    """

    def __init__(self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None):
        self._settings = settings
        self._tls_context = tls_context

    async def _connect(self) -> _TrackingSMTP:
        s = self._settings
        client = _TrackingSMTP(
            hostname=s.host,
            port=s.port,
            username=s.username if s.oauth is None else None,
            password=s.password if s.oauth is None else None,
            use_tls=s.tls == "ssl",
            start_tls=s.tls == "starttls",
            timeout=s.timeout,
            local_hostname=s.local_hostname,
            tls_context=self._tls_context,
        )
        await client.connect()
        if s.oauth is not None:
            try:
                await _sign_in(client, s.oauth, s.username or "")
            except BaseException:
                client.close()
                raise
        return client

    async def check(self) -> None:
        """Connect and sign in as for sending, then quit; raises what sending would meet."""
        await _close(await self._connect())

    async def send(self, messages: Sequence[EmailMessage]) -> list[SendResult]:
        results: list[SendResult] = []
        client: _TrackingSMTP | None = None
        second_chances = 1
        try:
            while len(results) < len(messages):
                message = messages[len(results)]
                if client is None:
                    try:
                        client = await self._connect()
                    except (aiosmtplib.SMTPException, OSError, OAuthError) as exc:
                        # Greeting refused, login refused, host unreachable: a problem of the
                        # connection, not of these messages, so none of them fails for good.
                        if isinstance(exc, OAuthError):
                            log.warning("SMTP sign-in with OAuth failed: %s", exc)
                        rest = messages[len(results) :]
                        results.extend(_temporary(exc, message_id_of(m)) for m in rest)
                        break
                result, fresh_may_help = await _send_one(client, message)
                if fresh_may_help and (client.delivered > 0 or second_chances > 0):
                    if client.delivered == 0:
                        second_chances -= 1
                    await _close(client)
                    client = None
                    continue
                results.append(result)
                if not client.is_connected:
                    client = None
        finally:
            if client is not None:
                await _close(client)
        return results


async def _sign_in(client: aiosmtplib.SMTP, provider: TokenProvider, mailbox: str) -> None:
    """AUTH XOAUTH2 as the mailbox; a refused token is renewed once (then OAuthError)."""

    async def token() -> str:
        return await asyncio.to_thread(provider.token)

    async def renew(refused: str) -> str:
        return await asyncio.to_thread(provider.renew, refused)

    async def attempt(value: str) -> None:
        await client.auth_xoauth2(mailbox, value)

    refused = aiosmtplib.SMTPAuthenticationError
    await signed_in_async(token, renew, attempt, refused, "smtp_refused")


async def _close(client: aiosmtplib.SMTP) -> None:
    if not client.is_connected:
        client.close()
        return
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()


async def _send_one(client: _TrackingSMTP, message: EmailMessage) -> tuple[SendResult, bool]:
    """Send one message: its result, and whether a new connection might do better."""
    message_id = message_id_of(message)
    client.data_started = False
    try:
        refused, response = await client.send_message(message)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        result = _refused_result(exc, message_id)
        return result, result.status is SendStatus.TEMPORARY_FAILURE
    except _CONNECTION_ERRORS as exc:
        # Once DATA started the server may have kept the message: sending it again at once
        # could deliver it twice, so it is left to the outbox's later retry.
        if client.data_started:
            return replace(_temporary(exc, message_id), maybe_delivered=True), False
        return _temporary(exc, message_id), True
    except aiosmtplib.SMTPResponseException as exc:
        result = _failure(exc.code, exc.message, message_id)
        temporary = result.status is SendStatus.TEMPORARY_FAILURE
        return result, temporary and not client.data_started
    except (ValueError, aiosmtplib.SMTPNotSupported) as exc:
        # No recipients, an unusable address, SMTPUTF8 needed but not offered.
        return SendResult(SendStatus.PERMANENT_FAILURE, None, str(exc), message_id), False
    accepted_with_refusals = {addr: (r.code, r.message) for addr, r in refused.items()}
    return SendResult(SendStatus.SENT, 250, response, message_id, accepted_with_refusals), False
