"""An SMTP submission server that, like smtp.office365.com, takes AUTH XOAUTH2 only and
checks the bearer token itself (signature, expiry, SMTP.SendAsApp, the mailbox), then lets
the signed-in mailbox send as itself only (Send As). OpenSMTPD cannot check tokens.

    async with XOAuth2Smtp(idp) as smtp:
        SmtpSettings("127.0.0.1", smtp.port, ...)
"""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType

from tests.oauth_standin import OAuthStandin


@dataclass
class Delivery:
    signed_in_as: str
    mail_from: str
    message: EmailMessage = field(repr=False)


class XOAuth2Smtp:
    def __init__(self, idp: OAuthStandin) -> None:
        self.idp = idp
        self.port = 0
        self.auth_attempts: list[tuple[str, bool]] = []  # (user, accepted)
        self.delivered: list[Delivery] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> XOAuth2Smtp:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _sign_in(self, argument: bytes) -> str:
        try:
            fields = base64.b64decode(argument, validate=True).decode().split("\x01")
        except ValueError:
            return ""
        values = dict(part.split("=", 1) for part in fields if "=" in part)
        user, bearer = values.get("user", ""), values.get("auth", "")
        token = bearer.removeprefix("Bearer ")
        accepted = bearer.startswith("Bearer ") and self.idp.verify(token, user, "SMTP.SendAsApp")
        self.auth_attempts.append((user, accepted))
        return user if accepted else ""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        user, mail_from = "", ""
        writer.write(b"220 smtp.standin ESMTP\r\n")
        while line := await reader.readline():
            words = line.strip().split()
            verb = words[0].upper() if words else b""
            if verb == b"EHLO":
                writer.write(b"250-smtp.standin\r\n250-AUTH XOAUTH2\r\n250 8BITMIME\r\n")
            elif verb == b"AUTH" and len(words) == 3 and words[1].upper() == b"XOAUTH2":
                user = self._sign_in(words[2])
                if user:
                    writer.write(b"235 2.7.0 Authentication successful\r\n")
                else:
                    writer.write(b"535 5.7.3 Authentication unsuccessful\r\n")
            elif verb == b"MAIL":
                mail_from = line.split(b":", 1)[1].split(b">")[0].strip(b" <").decode()
                if not user:
                    writer.write(b"530 5.7.57 Client not authenticated to send mail\r\n")
                elif mail_from.lower() != user.lower():
                    writer.write(b"554 5.2.252 SendAsDenied\r\n")
                else:
                    writer.write(b"250 2.1.0 Sender OK\r\n")
            elif verb == b"DATA":
                writer.write(b"354 Start mail input\r\n")
                await writer.drain()
                body = (await reader.readuntil(b"\r\n.\r\n"))[:-5].replace(b"\r\n..", b"\r\n.")
                parsed = message_from_bytes(body, policy=policy.default)
                assert isinstance(parsed, EmailMessage)
                self.delivered.append(Delivery(user, mail_from, parsed))
                writer.write(b"250 2.0.0 Queued\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 2.0.0 Bye\r\n")
                break
            else:
                writer.write(b"250 2.0.0 OK\r\n")
            await writer.drain()
        writer.close()


@contextmanager
def serving_in_thread(idp: OAuthStandin) -> Iterator[XOAuth2Smtp]:
    """The server on an event loop of its own, for code that runs asyncio.run itself (the CLI)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = XOAuth2Smtp(idp)
    asyncio.run_coroutine_threadsafe(server.__aenter__(), loop).result(10)
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.__aexit__(None, None, None), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
