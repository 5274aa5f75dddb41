"""Headers and charsets, read so that nothing raises: raw header values with 8-bit bytes
repaired, RFC 2047 words, addresses, Message-IDs, dates, and text from bytes whose declared
charset may be wrong. Pure functions, shared by decoding, classification and attachments."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

_MSGID_RE = re.compile(r"<([^<>\s]+)>")


_SINGLE_BYTE = {"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso-8859-15", "cp1252"}
_SINGLE_BYTE |= {"windows-1252", "iso8859-1", "iso_8859-1", "l1"}


def raw_header_values(msg: Message, name: str) -> list[str]:
    """Every value of a header as it stands in the message, 8-bit bytes repaired."""
    wanted = name.casefold()
    try:
        items = list(msg.raw_items())
    except Exception:
        return []
    return [_repair(str(v)) for k, v in items if k.casefold() == wanted]


def header_text(msg: Message, name: str) -> str:
    """The first value of a header, RFC 2047 decoded; "" when absent. Never raises."""
    values = raw_header_values(msg, name)
    return decode_words(values[0]) if values else ""


def decode_words(value: str) -> str:
    """RFC 2047 encoded words -> text, tolerating unknown charsets and bad encodings."""
    unfolded = re.sub(r"\r?\n[ \t]", " ", value).strip()
    if "=?" not in unfolded:
        return unfolded
    try:
        return str(make_header(decode_header(unfolded)))
    except Exception:
        pass
    try:
        parts = decode_header(unfolded)
    except Exception:
        return unfolded
    out = []
    for chunk, charset in parts:
        out.append(chunk if isinstance(chunk, str) else decode_bytes(chunk, charset))
    return "".join(out)


def addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(lower-cased address, decoded display name) for every address in every such header."""
    values = raw_header_values(msg, name)
    if not values:
        return []
    found: list[tuple[str, str]] = []
    for display, addr in getaddresses([re.sub(r"\r?\n[ \t]", " ", v) for v in values]):
        addr = addr.strip().strip("<>").lower()
        if "@" not in addr or addr.startswith("@") or addr.endswith("@"):
            continue
        found.append((addr, decode_words(display).strip().strip('"').strip()))
    return found


def message_ids(value: str) -> list[str]:
    return [f"<{m}>" for m in _MSGID_RE.findall(value)]


def message_id_of(msg: Message, raw: bytes) -> str:
    """The Message-ID in its <...> form, or a stable hash of the bytes when it has none."""
    value = header_text(msg, "Message-ID")
    ids = message_ids(value)
    if ids:
        return ids[0]
    token = value.strip().strip("<>").strip()
    if token and " " not in token:
        return f"<{token}>"
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def date_of(msg: Message) -> datetime | None:
    value = header_text(msg, "Date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _repair(value: str) -> str:
    """Undo surrogate escapes of raw 8-bit header bytes (UTF-8, else Windows-1252)."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    return decode_bytes(data, None)


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Text from bytes whose declared charset may be wrong or missing.

    A declared single-byte charset loses to valid UTF-8 (mislabelled mail is common) and
    Latin-1 is read as Windows-1252, its superset in practice (curly quotes, euro sign).
    """
    charset = (declared or "").strip().strip('"').lower()
    if data.isascii():
        return data.decode("ascii")
    candidates: list[str] = []
    if charset in _SINGLE_BYTE:
        candidates = ["utf-8", "cp1252"]
    elif charset:
        candidates = [charset, "utf-8", "cp1252"]
    else:
        candidates = ["utf-8", "cp1252"]
    for name in candidates:
        try:
            return data.decode(name)
        except (LookupError, ValueError):  # unknown codec, bad bytes, NUL in the name
            continue
    return data.decode("latin-1")
