"""Local intake from a Maildir folder: the embedded default, no mail server needed.

Same contract as the IMAP intake: each message goes to the handler, then moves into the
Maildir++ sub-folder for its disposition (``.Verwerkt``, ``.Genegeerd``, ``.Mislukt``), so it is
never offered twice; a crash between the two offers it again and the idempotent handler answers
"duplicate". A message whose outcome could not be recorded (RETRY) stays in new/ or cur/, and
the pass stops there: the RetryGate says when the next pass may try again.

Besides regular Maildir messages (``new/`` and ``cur/``), plain ``*.eml`` files
dropped into the folder root are taken too: that is how IT colleagues feed it by hand. Such a
file is only read once its status has not changed for ``settle_seconds``, because a file being
copied in may still be growing (copying it in as ``x.eml.part`` and renaming is safer still).
"""

from __future__ import annotations

import logging
import mailbox
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mail.intake import Disposition, Handler, RetryGate, handle_safely

log = logging.getLogger(__name__)

DEFAULT_FOLDERS: Mapping[Disposition, str] = {
    Disposition.PROCESSED: "Verwerkt",
    Disposition.IGNORED: "Genegeerd",
    Disposition.FAILED: "Mislukt",
}


@dataclass(frozen=True)
class _Item:
    path: Path
    # The sub-directory of the target folder it moves into: "new", "cur", or "new" for .eml.
    subdir: str
    name: str


def open_maildir(path: str | os.PathLike[str], folders: Mapping[Disposition, str]) -> Path:
    """Create the Maildir (new/cur/tmp) and its disposition sub-folders if they are missing."""
    root = Path(path)
    root.parent.mkdir(parents=True, exist_ok=True)  # a fresh machine has no var/mail yet
    box = mailbox.Maildir(root, factory=None, create=True)
    for subdir in ("new", "cur", "tmp"):  # an existing but empty directory lacks them
        (root / subdir).mkdir(exist_ok=True)
    existing = set(box.list_folders())
    for name in folders.values():
        if name not in existing:
            box.add_folder(name)
    return root


def _pending_items(root: Path, settle_seconds: float, now: float) -> list[_Item]:
    items: list[_Item] = []
    for subdir in ("new", "cur"):
        with os.scandir(root / subdir) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_file():
                    continue
                items.append(_Item(Path(entry.path), subdir, entry.name))
    dropped: list[tuple[float, str, _Item]] = []
    with os.scandir(root) as entries:
        for entry in entries:
            if not entry.name.lower().endswith(".eml") or entry.name.startswith("."):
                continue
            if not entry.is_file():
                continue
            stat = entry.stat()
            if now - max(stat.st_mtime, stat.st_ctime) < settle_seconds:
                continue
            dropped.append((stat.st_mtime, entry.name, _Item(Path(entry.path), "new", entry.name)))
    items.sort(key=lambda item: item.name)
    items.extend(item for _, _, item in sorted(dropped, key=lambda t: (t[0], t[1])))
    return items


def _free_name(directory: Path, name: str) -> str:
    if not (directory / name).exists():
        return name
    tag = uuid.uuid4().hex[:12]
    if ":" in name:  # keep the Maildir info suffix (":2,S") at the end
        base, _, info = name.partition(":")
        return f"{base}.{tag}:{info}"
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{tag}.{ext}" if dot else f"{name}.{tag}"


def _move(item: _Item, folder_dir: Path) -> None:
    target_dir = folder_dir / item.subdir
    # rename() replaces silently: a free name keeps two drops of "aanmelding.eml" apart.
    os.rename(item.path, target_dir / _free_name(target_dir, item.name))


def drain_maildir_once(
    path: str | os.PathLike[str],
    handler: Handler,
    *,
    folders: Mapping[Disposition, str] = DEFAULT_FOLDERS,
    settle_seconds: float = 1.0,
    gate: RetryGate | None = None,
) -> int:
    """Handle every message waiting in the Maildir and file it; returns how many were filed.

    With a gate, a pass is skipped while it holds back after an unrecorded outcome."""
    if gate is not None and not gate.ready():
        return 0
    root = open_maildir(path, folders)
    handled = 0
    for item in _pending_items(root, settle_seconds, time.time()):
        try:
            raw = item.path.read_bytes()
        except FileNotFoundError:
            continue  # taken by another reader in the meantime
        except OSError:
            # One unreadable file (permissions) must not hold up the ones after it.
            log.exception("cannot read %s; leaving it where it is", item.path)
            continue
        disposition = handle_safely(handler, raw)
        if disposition is Disposition.RETRY:
            # Nothing was recorded: the message stays, and so do those after it (the same
            # fault would hit them); the gate decides when to try again.
            if gate is not None:
                gate.failed()
            break
        if gate is not None:
            gate.succeeded()
        try:
            _move(item, root / f".{folders[disposition]}")
        except FileNotFoundError:
            log.warning("%s vanished before it could be filed", item.path)
            continue
        except OSError:
            log.exception("cannot file %s; it will be offered again", item.path)
            continue
        handled += 1
    return handled
