"""The local outbox: a folder of .eml files, the embedded default instead of an SMTP server.

Each message is written to a file named after its Message-ID, through a temporary file and a
rename, so a reader never sees half a message and writing the same message again (a retry
after a crash) leaves one file, not two.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import uuid
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path

from mail.smtp import SendResult, SendStatus, message_id_of

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]+")


def file_name_for(message_id: str | None, raw: bytes) -> str:
    """A stable, file-system-safe name: the readable Message-ID plus a hash against clashes."""
    key = message_id.encode("utf-8", "surrogateescape") if message_id else raw
    digest = hashlib.sha256(key).hexdigest()[:16]
    readable = _UNSAFE.sub("_", (message_id or "no-message-id").strip("<> ")).strip("._")
    return f"{readable[:100]}-{digest}.eml"


def write_atomically(directory: Path, name: str, data: bytes) -> bool:
    """Write data to directory/name unless it is there already; returns True if written."""
    target = directory / name
    if target.exists():
        return False
    temp = directory / f".tmp-{uuid.uuid4().hex}"
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return True


class FolderTransport:
    """Implements MailTransport by writing .eml files into an outbox folder."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path)

    @property
    def path(self) -> Path:
        return self._path

    def _send_blocking(self, messages: Sequence[EmailMessage]) -> list[SendResult]:
        results: list[SendResult] = []
        for message in messages:
            message_id = message_id_of(message)
            try:
                self._path.mkdir(parents=True, exist_ok=True)
                raw = message.as_bytes()
                write_atomically(self._path, file_name_for(message_id, raw), raw)
            except OSError as exc:
                failure = SendResult(SendStatus.TEMPORARY_FAILURE, None, str(exc), message_id)
                results.append(failure)
            else:
                results.append(SendResult(SendStatus.SENT, None, "written", message_id))
        return results

    async def send(self, messages: Sequence[EmailMessage]) -> list[SendResult]:
        return await asyncio.to_thread(self._send_blocking, list(messages))
