"""The local (embedded default) mail transport: Maildir intake, the outbox folder, and the
pure parts of the IMAP intake (backoff, batching). No servers needed."""

from __future__ import annotations

import mailbox
import os
import re
import time
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import pytest

import mail.maildir
from mail.intake import Backoff, Disposition, batches
from mail.maildir import drain_maildir_once
from mail.outbox_folder import FolderTransport, file_name_for
from mail.smtp import SendStatus


def raw_message(n: int, subject: str = "Inschrijving") -> bytes:
    return (
        "From: An Peeters <an.peeters@stad.gent>\n"
        "To: intake@vlaio.test\n"
        f"Subject: {subject} {n}\n"
        f"Message-ID: <msg-{n}@stad.gent>\n"
        "\n"
        f"Gemeente: Gent\nVoorkeur 1: 9\nBericht {n}\n"
    ).encode()


def message_id(raw: bytes) -> str:
    found = re.search(rb"^Message-ID: (<[^>]+>)", raw, re.MULTILINE)
    assert found
    return found.group(1).decode()


class Recorder:
    def __init__(self, disposition: Disposition = Disposition.PROCESSED) -> None:
        self.seen: list[str] = []
        self.disposition = disposition

    def __call__(self, raw: bytes) -> Disposition:
        self.seen.append(message_id(raw))
        if b"Subject: Crash" in raw:
            raise RuntimeError("the pipeline fell over")
        if b"Subject: Afwezig" in raw:
            return Disposition.IGNORED
        return self.disposition


def ids_in(root: Path, folder: str) -> list[str]:
    box = mailbox.Maildir(root / f".{folder}", factory=None, create=False)
    return sorted(message_id(box.get_bytes(key)) for key in box.iterkeys())


def drop_eml(root: Path, name: str, raw: bytes) -> Path:
    """Drop a file the safe way: write it under another name, then rename it."""
    path = root / name
    partial = root / f"{name}.part"
    partial.write_bytes(raw)
    os.replace(partial, path)
    return path


# -- Maildir intake ----------------------------------------------------------------------


def test_an_empty_folder_becomes_a_maildir_with_the_three_subfolders(tmp_path: Path) -> None:
    root = tmp_path / "mail"
    assert drain_maildir_once(root, Recorder()) == 0
    for sub in ("new", "cur", "tmp", ".Verwerkt/cur", ".Genegeerd/new", ".Mislukt/tmp"):
        assert (root / sub).is_dir()
    assert (root / ".Verwerkt" / "maildirfolder").exists()


def test_maildir_messages_and_dropped_eml_files_are_handled_once_and_filed(
    tmp_path: Path,
) -> None:
    root = tmp_path / "mail"
    box = mailbox.Maildir(root, factory=None, create=True)
    box.add(raw_message(1))
    box.add(raw_message(2, "Afwezig"))
    drop_eml(root, "aanmelding gent.eml", raw_message(3))
    drop_eml(root, "KAPOT.EML", raw_message(4, "Crash"))
    (root / "notities.txt").write_text("not mail")
    handler = Recorder()

    assert drain_maildir_once(root, handler, settle_seconds=0) == 3
    assert sorted(handler.seen) == [f"<msg-{n}@stad.gent>" for n in range(1, 5)]
    assert ids_in(root, "Verwerkt") == ["<msg-1@stad.gent>", "<msg-3@stad.gent>"]
    assert ids_in(root, "Genegeerd") == ["<msg-2@stad.gent>"]
    # The handler raised: nothing was recorded, so the message stays for a retry.
    assert ids_in(root, "Mislukt") == []
    assert sorted(p.name for p in root.iterdir() if p.is_file()) == ["KAPOT.EML", "notities.txt"]
    assert list(box.keys()) == []

    assert drain_maildir_once(root, handler, settle_seconds=0) == 0
    assert len(handler.seen) == 5  # the filed ones never again; the crashed one again


def test_two_drops_with_the_same_name_are_both_kept(tmp_path: Path) -> None:
    root = tmp_path / "mail"
    root.mkdir()
    drop_eml(root, "aanmelding.eml", raw_message(1))
    drain_maildir_once(root, Recorder(), settle_seconds=0)
    drop_eml(root, "aanmelding.eml", raw_message(2))
    drain_maildir_once(root, Recorder(), settle_seconds=0)
    assert ids_in(root, "Verwerkt") == ["<msg-1@stad.gent>", "<msg-2@stad.gent>"]


