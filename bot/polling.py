"""Long polling that confirms an update to Telegram only once its handling committed.

python-telegram-bot's Updater confirms every update it fetched with the next getUpdates,
whatever became of it. Here the offset moves past an update only when the chat recorded it
(ChatBot.uncommitted says which did not): when the database is down, the update stays with
Telegram, the next poll after a growing pause gets it again, and the conversation's ledger
turns any update handled twice into a duplicate that is not answered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.error import Forbidden, InvalidToken, TelegramError

from bot.ptb import AnyApplication

log = logging.getLogger("leertraject.bot.polling")
Handle = Callable[[Update], Awaitable[bool]]
OnPoll = Callable[[bool, str], Awaitable[None]]  # after each poll: all went well?, what


def committed_handler(application: AnyApplication, uncommitted: set[int]) -> Handle:
    """Handle one update through the application; True when its outcome was recorded."""

    async def handle(update: Update) -> bool:
        await application.process_update(update)
        return update.update_id not in uncommitted

    return handle


def confirmed_offset(
    updates: Sequence[Update], done: Sequence[bool], offset: int | None
) -> int | None:
    """The next offset: past every update up to the first one that was not recorded."""
    for update, ok in zip(updates, done, strict=True):
        if not ok:
            break
        offset = update.update_id + 1
    return offset


class Poller:
    def __init__(
        self,
        application: AnyApplication,
        handle: Handle,
        allowed_updates: list[str],
        timeout: int,
        max_pause: float = 60.0,
        on_poll: OnPoll | None = None,
    ) -> None:
        self.application = application
        self.handle = handle
        self.allowed_updates = allowed_updates
        self.timeout = timeout
        self.max_pause = max_pause
        self.offset: int | None = None
        self.failures = 0  # polls in a row that met an unrecorded update or an error
        self.on_poll = on_poll

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                updates = await self._fetch(stop)
            except (InvalidToken, Forbidden):
                raise
            except TelegramError as error:
                log.warning("polling Telegram failed (%s)", error)
                await self._report(False, f"polling failed: {error}")
                await self._pause(stop)
                continue
            done = await asyncio.gather(*(self.handle(u) for u in updates))
            self.offset = confirmed_offset(updates, done, self.offset)
            if all(done):
                self.failures = 0
                await self._report(True, f"{len(done)} update(s)")
            else:
                log.warning("%d update(s) not recorded; Telegram keeps them", done.count(False))
                await self._report(False, f"{done.count(False)} update(s) not recorded")
                await self._pause(stop)

    async def _report(self, ok: bool, detail: str) -> None:
        if self.on_poll is not None:
            try:
                await self.on_poll(ok, detail)
            except Exception:
                log.exception("the poll listener raised")

    async def _fetch(self, stop: asyncio.Event) -> Sequence[Update]:
        fetch: asyncio.Future[tuple[Update, ...]] = asyncio.ensure_future(
            self.application.bot.get_updates(
                offset=self.offset,
                timeout=self.timeout,
                allowed_updates=self.allowed_updates,
                read_timeout=self.timeout + 10,
            )
        )
        stopped: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        either: list[asyncio.Future[Any]] = [fetch, stopped]
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not fetch.done():
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await fetch
            return ()
        return tuple(fetch.result())

    async def _pause(self, stop: asyncio.Event) -> None:
        delay = min(self.max_pause, 0.5 * 2**self.failures)
        self.failures += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
