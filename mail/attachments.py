"""Templates that officials attach instead of pasting them: the text of a .txt or .docx
attachment, read with hard limits (an attachment is hostile input: a zip bomb, a huge file),
and the names of attached documents for a reply that asks to paste the template."""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterator
from email.message import Message

from mail.decode import DecodedMail, payload_of
from mail.headers import decode_bytes, decode_words

MAX_TEXT_BYTES = 100_000
MAX_DOCX_BYTES = 5_000_000
MAX_XML_BYTES = 2_000_000
MAX_PARTS = 50
MAX_DEPTH = 5

_DOCUMENT = re.compile(r"\.(?:txt|docx?|odt|rtf|pdf)$", re.IGNORECASE)
_UNSAFE_NAME = re.compile(r"[^\w .,()\-]+")
_TAG = re.compile(r"<[^<>]{0,2000}>")


def template_attachments(mail: DecodedMail, limit: int = 3) -> list[str]:
    """The names of attached documents where a template may sit, cleaned for a reply."""
    names: list[str] = []
    for attachment in mail.attachments:
        name = _UNSAFE_NAME.sub("", attachment.filename.rsplit("/", 1)[-1]).strip()[-80:]
        if _DOCUMENT.search(name) and name not in names:
            names.append(name)
    return names[:limit]


def attachment_texts(mail: DecodedMail, limit: int = 3) -> list[str]:
    """The text of the first attached .txt and .docx files, for reading a template there."""
    texts: list[str] = []
    for part in _parts(mail.message):
        name = _filename(part).lower()
        if not name.endswith((".txt", ".docx")):
            continue
        data = payload_of(part, decode=True)
        if not isinstance(data, bytes):
            continue
        if name.endswith(".txt") and len(data) <= MAX_TEXT_BYTES:
            texts.append(decode_bytes(data, _charset(part)))
        elif name.endswith(".docx") and len(data) <= MAX_DOCX_BYTES:
            texts.append(docx_text(data))
        if len(texts) >= limit:
            break
    return [text for text in texts if text.strip()]


def docx_text(data: bytes) -> str:
    """The paragraphs of a Word document, one per line; "" when it is not one we can read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            info = package.getinfo("word/document.xml")
            if info.file_size > MAX_XML_BYTES:
                return ""
            with package.open(info) as stream:
                xml = stream.read(MAX_XML_BYTES + 1)  # never more, whatever the header says
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, NotImplementedError):
        return ""
    if len(xml) > MAX_XML_BYTES:
        return ""
    lines = []
    for paragraph in xml.decode("utf-8", "replace").split("</w:p>"):
        paragraph = paragraph.replace("<w:tab/>", "\t").replace("<w:br/>", "\n")
        lines.append(html.unescape(_TAG.sub("", paragraph)))
    return "\n".join(lines).strip()


def _parts(msg: Message) -> Iterator[Message]:
    stack = [(msg, 0)]
    seen = 0
    while stack and seen < MAX_PARTS:
        part, depth = stack.pop(0)
        seen += 1
        yield part
        payload = payload_of(part)
        if isinstance(payload, list) and depth < MAX_DEPTH:
            stack.extend((p, depth + 1) for p in payload if isinstance(p, Message))


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        return ""
    return decode_words(name) if isinstance(name, str) else ""


def _charset(part: Message) -> str | None:
    try:
        charset = part.get_content_charset()
    except Exception:
        return None
    return charset if isinstance(charset, str) else None
