"""Run a python-telegram-bot Application on its own event loop in a thread, so that sync tests
and benchmarks can drive scripted users with blocking calls while the bot polls."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from bot.ptb import AnyApplication


class BotThread:
    """``with BotThread(app):`` = initialize, start and poll; on exit stop in reverse order."""

    def __init__(self, app: AnyApplication, *, poll_timeout: int = 1) -> None:
        self.app = app
        self.poll_timeout = poll_timeout
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="ptb-bot", daemon=True)

    def __enter__(self) -> BotThread:
        self._thread.start()
        if not self._ready.wait(timeout=15):
            raise TimeoutError("the bot did not start within 15 s")
        if self._failure is not None:
            raise RuntimeError("the bot failed to start") from self._failure
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=15)
        if self._thread.is_alive():
            raise TimeoutError("the bot did not stop within 15 s")

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # surfaced to the starting thread
            self._failure = error
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with self.app:
            await self.app.start()
            assert self.app.updater is not None
            await self.app.updater.start_polling(poll_interval=0, timeout=self.poll_timeout)
            self._ready.set()
            await self._stop.wait()
            await self.app.updater.stop()
            await self.app.stop()
