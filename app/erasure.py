"""The files the service wrote that name a person (outbox .eml files, the mail folder with
its processed and failed messages, assignment reports): deleted when the person is erased."""

from __future__ import annotations

import logging
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from app.config import Settings

log = logging.getLogger(__name__)


def sweep_files(settings: Settings, needles: list[str]) -> list[Path]:
    """Delete every file under the service's folders that contains one of `needles` (lower
    case), in its raw bytes or in its decoded e-mail text; returns what was deleted."""
    if not needles:
        return []
    folders = [
        settings.path(settings.mail.outbox_dir),
        settings.path(settings.mail.maildir),
        settings.path(settings.assignment.report_dir),
    ]
    deleted: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if _names(path.read_bytes(), needles):
                path.unlink()
                deleted.append(path)
    if deleted:
        log.info("erasure: %d file(s) deleted", len(deleted))  # never which, nor whom
    return deleted


def _names(raw: bytes, needles: list[str]) -> bool:
    texts = [raw.decode("utf-8", "replace")]
    if b"\n" in raw[:5000] and b":" in raw[:200]:  # looks like an e-mail: read it decoded
        texts.append(_decoded(raw))
    text = " ".join(" ".join(texts).split()).lower()
    return any(n in text for n in needles)


def _decoded(raw: bytes) -> str:
    try:
        message = message_from_bytes(raw, policy=policy.default)
        parts = [f"{k}: {v}" for k, v in message.items()]
        for part in message.walk():
            if part.get_content_maintype() == "text" and isinstance(part, EmailMessage):
                parts.append(str(part.get_content()))
        return "\n".join(parts)
    except Exception:  # a broken message is still searched in its raw bytes
        return ""
