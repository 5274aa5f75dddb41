"""SMTP sending against real OpenSMTPD (-> LMTP -> Dovecot) and a scripted SMTP server.

Waits are bounded waits on conditions; nothing synchronises by sleeping.
"""

from __future__ import annotations

import asyncio
import ssl
from email.message import EmailMessage
from typing import Literal

import pytest

from mail.smtp import SendResult, SendStatus, SmtpSettings, SmtpTransport
from tests.mail_messages import (
    AN,
    email_message,
    message_id,
)
from tests.mailserver import MailServers
from tests.mailserver_util import make_certificate

pytestmark = pytest.mark.mailserver


async def test_round_trip_smtp_to_imap(mailboxes: MailServers) -> None:
    transport = SmtpTransport(mailboxes.smtp_settings())
    results = await transport.send([email_message(1, to=AN)])
    assert [r.status for r in results] == [SendStatus.SENT]
    assert results[0].message_id == "<reply-1@vlaio.test>"
    [raw] = await asyncio.to_thread(mailboxes.wait_for_messages, AN, 1)
    assert message_id(raw) == "<reply-1@vlaio.test>"
    assert b"Uw inschrijving is ontvangen. Nummer 1." in raw


async def test_a_batch_goes_over_one_connection(
    mailboxes: MailServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = SmtpTransport(mailboxes.smtp_settings())
    connects = 0
    original = transport._connect

    async def counting_connect():  # type: ignore[no-untyped-def]
        nonlocal connects
        connects += 1
        return await original()

    monkeypatch.setattr(transport, "_connect", counting_connect)
    results = await transport.send([email_message(n, to=AN) for n in range(5)])
    assert all(r.status is SendStatus.SENT for r in results)
    assert connects == 1
    await asyncio.to_thread(mailboxes.wait_for_messages, AN, 5)


async def test_a_batch_beyond_the_servers_per_session_limit_is_sent_whole(
    mailboxes: MailServers,
) -> None:
    # OpenSMTPD refuses the 101st message of a session with "452 Too many messages sent".
    transport = SmtpTransport(mailboxes.smtp_settings())
    results = await transport.send([email_message(n, to=AN) for n in range(150)])
    assert [r.status for r in results] == [SendStatus.SENT] * 150
    await asyncio.to_thread(mailboxes.wait_for_messages, AN, 150, "INBOX", 60)


async def test_refused_recipient_is_permanent_and_the_batch_goes_on(mailboxes: MailServers) -> None:
    transport = SmtpTransport(mailboxes.smtp_settings())
    results = await transport.send(
        [email_message(1, to="bob@unknown.invalid"), email_message(2, to=AN)]
    )
    refused, sent = results
    assert refused.status is SendStatus.PERMANENT_FAILURE
    assert refused.code == 550
    assert "Invalid recipient" in refused.text
    assert refused.refused == {"bob@unknown.invalid": (550, refused.text)}
    assert sent.status is SendStatus.SENT
    await asyncio.to_thread(mailboxes.wait_for_messages, AN, 1)


async def test_smtp_server_down_is_temporary_and_back_up_sends(mailboxes: MailServers) -> None:
    transport = SmtpTransport(mailboxes.smtp_settings(timeout=5.0))
    mailboxes.stop_smtp()
    try:
        down = await transport.send([email_message(1, to=AN), email_message(2, to=AN)])
    finally:
        mailboxes.start_smtp()
    assert [r.status for r in down] == [SendStatus.TEMPORARY_FAILURE] * 2
    assert all(r.text for r in down)
    up = await transport.send([email_message(1, to=AN), email_message(2, to=AN)])
    assert [r.status for r in up] == [SendStatus.SENT] * 2
    arrived = await asyncio.to_thread(mailboxes.wait_for_messages, AN, 2)
    assert sorted(message_id(raw) for raw in arrived) == [
        "<reply-1@vlaio.test>",
        "<reply-2@vlaio.test>",
    ]


# -- IMAP intake -----------------------------------------------------------------------


class ScriptedSmtp:
    """Just enough SMTP; drops the connection at the MAIL or after the DATA of message n.

    With starttls (a server-side SSL context) it offers STARTTLS and upgrades on request.
    """

    def __init__(
        self,
        drop_at_mail: int = 0,
        drop_after_data: int = 0,
        starttls: ssl.SSLContext | None = None,
    ) -> None:
        self.drop_at_mail = drop_at_mail
        self.drop_after_data = drop_after_data
        self.starttls = starttls
        self.upgraded = False
        self.mails = 0
        self.connections = 0
        self.accepted: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.write(b"220 stub ESMTP\r\n")
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                offer = b"250-STARTTLS\r\n" if self.starttls and not self.upgraded else b""
                writer.write(b"250-stub\r\n" + offer + b"250 8BITMIME\r\n")
            elif verb == b"STAR" and self.starttls is not None:
                writer.write(b"220 go ahead\r\n")
                await writer.drain()
                await writer.start_tls(self.starttls)
                self.upgraded = True
                continue
            elif verb == b"MAIL":
                self.mails += 1
                if self.mails == self.drop_at_mail:
                    break
                writer.write(b"250 ok\r\n")
            elif verb == b"RCPT":
                busy = b"busy@" in line
                writer.write(b"451 4.3.0 try again later\r\n" if busy else b"250 ok\r\n")
            elif verb == b"DATA":
                writer.write(b"354 go on\r\n")
                await writer.drain()
                body = await reader.readuntil(b"\r\n.\r\n")
                if self.mails == self.drop_after_data:
                    break
                self.accepted.append(body)
                writer.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 bye\r\n")
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


async def _send_through(
    stub: ScriptedSmtp,
    messages: list[EmailMessage],
    tls: Literal["none", "starttls", "ssl"] = "none",
    server_tls: ssl.SSLContext | None = None,
    client_tls: ssl.SSLContext | None = None,
) -> list[SendResult]:
    server = await asyncio.start_server(stub.serve, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    settings = SmtpSettings("127.0.0.1", port, None, None, tls, 5.0, "client.test")
    try:
        return await SmtpTransport(settings, tls_context=client_tls).send(messages)
    finally:
        server.close()
        await server.wait_closed()


async def test_dropped_before_data_is_retried_once_on_a_new_connection() -> None:
    stub = ScriptedSmtp(drop_at_mail=2)
    results = await _send_through(stub, [email_message(n, to=AN) for n in range(3)])
    assert [r.status for r in results] == [SendStatus.SENT] * 3
    assert stub.connections == 2
    assert len(stub.accepted) == 3


async def test_dropped_after_data_is_temporary_and_not_resent_at_once() -> None:
    stub = ScriptedSmtp(drop_after_data=2)
    results = await _send_through(stub, [email_message(n, to=AN) for n in range(3)])
    # The server may have kept message 2: only the outbox's later retry may send it again.
    assert [r.status for r in results] == [
        SendStatus.SENT,
        SendStatus.TEMPORARY_FAILURE,
        SendStatus.SENT,
    ]
    assert [r.maybe_delivered for r in results] == [False, True, False]
    assert stub.connections == 2


async def test_4xx_recipient_is_temporary() -> None:
    stub = ScriptedSmtp()
    [result] = await _send_through(stub, [email_message(1, to="busy@gent.example.test")])
    assert result.status is SendStatus.TEMPORARY_FAILURE
    assert (result.code, result.text) == (451, "4.3.0 try again later")


@pytest.fixture(scope="module")
def tls_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting exactly that server)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    make_certificate(cert, key)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


async def test_smtp_starttls_upgrades_before_sending(
    tls_pair: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server, client = tls_pair
    stub = ScriptedSmtp(starttls=server)
    [result] = await _send_through(stub, [email_message(1)], "starttls", client_tls=client)
    assert result.status is SendStatus.SENT
    assert stub.upgraded and len(stub.accepted) == 1


async def test_smtp_implicit_tls(tls_pair: tuple[ssl.SSLContext, ssl.SSLContext]) -> None:
    server, client = tls_pair
    stub = ScriptedSmtp()
    [result] = await _send_through(stub, [email_message(1)], "ssl", server, client)
    assert result.status is SendStatus.SENT
    assert len(stub.accepted) == 1


async def test_smtp_tls_with_an_untrusted_certificate_is_temporary(
    tls_pair: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    server, _ = tls_pair  # the client keeps the system's CAs, which never signed this one
    [result] = await _send_through(ScriptedSmtp(), [email_message(1)], "ssl", server)
    assert result.status is SendStatus.TEMPORARY_FAILURE
    assert "CERTIFICATE_VERIFY_FAILED" in result.text


async def test_smtp_without_tls_does_not_upgrade_on_its_own(
    tls_pair: tuple[ssl.SSLContext, ssl.SSLContext],
) -> None:
    stub = ScriptedSmtp(starttls=tls_pair[0])
    [result] = await _send_through(stub, [email_message(1)], "none")
    assert result.status is SendStatus.SENT
    assert not stub.upgraded
