"""The fault suite's workload and its audit: after every fault, every message has exactly one
recorded outcome, every sender exactly one answer, nothing is in a failed folder without a
record, and no job is lost or run twice. The figures are gathered for the summary that
tests/faults/conftest.py prints at the end of the run."""

from __future__ import annotations

import mailbox
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from app.bootstrap import App
from app.reference import municipality_directory
from core.model import Channel

INTAKE = "intake@vlaio.test"


@dataclass
class Figures:
    """What one fault test did and found."""

    name: str
    messages: int = 0
    faults: int = 0
    lost: int = 0
    duplicated: int = 0
    notes: list[str] = field(default_factory=list)


FIGURES: list[Figures] = []


def sender(n: int) -> str:
    return f"official{n}@gemeente{n % 97}.example.test"


def message_key(n: int) -> str:
    return f"<fault-{n}@gemeente.example.test>"


def registration(n: int, to: str = INTAKE, address: str | None = None) -> bytes:
    """A structured registration from a sender of its own (one answer each is expected)."""
    flemish = municipality_directory().flemish
    return (
        f"From: Official {n} <{address or sender(n)}>\r\nTo: {to}\r\n"
        f"Subject: Inschrijving {n}\r\nMessage-ID: {message_key(n)}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Gemeente: {flemish[n % len(flemish)].name}\r\nContactpersoon: Official {n}\r\n"
        f"Functie: Centrummanager\r\nVoorkeur 1: {n % 12 + 1}\r\n"
        f"Voorkeur 2: {(n + 3) % 12 + 1}\r\nVoorkeur 3: {(n + 7) % 12 + 1}\r\n"
        "Beleidsprioriteiten: Een levendige kern.\r\n\r\nMet vriendelijke groeten\r\n"
    ).encode()


def fill_maildir(root: Path, count: int) -> None:
    box = mailbox.Maildir(root, factory=None, create=True)
    for n in range(count):
        box.add(registration(n))


def maildir_names(folder: Path) -> list[str]:
    subs = [folder / s for s in ("new", "cur")]
    return sorted(p.name for sub in subs if sub.exists() for p in sub.iterdir())


def audit(app: App, figures: Figures, count: int, senders: dict[int, str] | None = None) -> None:
    """Fill in lost and duplicated from what the database recorded for messages 0..count-1."""
    senders = senders or {n: sender(n) for n in range(count)}
    with app.uow() as uow:
        outcomes = {n: uow.inbound.get(Channel.EMAIL, message_key(n)) for n in range(count)}
        answers = Counter(m.recipient for m in uow.outbox.list(limit=1_000_000))
    missing = [n for n, record in outcomes.items() if record is None]
    unanswered = [n for n in range(count) if answers[senders[n]] == 0]
    twice = [n for n in range(count) if answers[senders[n]] > 1]
    figures.messages += count
    figures.lost += len(missing) + len(unanswered)
    figures.duplicated += len(twice)
    if missing or unanswered or twice:
        figures.notes.append(
            f"no outcome: {missing[:5]}, no answer: {unanswered[:5]}, answered twice: {twice[:5]}"
        )


def assert_clean(figures: Figures) -> None:
    FIGURES.append(figures)
    assert (figures.lost, figures.duplicated) == (0, 0), figures
