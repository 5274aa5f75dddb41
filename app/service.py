"""`leertraject run`: the long-running service. Channels and jobs share one event loop."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from app.bootstrap import App
from app.secrets import telegram_token

log = logging.getLogger("leertraject.service")


@dataclass(frozen=True)
class Component:
    """One part of the service: `run` until stop is set; `once` does one pass (for --once)."""

    name: str
    run: Callable[[asyncio.Event], Awaitable[None]]
    once: Callable[[], Coroutine[Any, Any, int]]


@dataclass
class ServiceState:
    """Which components of this process run and which wait to be restarted after a crash
    (read by the readiness check, app/health.py)."""

    running: dict[str, bool] = field(default_factory=dict)  # name: running (False: restarting)

    def set(self, name: str, running: bool) -> None:
        self.running[name] = running


async def run_service(
    app: App,
    parts: list[Component],
    stop: asyncio.Event,
    once: bool = False,
    state: ServiceState | None = None,
) -> int:
    settings = app.settings
    log.info(
        "Leertraject service: campaign %r, deadline %s, database %s",
        settings.campaign.name,
        settings.campaign.deadline.isoformat(),
        app.engine.url.render_as_string(hide_password=True),
    )
    if telegram_token() is None:
        log.info("Telegram bot not started: TELEGRAM_BOT_TOKEN is not set")
    log.info("Components: %s", ", ".join(p.name for p in parts) or "none")
    if once:
        handled = 0
        for part in parts:
            handled += await part.once()
        return handled
    state = state or ServiceState()
    tasks = [asyncio.create_task(_guard(p, stop, state), name=p.name) for p in parts]
    await stop.wait()
    log.info("Stopping")
    await asyncio.gather(*tasks, return_exceptions=True)
    return 0


async def _guard(part: Component, stop: asyncio.Event, state: ServiceState) -> None:
    """A component that crashes is restarted after a pause; it never takes the others down."""
    delay = 1.0
    while not stop.is_set():
        state.set(part.name, True)
        try:
            await part.run(stop)
            return
        except Exception:
            state.set(part.name, False)
            log.exception("%s stopped with an error; restarting in %.0f s", part.name, delay)
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
            except TimeoutError:
                delay = min(delay * 2, 300.0)


def install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
