"""The intake's folders on the IMAP server: where they live (the personal namespace), making
them when missing, and moving messages into them with the best command the server offers."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from imapclient import IMAPClient


def personal_prefix(client: Any) -> str:
    """The personal namespace's prefix ("INBOX." on some servers), or ""."""
    if not client.has_capability("NAMESPACE"):
        return ""
    personal = client.namespace().personal or ()
    return str(personal[0][0]) if personal else ""


def in_namespace(prefix: str, name: str) -> str:
    """A configured folder name as the server knows it."""
    if prefix and not name.startswith(prefix) and name.upper() != "INBOX":
        return prefix + name
    return name


def ensure_folder(client: Any, name: str) -> None:
    if client.folder_exists(name):
        return
    try:
        client.create_folder(name)
    except IMAPClient.Error:
        # Another instance may have created it a moment ago.
        if not client.folder_exists(name):
            raise
    with suppress(IMAPClient.Error):
        client.subscribe_folder(name)


def move(client: Any, uids: Sequence[int], folder: str) -> None:
    """Move messages out of the selected folder, with the best command the server offers."""
    if client.has_capability("MOVE"):
        client.move(uids, folder)
        return
    client.copy(uids, folder)
    client.add_flags(uids, [b"\\Deleted"], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        # Without UIDPLUS this also expunges what other clients flagged \Deleted.
        client.expunge()
