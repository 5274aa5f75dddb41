"""Hostile input bounded before it is expensive: the caps on one message and the parse that
keeps to them.

A linear scan of the bytes (``screen``) looks at the size, the header block, the number of
MIME parts and of multipart containers; a message over any cap is read for its headers only,
and parsing a message within the caps has a time budget too. Pure functions, no I/O.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from email import policy
from email.feedparser import BytesFeedParser
from email.message import Message
from email.parser import BytesParser

_MULTIPART = re.compile(rb"multipart/", re.IGNORECASE)
_BOUNDARY = re.compile(rb"boundary\s*=", re.IGNORECASE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_CHUNK = 256 * 1024


@dataclass(frozen=True)
class Limits:
    """What one message may cost the intake before only its headers are read."""

    max_bytes: int = 10 * 1024 * 1024  # the intake's default mail.max_message_bytes
    max_header_bytes: int = 256 * 1024
    max_parts: int = 500  # delimiter lines ("--boundary") in the whole message
    max_multiparts: int = 50  # multipart containers, which also bounds the nesting
    max_text_bytes: int = 2 * 1024 * 1024  # text and HTML parts decoded, all renderings
    max_seconds: float = 5.0  # parsing and reading the text parts


LIMITS = Limits()


class OverBudget(Exception):
    """Reading one message took more time or text than its Budget allows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Budget:
    """What is left of one message's time and text while it is read."""

    def __init__(self, limits: Limits = LIMITS) -> None:
        self.deadline = time.monotonic() + limits.max_seconds
        self.text_left = limits.max_text_bytes

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise OverBudget("parse_time")

    def charge(self, size: int) -> None:
        self.text_left -= size
        if self.text_left < 0:
            raise OverBudget("too_much_text")
        self.check()


def screen(raw: bytes, limits: Limits = LIMITS) -> str | None:
    """Which cap a message breaks, from a linear scan of its bytes; None when it is fine."""
    if len(raw) > limits.max_bytes:
        return "too_large"
    end = _HEADER_END.search(raw)
    if (end.start() if end else len(raw)) > limits.max_header_bytes:
        return "headers_too_long"
    if _MULTIPART.search(raw) is None:
        return None
    if len(_BOUNDARY.findall(raw)) > limits.max_multiparts:
        return "too_many_multiparts"
    if raw.count(b"\n--") > limits.max_parts:
        return "too_many_parts"
    return None


def parse_bytes(
    raw: bytes, limits: Limits = LIMITS, budget: Budget | None = None
) -> tuple[Message, bool, str | None]:
    """The message tree, whether the lenient compat32 policy had to be used, and why only the
    headers were read (None when the whole message was)."""
    limited = screen(raw, limits)
    if limited is None:
        budget = budget or Budget(limits)
        for how in (policy.default, policy.compat32):
            try:
                return _parse(raw, how, budget), how is policy.compat32, None
            except OverBudget as over:
                limited = over.reason
                break
            except Exception:  # any parser crash must fall back, not lose the mail
                continue
        else:
            limited = "unparsable"  # e.g. RecursionError on thousands of nested parts
    return headers_only(raw, limits), True, limited


def _parse(raw: bytes, how: policy.Policy, budget: Budget) -> Message:
    parser = BytesFeedParser(policy=how)
    for start in range(0, len(raw), _CHUNK):
        parser.feed(raw[start : start + _CHUNK])
        budget.check()
    message = parser.close()
    assert isinstance(message, Message)
    return message


def headers_only(raw: bytes, limits: Limits) -> Message:
    """The header block (at most max_header_bytes of it), without the body."""
    end = _HEADER_END.search(raw, 0, limits.max_header_bytes + 4)
    head = raw[: end.end()] if end else raw[: limits.max_header_bytes]
    try:
        return BytesParser(policy=policy.compat32).parsebytes(head, headersonly=True)
    except Exception:
        return Message()  # still recorded, under the hash of its bytes
