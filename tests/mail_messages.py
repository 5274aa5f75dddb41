"""Messages and helpers shared by the tests of the mail transport."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from mail.imap import ImapIntake
from mail.intake import Disposition

INTAKE = "intake@vlaio.test"
AN = "an.peeters@gent.example.test"
FOLDERS = {"Verwerkt", "Genegeerd", "Mislukt"}


def raw_message(n: int, subject: str = "Inschrijving", to: str = INTAKE) -> bytes:
    return (
        f"From: An Peeters <{AN}>\r\n"
        f"To: {to}\r\n"
        f"Subject: {subject} {n}\r\n"
        f"Message-ID: <msg-{n}@gent.example.test>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"Gemeente: Gent\r\nVoorkeur 1: 9\r\nBericht {n}\r\n"
    ).encode()


def email_message(n: int, to: str = INTAKE) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"VLAIO Leertrajecten <{INTAKE}>"
    message["To"] = to
    message["Subject"] = f"Bevestiging {n}"
    message["Message-ID"] = f"<reply-{n}@vlaio.test>"
    message.set_content(f"Uw inschrijving is ontvangen. Nummer {n}.")
    return message


def message_id(raw: bytes) -> str:
    found = re.search(rb"^Message-ID:\s*(<[^>]+>)", raw, re.MULTILINE | re.IGNORECASE)
    assert found, raw[:200]
    return found.group(1).decode()


class Recorder:
    """A handler that records what it was offered; thread-safe enough for one intake."""

    def __init__(self, decide: Callable[[bytes], Disposition] | None = None) -> None:
        self.seen: list[str] = []
        self.decide = decide or (lambda raw: Disposition.PROCESSED)
        self.called = threading.Event()

    def __call__(self, raw: bytes) -> Disposition:
        self.seen.append(message_id(raw))
        self.called.set()
        return self.decide(raw)


@contextmanager
def intake_thread(intake: ImapIntake) -> Iterator[threading.Thread]:
    thread = threading.Thread(target=intake.run_forever, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        intake.stop_event.set()
        thread.join(timeout=15)
        assert not thread.is_alive(), "the intake loop did not stop"


# -- SMTP and the round trip -------------------------------------------------------------
