"""Baseline: a bare python-telegram-bot echo bot driven through the Telegram stand-in.

N scripted users each send M texts and wait for the echo; the bot polls the stand-in over
real HTTP on loopback. Prints updates per second and the p50/p99 round trip.
benchmarks/chat_intake.py measures the intake bot with ``run_chat_benchmark`` and divides by
this baseline, measured in the same run.

The stand-in and its users run in a child process, the bot in this one: in one process they
would share the GIL and the figure would say more about the stand-in than about the bot.

    .venv/bin/python benchmarks/ptb_echo.py --users 300 --rounds 10
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.ptb import AnyApplication

if TYPE_CHECKING:
    from tests.telegram_standin import Limits, ScriptedUser

# One round of one user's conversation; runs in the stand-in's process, so it must be a
# module-level function (it is pickled by name).
Script = Callable[["ScriptedUser", int], None]
DEFAULT_CONCURRENCY = 8


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


def build_echo_app(
    base_url: str, token: str, *, concurrent_updates: bool | int = DEFAULT_CONCURRENCY
) -> AnyApplication:
    """A bare echo bot: every text comes back unchanged. PTB's own default handles one update
    at a time; 8 at once was the fastest here (256 drowns httpx's connection pool)."""
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .concurrent_updates(concurrent_updates)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    return app


def echo_round(user: ScriptedUser, round_: int) -> None:
    text = f"{user.id} zegt {round_}"
    user.send_text(text)
    reply = user.wait_for_reply(timeout=60)
    if reply.text != text:
        raise AssertionError(f"{user}: sent {text!r}, got {reply.text!r}")


@dataclass(frozen=True)
class ChatResult:
    users: int
    rounds: int
    seconds: float
    round_trips: list[float]

    @property
    def updates_per_second(self) -> float:
        return len(self.round_trips) / self.seconds

    def percentile_ms(self, percent: int) -> float:
        cuts = statistics.quantiles(self.round_trips, n=100, method="inclusive")
        return 1000 * cuts[percent - 1]

    def report(self, name: str) -> str:
        return (
            f"{name}: {self.users} users x {self.rounds} rounds = {len(self.round_trips)} "
            f"round trips in {self.seconds:.2f} s: {self.updates_per_second:.0f} updates/s; "
            f"round trip p50 {self.percentile_ms(50):.1f} ms, p99 {self.percentile_ms(99):.1f} ms"
        )


def _repo_on_path() -> None:
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)


def _standin_process(
    conn: Connection, users: int, rounds: int, script: Script, limits: Limits | None
) -> None:
    """Child: serve the Bot API and play the users once the parent's bot is polling."""
    _repo_on_path()
    from tests.telegram_standin import Limits, TelegramStandIn

    with TelegramStandIn(limits=limits or Limits.relaxed()) as standin:
        conn.send((standin.base_url, standin.token))
        conn.recv()  # the bot polls
        people = [standin.user(first_name=f"Gebruiker {i}") for i in range(users)]

        def converse(person: ScriptedUser) -> list[float]:
            times = []
            for round_ in range(rounds):
                started = time.perf_counter()
                script(person, round_)
                times.append(time.perf_counter() - started)
            return times

        try:
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=users) as pool:
                per_user = list(pool.map(converse, people))
            seconds = time.perf_counter() - started
            violations = standin.violations
            conn.send(("ok", seconds, [t for times in per_user for t in times], violations))
        except Exception as error:
            conn.send(("error", repr(error), [], standin.violations))
        conn.recv()  # keep serving until the bot has stopped polling


async def _drive_bot(app: AnyApplication, conn: Connection) -> tuple[Any, ...]:
    loop = asyncio.get_running_loop()
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        conn.send("go")
        outcome: tuple[Any, ...] = await loop.run_in_executor(None, conn.recv)
        await app.updater.stop()
        await app.stop()
    return outcome


def run_chat_benchmark(
    build_app: Callable[[str, str], AnyApplication],
    script: Script = echo_round,
    *,
    users: int = 300,
    rounds: int = 10,
    limits: Limits | None = None,
) -> ChatResult:
    """Play ``users`` x ``rounds`` of ``script`` against the bot ``build_app(base_url, token)``.
    Flood control is off unless ``limits`` say otherwise. Raises if a user's script fails or
    the bot broke a Telegram rule."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=_standin_process, args=(child, users, rounds, script, limits), daemon=True
    )
    process.start()
    try:
        base_url, token = parent.recv()
        status, seconds, round_trips, violations = asyncio.run(
            _drive_bot(build_app(base_url, token), parent)
        )
        parent.send("done")
    finally:
        process.join(timeout=15)
        if process.is_alive():
            process.kill()
    if status != "ok":
        raise RuntimeError(f"a scripted user failed: {seconds}; violations: {violations}")
    if violations:
        raise AssertionError("the bot broke Telegram rules:\n" + "\n".join(violations))
    return ChatResult(users, rounds, seconds, round_trips)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Bare PTB echo bot through the stand-in.")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--concurrent-updates",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help="updates PTB handles at once (0 = one at a time, PTB's default)",
    )
    parser.add_argument(
        "--telegram-limits",
        action="store_true",
        help="keep Telegram's flood control (1/s per chat, 30/s overall): an echo bot "
        "without its own throttling then gets 429s and users time out",
    )
    args = parser.parse_args(argv)
    _repo_on_path()
    from tests.telegram_standin import Limits

    concurrency: bool | int = args.concurrent_updates or False

    def build(base_url: str, token: str) -> AnyApplication:
        return build_echo_app(base_url, token, concurrent_updates=concurrency)

    result = run_chat_benchmark(
        build,
        users=args.users,
        rounds=args.rounds,
        limits=Limits() if args.telegram_limits else None,
    )
    print(result.report(f"ptb_echo (concurrent_updates={args.concurrent_updates})"))


if __name__ == "__main__":
    main()
