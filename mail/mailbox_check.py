"""What `leertraject mail check` asks the IMAP server: sign in as the intake does, and find
(or create) the intake folders under the personal namespace the intake would use."""

from __future__ import annotations

from dataclasses import dataclass

from mail.imap import ImapIntake, ImapSettings
from mail.imap_folders import ensure_folder, in_namespace, personal_prefix
from mail.intake import FILED, Disposition


@dataclass(frozen=True)
class FolderState:
    name: str
    messages: int | None  # None: missing
    created: bool = False


def _ignore(raw: bytes) -> Disposition:
    return Disposition.IGNORED


def check_imap(settings: ImapSettings, *, create: bool) -> list[FolderState]:
    """Sign in with the intake's own connection and login step; the inbox and the three
    folders. Raises what the intake would meet (OAuthError, IMAPClient errors, OSError)."""
    intake = ImapIntake(settings, _ignore)
    states = []
    with intake._session() as client:  # the very connection the intake opens
        prefix = personal_prefix(client)
        names = [settings.inbox] + [settings.folder_for(d) for d in FILED]
        for name in (in_namespace(prefix, n) for n in names):
            created = False
            if not client.folder_exists(name) and create:
                ensure_folder(client, name)
                created = True
            if not client.folder_exists(name):
                states.append(FolderState(name, None))
                continue
            status = client.folder_status(name, [b"MESSAGES"])
            states.append(FolderState(name, int(status[b"MESSAGES"]), created))
    return states
