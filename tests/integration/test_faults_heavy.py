"""Heavy mail through the real intake (Maildir, pipeline, SQLite and PostgreSQL): a MIME bomb
gets one recorded outcome and at most one short answer, does not hold up the registration
behind it, and when it is sent again it is found in the ledger before anything parses it."""

from __future__ import annotations

import mailbox
from pathlib import Path

from app.bootstrap import App
from app.mailing import intake_handler, recorded
from core.model import Channel
from mail.decode import message_key
from mail.intake import skip_known
from mail.maildir import drain_maildir_once
from tests.mail_messages import Recorder

SENDER = "jan@brugge.example.be"


def bomb(parts: int = 20_000) -> bytes:
    head = (
        f"From: Jan <{SENDER}>\r\nTo: intake@vlaio.test\r\nMessage-ID: <bomb@brugge.example.be>\r\n"
        "Subject: Inschrijving\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n'
    )
    body = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\n{i}\r\n" for i in range(parts))
    return (head + "\r\n" + body + "--b--\r\n").encode()


def registration() -> bytes:
    return (
        b"From: An <an@gent.example.be>\r\nTo: intake@vlaio.test\r\n"
        b"Message-ID: <after-the-bomb@gent.example.be>\r\nSubject: Inschrijving\r\n\r\n"
        b"Gemeente: Gent\r\nVoorkeur 1: 9\r\n"
    )


def answers_to(app: App, address: str) -> list[str]:
    with app.uow() as uow:
        return [m.kind for m in uow.outbox.list() if m.recipient == address]


def test_a_mime_bomb_gets_one_outcome_one_answer_and_holds_nothing_up(
    app: App, tmp_path: Path
) -> None:
    root = tmp_path / "inbox"
    box = mailbox.Maildir(root, factory=None, create=True)
    box.add(bomb())
    box.add(registration())
    handler = intake_handler(app)

    assert drain_maildir_once(root, handler, settle_seconds=0) == 2
    with app.uow() as uow:
        record = uow.inbound.get(Channel.EMAIL, "<bomb@brugge.example.be>")
        after = uow.inbound.get(Channel.EMAIL, "<after-the-bomb@gent.example.be>")
    assert record is not None and record.outcome == "rejected"
    assert after is not None, "the registration behind the bomb was handled"
    assert answers_to(app, SENDER) == ["mail.rejected"], "at most one short answer"

    box.add(bomb())  # sent again
    parser = Recorder()
    assert drain_maildir_once(root, skip_known(parser, message_key, recorded(app))) == 1
    assert parser.seen == [], "found in the ledger: never parsed again"
    assert drain_maildir_once(root, handler, settle_seconds=0) == 0
    assert answers_to(app, SENDER) == ["mail.rejected"]
    assert len(list((root / ".Verwerkt" / "new").iterdir())) == 3