def test_a_file_still_being_written_waits_until_it_has_settled(tmp_path: Path) -> None:
    root = tmp_path / "mail"
    root.mkdir()
    path = drop_eml(root, "groot.eml", raw_message(1))
    handler = Recorder()
    assert drain_maildir_once(root, handler, settle_seconds=60) == 0
    assert path.exists()
    old = time.time() - 120
    os.utime(path, (old, old))  # ctime still says "just now": a copy may be in progress
    assert drain_maildir_once(root, handler, settle_seconds=60) == 0
    assert drain_maildir_once(root, handler, settle_seconds=0) == 1


def test_crash_between_handling_and_filing_offers_the_message_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "mail"
    root.mkdir()
    drop_eml(root, "aanmelding.eml", raw_message(1))
    real_move = mail.maildir._move

    def crash(*args: object) -> None:
        raise SystemExit("the service died before filing")

    monkeypatch.setattr(mail.maildir, "_move", crash)
    first = Recorder()
    with pytest.raises(SystemExit):
        drain_maildir_once(root, first, settle_seconds=0)
    assert first.seen == ["<msg-1@stad.gent>"]

    monkeypatch.setattr(mail.maildir, "_move", real_move)
    after_restart = Recorder()
    assert drain_maildir_once(root, after_restart, settle_seconds=0) == 1
    assert after_restart.seen == ["<msg-1@stad.gent>"]
    assert ids_in(root, "Verwerkt") == ["<msg-1@stad.gent>"]


# -- the outbox folder -------------------------------------------------------------------


def reply(n: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "VLAIO Leertrajecten <intake@vlaio.test>"
    message["To"] = "an.peeters@stad.gent"
    message["Subject"] = "Re: Inschrijving"
    message["Message-ID"] = f"<reply-{n}/x@vlaio.test>"
    message.set_content("Uw inschrijving is ontvangen.")
    return message


async def test_the_outbox_folder_writes_one_file_per_message_id(tmp_path: Path) -> None:
    transport = FolderTransport(tmp_path / "outbox")
    first = await transport.send([reply(1), reply(2)])
    again = await transport.send([reply(1)])
    assert [r.status for r in first + again] == [SendStatus.SENT] * 3
    files = sorted((tmp_path / "outbox").iterdir())
    assert len(files) == 2
    assert all(f.suffix == ".eml" and "/" not in f.name for f in files)
    parsed = BytesParser(policy=default).parsebytes(files[0].read_bytes())
    assert parsed["Message-ID"] in {"<reply-1/x@vlaio.test>", "<reply-2/x@vlaio.test>"}


def test_file_names_are_stable_and_distinct() -> None:
    assert file_name_for("<a@b>", b"x") == file_name_for("<a@b>", b"y")
    assert file_name_for("<a/b@c>", b"") != file_name_for("<a_b@c>", b"")
    assert file_name_for(None, b"one") != file_name_for(None, b"two")


async def test_an_unwritable_outbox_is_a_temporary_failure(tmp_path: Path) -> None:
    blocked = tmp_path / "outbox"
    blocked.write_text("a file where the folder should be")
    [result] = await FolderTransport(blocked).send([reply(1)])
    assert result.status is SendStatus.TEMPORARY_FAILURE
    assert result.message_id == "<reply-1/x@vlaio.test>"


# -- pure parts of the IMAP intake -------------------------------------------------------


def test_backoff_grows_is_capped_and_jittered() -> None:
    backoff = Backoff(initial=1.0, maximum=60.0, factor=2.0, jitter=0.5)
    assert [backoff.delay(n, rand=lambda: 0.0) for n in range(8)] == [
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        32.0,
        60.0,
        60.0,
    ]
    assert backoff.delay(3, rand=lambda: 1.0) == 4.0
    assert backoff.delay(10_000, rand=lambda: 0.0) == 60.0


def test_batches_respect_count_and_size() -> None:
    sizes = {1: 10, 2: 10, 3: 100, 4: 10, 5: 10}
    assert list(batches([1, 2, 3, 4, 5], sizes, max_count=2, max_bytes=1000)) == [
        [1, 2],
        [3, 4],
        [5],
    ]
    # A message bigger than the byte limit still goes, alone.
    assert list(batches([1, 2, 3, 4, 5], sizes, max_count=10, max_bytes=50)) == [
        [1, 2],
        [3],
        [4, 5],
    ]
