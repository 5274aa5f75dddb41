"""The staff console inside `leertraject run`: the ASGI app wired to the database, and uvicorn
serving it at `web.listen` on the service's event loop, with the health endpoints and, in
webhook mode, Telegram's webhook (its handler from app/telegram.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.assigning import assign_options, compute_and_record
from app.bootstrap import App
from app.config import WebSettings
from app.export import flat_rows, xlsx_bytes
from app.mailing import intake
from app.secrets import oidc_client_secret
from app.service import Component
from app.views import registration_record
from core.model import Actor, AssignmentRun, Contact, Registration
from core.staff import Role, StaffUnitOfWork
from core.usecases.staff import SignInLimits
from web.console import Console, Oidc, Table
from web.health import Readiness
from web.passwords import Argon2Hasher
from web.server import create_app
from web.webhook import Webhook

log = logging.getLogger("leertraject.web")
HEAD_TIMEOUT = 10.0  # seconds for a request's line and headers (the body: web/webhook.py)
KEEP_ALIVE = 5  # seconds an idle kept-alive connection stays open


def console_app(
    app: App, webhook: Webhook | None = None, readiness: Readiness | None = None
) -> Starlette:
    web = app.settings.web

    def registration_table(
        uow: StaffUnitOfWork, registrations: list[Registration], language: str
    ) -> Table:
        contacts: dict[str, list[Contact]] = {}
        for contact in uow.contacts.list():  # one query, not one per registration
            contacts.setdefault(contact.municipality, []).append(contact)
        records = [
            registration_record(app.env, r, contacts.get(r.municipality, []), language)
            for r in registrations
        ]
        return flat_rows(records, app.env.campaign.max_preferences, language)

    def retry_quarantine() -> list[str]:
        return [r.outcome for r in intake(app).retry_quarantined()]

    def dry_run(actor: Actor) -> AssignmentRun:
        return compute_and_record(app, actor)

    return create_app(
        Console(
            env=app.env,
            transaction=app.transaction,
            hasher=Argon2Hasher(),
            registration_table=registration_table,
            xlsx=xlsx_bytes,
            retry_quarantine=retry_quarantine,
            limits=SignInLimits(session_hours=web.session_hours),
            secure_cookies=web.secure_cookies,
            public_url=web.public_url.rstrip("/"),
            dry_run=dry_run,
            assign_options=assign_options(app),
            oidc=oidc_settings(web),
        ),
        webhook=webhook,
        readiness=readiness,
    )


def oidc_settings(web: WebSettings) -> Oidc | None:
    """Single sign-on when [web.oidc] names an issuer; the secret from the environment."""
    oidc = web.oidc
    if not oidc.issuer:
        return None
    secret = oidc_client_secret()
    return Oidc(
        issuer=oidc.issuer,
        client_id=oidc.client_id,
        client_secret=secret.get_secret_value() if secret else "",
        label=oidc.label,
        role_claim=oidc.role_claim,
        roles={value: Role(role) for value, role in oidc.roles.items()},
    )


class _HeadTimeout(H11Protocol):
    """uvicorn waits for a request's head as long as the client likes (its keep-alive timer
    starts only after a response, and any byte resets it): a client that sends its head
    slowly, or not at all, is dropped after `head_timeout` seconds."""

    head_timeout = HEAD_TIMEOUT
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm()

    def on_response_complete(self) -> None:
        self._arm()  # the next head on a kept-alive connection (a pipelined one disarms it)
        super().on_response_complete()

    def handle_events(self) -> None:
        waiting = self.cycle
        super().handle_events()
        if self.cycle is not waiting:  # a whole head arrived: the app takes over
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout, self._drop)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _drop(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            log.info("a client sent no whole request head in %.0f s; dropped", self.head_timeout)
            self.transport.close()


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, address: str) -> None:
        super().__init__(config)
        self.address = address

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the service owns SIGINT and SIGTERM (app.service), and stops us through `stop`

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:  # listening: now the address is worth printing
            log.info("Staff console: %s", self.address)


def _bind(host: str, port: int) -> socket.socket:
    """The listening address, taken here: a port in use is an OSError that the service's guard
    reports and retries, where uvicorn would exit the whole process."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def serve(
    application: Starlette,
    sock: socket.socket,
    stop: asyncio.Event,
    address: str,
    head_timeout: float = HEAD_TIMEOUT,
) -> None:
    """uvicorn on `sock` (already bound) until `stop` is set."""
    http = type("Http", (_HeadTimeout,), {"head_timeout": head_timeout})
    config = uvicorn.Config(
        application,
        http=http,
        log_level="warning",
        access_log=False,
        lifespan="off",
        proxy_headers=True,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE,
    )
    server = _Server(config, address)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        server.should_exit = True
        await serving


def web_components(
    app: App, webhook: Webhook | None = None, readiness: Readiness | None = None
) -> list[Component]:
    host, _, port = app.settings.web.listen.rpartition(":")
    try:
        application = console_app(app, webhook, readiness)
    except ValueError as error:  # the webhook's path is a page: a mistake in the settings
        raise SystemExit(f"telegram.webhook_url: {error}") from error

    async def run(stop: asyncio.Event) -> None:
        sock = _bind(host.strip("[]"), int(port))
        try:
            await serve(application, sock, stop, app.settings.web.base_url())
        finally:
            sock.close()

    async def once() -> int:
        return 0  # a page is served on request, not in passes

    return [Component("web", run, once)]
