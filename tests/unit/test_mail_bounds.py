"""Hostile mail is bounded before it is expensive: every cap of mail.bounds turns a message
into a headers-only read that keeps its Message-ID and sender; mail within the caps is read
whole. No servers needed."""

from __future__ import annotations

import time

import pytest

from mail.bounds import Limits
from mail.decode import decode_message, message_key

HEAD = (
    "From: Jan <jan@brugge.example.be>\r\nTo: intake@vlaio.test\r\n"
    "Message-ID: <bomb@brugge.example.be>\r\nSubject: Inschrijving\r\nMIME-Version: 1.0\r\n"
)
FORM = "Gemeente: Brugge\r\nVoorkeur 1: 9\r\n"


def parts(n: int) -> bytes:
    body = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\n{i}\r\n" for i in range(n))
    return (
        HEAD + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + body + "--b--\r\n"
    ).encode()


def nested(depth: int) -> bytes:
    head = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth)
    )
    tail = "".join(f"\r\n--b{i}--\r\n" for i in reversed(range(depth)))
    return (HEAD + head + "Content-Type: text/plain\r\n\r\n" + FORM + tail).encode()


def headers(lines: int) -> bytes:
    extra = "".join(f"X-Filler-{i}: {'x' * 40}\r\n" for i in range(lines))
    return (HEAD + extra + "\r\n" + FORM).encode()


def html(size: int) -> bytes:
    text = "<p>Gemeente: <b>Brugge</b></p>\r\n" * (size // 32)
    return (HEAD + "Content-Type: text/html\r\n\r\n" + text).encode()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (parts(20_000), "too_many_parts"),
        (nested(3_000), "too_many_multiparts"),
        (headers(20_000), "headers_too_long"),
        (parts(10) + b"x" * (10 * 1024 * 1024), "too_large"),
        (html(3 * 1024 * 1024), "too_much_text"),
    ],
    ids=["parts", "nesting", "headers", "size", "text"],
)
def test_a_message_over_a_cap_keeps_its_id_and_sender_and_nothing_else(
    raw: bytes, reason: str
) -> None:
    started = time.perf_counter()
    mail = decode_message(raw)
    assert (mail.limited, mail.message_id) == (reason, "<bomb@brugge.example.be>")
    assert mail.from_address == "jan@brugge.example.be", "the sender can still be answered"
    assert mail.body == "" and mail.attachments == () and mail.alternatives == ()
    assert message_key(raw) == mail.message_id, "the ledger is looked up before parsing"
    assert time.perf_counter() - started < 20, "bounded (the benchmark states the real cost)"


def test_parsing_has_a_time_budget() -> None:
    mail = decode_message(parts(100), Limits(max_seconds=0.0))
    assert (mail.limited, mail.message_id) == ("parse_time", "<bomb@brugge.example.be>")


def test_ordinary_mail_within_the_caps_is_read_whole() -> None:
    for raw in (parts(100), nested(10), headers(100), html(100_000)):
        mail = decode_message(raw)
        assert mail.limited is None and mail.body, raw[:300]
        assert message_key(raw) == mail.message_id == "<bomb@brugge.example.be>"


def test_without_a_message_id_the_key_is_the_content_hash() -> None:
    raw = (HEAD.replace("Message-ID: <bomb@brugge.example.be>\r\n", "") + "\r\n" + FORM).encode()
    assert message_key(raw) == decode_message(raw).message_id
    assert message_key(raw).startswith("sha256:")
