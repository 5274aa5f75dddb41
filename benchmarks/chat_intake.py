"""The registration chat under load: N invited officials (default 300) all complete the whole
registration at once through the Telegram stand-in, on SQLite and on PostgreSQL; in the same
run, a bare python-telegram-bot echo bot on the same stand-in is the baseline.

Each official sends 11 updates (the deep link, the function, the phone skipped, three theme
taps, done, three free texts skipped, confirm) and waits for each answer; the figure per
update is that round trip, as in benchmarks/ptb_echo.py. Telegram's flood limits are off on
both sides (the stand-in's and the bot's throttle), so the figures say what the bot can
handle, not what Telegram would let out (30 messages a second for the whole bot).

With more officials than the 285 Flemish municipalities, the later ones are second contacts
of a municipality; whoever comes second finds the registration there and updates it.

    .venv/bin/python benchmarks/chat_intake.py --users 300
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ptb_echo import (
    AnyApplication,
    ChatResult,
    build_echo_app,
    echo_round,
    run_chat_benchmark,
)

if TYPE_CHECKING:
    from tests.telegram_standin import BotMessage, ScriptedUser

ROUNDS = 11
PG_ADMIN = os.environ.get("LEERTRAJECT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
_AT_SUMMARY: set[int] = set()  # in the stand-in's process: officials who found a registration

# (action, what to type or tap, text the answer contains)
PLAN: list[tuple[str, str, tuple[str, ...]]] = [
    ("text", "/start {token}", ("Stap 1 van 6",)),
    ("text", "Centrummanager", ("Stap 2 van 6",)),
    ("text", "-", ("Stap 3 van 6", "Controleer uw inschrijving")),
    ("tap", "t:09", ("Uw keuze",)),
    ("tap", "t:11", ("Uw keuze",)),
    ("tap", "t:03", ("Uw keuze",)),
    ("tap", "t:done", ("Stap 4 van 6",)),
    ("text", "-", ("Stap 5 van 6",)),
    ("text", "-", ("Stap 6 van 6",)),
    ("text", "-", ("Controleer uw inschrijving",)),
    ("tap", "s:ok", ("Bedankt!",)),
]


def official(user: ScriptedUser, round_: int) -> None:
    """One update of one official, and the answer to it (runs in the stand-in's process)."""
    action, value, expect = PLAN[round_]
    if user.id in _AT_SUMMARY and 3 <= round_ < ROUNDS - 1:
        # A second official skips the themes (they are the municipality's current ones)
        # and asks for the status instead: still one update and one answer.
        action, value, expect = ("text", "/status", ("Uw inschrijving in dit gesprek",))
    if action == "text":
        user.send_text(value.format(token=token_of(user)))
    else:
        user.tap(value)
    shown = user.wait_for_reply(lambda m: any(e in (m.text or "") for e in expect), timeout=120)
    if round_ == 2 and "Controleer" in _text(shown):
        _AT_SUMMARY.add(user.id)


def _text(message: BotMessage) -> str:
    return message.text or ""


def token_of(user: ScriptedUser) -> str:
    return f"bench-{user.json['first_name'].rsplit(' ', 1)[-1]}"


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh database: a SQLite file, or a PostgreSQL database created and dropped here."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    import psycopg

    name = f"leertraject_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_intake(kind: str, users: int, concurrency: int) -> tuple[ChatResult, int]:
    from app.bootstrap import bootstrap
    from app.config import load_settings
    from app.telegram import bot_config, bot_service
    from bot.flood import FloodLimits
    from bot.throttle import SendLimits
    from core.clock import FixedClock
    from core.model import Contact, Status

    settings = load_settings()
    with database(kind) as url:
        database_settings = settings.database.model_copy(update={"url": url})
        app = bootstrap(
            settings.model_copy(update={"database": database_settings}),
            clock=FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
            migrate=True,
        )
        flemish = app.env.municipalities.flemish

        def invite_all(uow: Any) -> None:
            for i in range(users):
                place = flemish[i % len(flemish)]
                email = f"contact{i}@{place.refnis}.example.be"
                uow.contacts.add(
                    Contact(place.refnis, f"Official {i}", email, invited=True, token=f"bench-{i}")
                )

        app.transaction(invite_all)

        def build(base_url: str, token: str) -> AnyApplication:
            config = bot_config(
                app, token, base_url=base_url, send=SendLimits.off(), flood=FloodLimits.off()
            )
            config = type(config)(**{**config.__dict__, "concurrency": concurrency})
            return bot_service(app, config).application

        result = run_chat_benchmark(build, official, users=users, rounds=ROUNDS)
        with app.uow() as uow:
            done = len(uow.registrations.list(Status.SUBMITTED))
        app.close()
    return result, done


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The registration chat under load.")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16, help="updates handled at once")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args(argv)

    echo = run_chat_benchmark(build_echo_app, echo_round, users=args.users, rounds=ROUNDS)
    print(echo.report("baseline ptb_echo (concurrent_updates=8)"))
    for kind in args.databases.split(","):
        result, registered = run_intake(kind, args.users, args.concurrency)
        print(result.report(f"chat_intake on {kind} (concurrent_updates={args.concurrency})"))
        print(
            f"  {registered} municipalities registered; vs echo: "
            f"{result.updates_per_second / echo.updates_per_second:.2f}x the updates/s, "
            f"p50 {result.percentile_ms(50) / echo.percentile_ms(50):.1f}x, "
            f"p99 {result.percentile_ms(99) / echo.percentile_ms(99):.1f}x the round trip"
        )


if __name__ == "__main__":
    main()
