"""Raw bytes -> a decoded message that never loses a message.

Pure functions: no I/O. Headers are read from the raw header list and decoded here, so a
header that makes Python's ``policy.default`` raise (``Message-ID: <[x@y]>``, ``b@`` in an
address list) still yields a value, and the accessors never raise.

A message over one of the caps of ``mail.bounds`` is read for its headers only
(``DecodedMail.limited`` says why): it keeps its Message-ID and sender, so it is recorded,
found as a duplicate and answered at most once, without its body ever being parsed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.policy import compat32
from typing import Literal

from mail.bounds import LIMITS, Budget, Limits, OverBudget, headers_only, parse_bytes
from mail.headers import (
    addresses,
    date_of,
    decode_bytes,
    decode_words,
    header_text,
    message_id_of,
    message_ids,
    raw_header_values,
)
from mail.html_text import html_to_text

BodyKind = Literal["plain", "html", "none"]
MAX_DEPTH = 50  # MIME nesting read; real mail stays under 10, hostile mail can go to thousands

HTML_COST = 2  # HTML takes longer to turn into text: it counts double against the budget
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, eq=False)
class DecodedMail:
    """What the pipeline needs from one message; every field is safe to read."""

    message: Message
    raw_size: int
    message_id: str
    from_address: str | None
    from_name: str
    reply_to: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    body: str
    body_kind: BodyKind
    alternatives: tuple[str, ...]
    attachments: tuple[Attachment, ...]
    policy_fallback: bool
    # Why only the headers were read ("too_large", "too_many_parts", ...), or None.
    limited: str | None = None

    def header(self, name: str) -> str:
        return header_text(self.message, name)

    def headers(self, name: str) -> list[str]:
        return [decode_words(v) for v in raw_header_values(self.message, name)]

    def raw_headers(self, name: str) -> list[str]:
        return raw_header_values(self.message, name)


def message_key(raw: bytes, limits: Limits = LIMITS) -> str:
    """The key decode_message gives a message (its Message-ID, else the hash of its bytes),
    from its headers alone: cheap enough to look a message up before it is parsed."""
    return message_id_of(headers_only(raw, limits), raw)


def decode_message(raw: bytes, limits: Limits = LIMITS) -> DecodedMail:
    budget = Budget(limits)
    msg, fallback, limited = parse_bytes(raw, limits, budget)
    stored_headers(msg)
    body = ""
    kind: BodyKind = "none"
    alternatives: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    if limited is None:
        try:
            body, kind, alternatives, attachments = extract_body(msg, budget)
        except OverBudget as over:  # only the headers then, as for a message over a cap
            msg, fallback, limited = headers_only(raw, limits), True, over.reason
            body, kind, alternatives, attachments = "", "none", (), ()
    sender = addresses(msg, "From")
    from_address, from_name = sender[0] if sender else (None, "")
    refs = tuple(message_ids(" ".join(raw_header_values(msg, "References"))))
    reply = message_ids(header_text(msg, "In-Reply-To"))
    return DecodedMail(
        message=msg,
        raw_size=len(raw),
        message_id=message_id_of(msg, raw),
        from_address=from_address,
        from_name=from_name,
        reply_to=tuple(a for a, _ in addresses(msg, "Reply-To")),
        to=tuple(a for a, _ in addresses(msg, "To")),
        cc=tuple(a for a, _ in addresses(msg, "Cc")),
        subject=" ".join(header_text(msg, "Subject").split()),
        date=date_of(msg),
        in_reply_to=reply[0] if reply else None,
        references=refs,
        body=body,
        body_kind=kind,
        alternatives=alternatives,
        attachments=attachments,
        policy_fallback=fallback,
        limited=limited,
    )


# --- headers -----------------------------------------------------------------------------


def stored_headers(msg: Message, max_parts: int = 10_000) -> None:
    """From here on every part reads its headers as they are stored (``compat32``).

    ``policy.default`` builds a header object at each access: every ``get_content_type`` or
    ``get_param`` parsed the Content-Type again, most of the intake's parsing time. Whatever
    this module and the classifier read is decoded here, tolerantly, anyway.
    """
    stack, seen = [msg], 0
    while stack and seen < max_parts:
        part = stack.pop()
        seen += 1
        part.policy = compat32
        payload = payload_of(part)
        if isinstance(payload, list):
            stack.extend(p for p in payload if isinstance(p, Message))


# --- bodies ------------------------------------------------------------------------------


def unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed -> logical lines (soft breaks joined per quote depth)."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delsp:
            content = content[:-1]
        if pending is not None and depth == pending_depth:
            content = pending + content
        elif pending is not None:
            out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
        if flowed:
            pending, pending_depth = content, depth
            continue
        pending = None
        out.append(">" * depth + (" " if depth else "") + content)
    if pending is not None:
        out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
    return "\n".join(out)


def extract_body(
    msg: Message, budget: Budget | None = None
) -> tuple[str, BodyKind, tuple[str, ...], tuple[Attachment, ...]]:
    """Best text body, its kind, every full-text rendering, and the attachments skipped."""
    attachments: list[Attachment] = []
    budget = budget or Budget()
    segments = _collect(msg, attachments, "plain", budget)
    body = _join(segments)
    kind: BodyKind = "none"
    if segments:
        kind = "html" if any(k == "html" for k, _ in segments) else "plain"
    alternatives = [body]
    other = _join(_collect(msg, [], "html", budget))
    if other and other != body:
        alternatives.append(other)
    return body, kind, tuple(alternatives), tuple(attachments)


def _join(segments: list[tuple[str, str]]) -> str:
    return "\n\n".join(t for _, t in segments if t.strip()).strip("\n")


def _collect(
    part: Message, attachments: list[Attachment], prefer: str, budget: Budget, depth: int = 0
) -> list[tuple[str, str]]:
    ctype = _content_type(part)
    if depth > MAX_DEPTH:
        return []
    if part.is_multipart() and ctype.startswith("multipart/"):
        children = _children(part)
        if ctype == "multipart/alternative":
            return _choose(children, attachments, prefer, budget, depth + 1)
        found: list[tuple[str, str]] = []
        for child in children:
            found.extend(_collect(child, attachments, prefer, budget, depth + 1))
        return found
    filename = _filename(part)
    if ctype in ("text/plain", "text/html") and not filename and not _is_attachment(part):
        text = _text_of(part, ctype, budget)
        return [("html" if ctype == "text/html" else "plain", text)] if text.strip() else []
    attachments.append(Attachment(filename, ctype, _size(part)))
    return []


def _choose(
    children: list[Message], attachments: list[Attachment], prefer: str, budget: Budget, depth: int
) -> list[tuple[str, str]]:
    rendered = [_collect(child, attachments, prefer, budget, depth) for child in children]
    rendered = [r for r in rendered if r]
    for r in rendered:
        if any(kind == prefer for kind, _ in r):
            return r
    return rendered[-1] if rendered else []


def payload_of(part: Message, decode: bool = False) -> object:
    """``part.get_payload()`` that never raises (odd charsets make it raise ValueError)."""
    try:
        return part.get_payload(decode=True) if decode else part.get_payload()
    except Exception:
        return None


def _children(part: Message) -> list[Message]:
    payload = payload_of(part)
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _text_of(part: Message, ctype: str, budget: Budget) -> str:
    data = payload_of(part, decode=True)
    if not isinstance(data, bytes):
        payload = payload_of(part)
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    budget.charge(len(data) * (HTML_COST if ctype == "text/html" else 1))
    text = decode_bytes(data, _param(part, "charset"))
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    if ctype == "text/html":
        return html_to_text(text)
    if (_param(part, "format") or "").lower() == "flowed":
        text = unflow(text, (_param(part, "delsp") or "").lower() == "yes")
    return text.replace("\xa0", " ")


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        raw = header_text(part, "Content-Type").split(";")[0].strip().lower()
        return raw if "/" in raw else "text/plain"


def _param(part: Message, name: str) -> str | None:
    try:
        value = part.get_param(name)
    except Exception:
        return None
    if isinstance(value, tuple):
        value = value[2]
    return value if isinstance(value, str) and value else None


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    return decode_words(name) if isinstance(name, str) and name.strip() else ""


def _is_attachment(part: Message) -> bool:
    return header_text(part, "Content-Disposition").lower().startswith("attachment")


def _size(part: Message, depth: int = 0) -> int:
    payload = payload_of(part)
    if isinstance(payload, str):
        return len(payload)
    if depth > MAX_DEPTH:
        return 0
    return sum(_size(p, depth + 1) for p in _iter_messages(payload))


def _iter_messages(payload: object) -> Iterator[Message]:
    if isinstance(payload, list):
        yield from (p for p in payload if isinstance(p, Message))
