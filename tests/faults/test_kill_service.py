"""kill -9 of the service at random points of a 2,000-message run, restarted each time: every
message ends with one outcome and its sender with one answer (real processes, real SQLite,
the real Maildir)."""

from __future__ import annotations

import random
from collections import Counter
from email import policy
from email.parser import BytesParser
from pathlib import Path

from app.bootstrap import App, bootstrap
from app.config import Settings
from core.model import OutboxStatus
from storage.migrate import upgrade
from tests.faults.fault_audit import Figures, assert_clean, audit, fill_maildir, maildir_names
from tests.faults.service_process import kill_if, kill_when, recorded, service_env, start

MESSAGES = 2000
KILLS = 6  # during the intake; one more while the answers are sent
SENDING_KILL = 700


def test_the_service_killed_at_random_points_loses_and_repeats_nothing(
    base_settings: Settings, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'leertraject.db'}"
    upgrade(url)
    inbox = tmp_path / "inbox"
    fill_maildir(inbox, MESSAGES)
    env = service_env(url, tmp_path)
    points = sorted(random.Random(10).sample(range(50, MESSAGES - 50), KILLS))
    figures = Figures("kill -9 of the service (SQLite, Maildir)")
    for point in points:
        process = start(env, tmp_path, "run", "--once")
        assert kill_when(process, url, point), f"the run ended before {point} outcomes"
        figures.faults += 1
    outbox = tmp_path / "outbox"
    process = start(env, tmp_path, "run", "--once")  # once more, while it sends the answers
    sending = kill_if(process, lambda: len(list(outbox.glob("*.eml"))) >= SENDING_KILL, "sending")
    assert sending, "the run ended before it sent"
    figures.faults += 1
    for _ in range(3):  # to the end: the last pass finds nothing left
        process = start(env, tmp_path, "run", "--once")
        assert process.wait(timeout=300) == 0, (tmp_path / "service.log").read_text()[-3000:]
        if not maildir_names(inbox):
            break
    assert recorded(url) == MESSAGES
    assert maildir_names(inbox) == [], "nothing left behind in the inbox"
    assert maildir_names(inbox / ".Mislukt") == [], "no failure without a record"
    assert len(maildir_names(inbox / ".Verwerkt")) == MESSAGES

    database = base_settings.database.model_copy(update={"url": url})
    app: App = bootstrap(base_settings.model_copy(update={"database": database}))
    try:
        audit(app, figures, MESSAGES)
        with app.uow() as uow:
            statuses = Counter(m.status for m in uow.outbox.list(limit=1_000_000))
    finally:
        app.close()
    written = Counter(to_of(path) for path in outbox.glob("*.eml"))
    figures.notes.append(
        f"kills after {points} outcomes and {SENDING_KILL} answers written; outbox {dict(statuses)}"
    )
    assert_clean(figures)
    assert max(written.values()) == 1, "no answer written twice"
    # A row killed between writing and recording stays 'sending' for staff (mail/sender.py):
    # never written again.
    assert (
        statuses[OutboxStatus.SENT]
        <= sum(written.values())
        <= statuses[OutboxStatus.SENT] + statuses[OutboxStatus.SENDING]
    )


def to_of(path: Path) -> str:
    with path.open("rb") as file:
        return str(BytesParser(policy=policy.default).parse(file, headersonly=True)["To"])
