"""The staff console inside `leertraject run`: the ASGI app wired to the database, and uvicorn
serving it at `web.listen` on the service's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

from app.assigning import assign_options, compute_and_record
from app.bootstrap import App
from app.config import WebSettings
from app.export import csv_text, flat_rows
from app.secrets import oidc_client_secret
from app.service import Component
from app.views import registration_record
from core.model import Actor, AssignmentRun, Registration
from core.staff import Role, StaffUnitOfWork
from core.usecases.staff import SignInLimits
from web.console import Console, Oidc
from web.passwords import Argon2Hasher
from web.server import create_app

log = logging.getLogger("leertraject.web")


def console_app(app: App) -> Starlette:
    web = app.settings.web

    def export_csv(uow: StaffUnitOfWork, registrations: list[Registration]) -> str:
        records = [
            registration_record(app.env, r, uow.contacts.for_municipality(r.municipality))
            for r in registrations
        ]
        return csv_text(*flat_rows(records, app.env.campaign.max_preferences))

    def dry_run(actor: Actor) -> AssignmentRun:
        return compute_and_record(app, actor)

    return create_app(
        Console(
            env=app.env,
            transaction=app.transaction,
            hasher=Argon2Hasher(),
            export_csv=export_csv,
            limits=SignInLimits(session_hours=web.session_hours),
            secure_cookies=web.secure_cookies,
            public_url=web.public_url.rstrip("/"),
            dry_run=dry_run,
            assign_options=assign_options(app),
            oidc=oidc_settings(web),
        )
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


def web_components(app: App) -> list[Component]:
    host, _, port = app.settings.web.listen.rpartition(":")

    async def run(stop: asyncio.Event) -> None:
        sock = _bind(host.strip("[]"), int(port))
        config = uvicorn.Config(
            console_app(app),
            log_level="warning",
            access_log=False,
            lifespan="off",
            proxy_headers=True,
            server_header=False,
        )
        server = _Server(config, app.settings.web.base_url())
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            server.should_exit = True
            await serving
            sock.close()

    async def once() -> int:
        return 0  # a page is served on request, not in passes

    return [Component("web", run, once)]
