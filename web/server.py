"""The console as an ASGI application: routes, static files, and the security headers."""

from __future__ import annotations

from typing import ClassVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web import auth, oidc
from web.console import Console
from web.health import Readiness, health_routes
from web.pages import (
    assignment,
    audit,
    dashboard,
    entry,
    invitations,
    messages,
    registrations,
    staff,
)
from web.render import page
from web.webhook import Webhook, webhook_routes

# No inline script or style anywhere: the one stylesheet is a file, there is no script.
POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # a sign-in link never leaks to another site
]


class SecurityHeaders:
    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(HEADERS)
                if not static:  # pages show personal data: never kept in a cache
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.inner(scope, receive, with_headers)


class BodyLimit:
    """A body is read only when its length is announced and small: every form here is a few
    fields (the invitations CSV up to 1 MiB), and an unauthenticated POST must not fill the
    memory (411 or 413, no body). The paths in `own_limit` (the webhook) read their body as a
    stream under their own limit."""

    UPLOADS: ClassVar[dict[str, int]] = {"/invitations/import": 1024 * 1024}  # the one upload

    def __init__(
        self, inner: ASGIApp, limit: int = 64 * 1024, own_limit: frozenset[str] = frozenset()
    ) -> None:
        self.inner = inner
        self.limit = limit
        self.own_limit = own_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in ("GET", "HEAD", "OPTIONS")
            and scope["path"] not in self.own_limit
        ):
            length = dict(scope["headers"]).get(b"content-length", b"")
            limit = self.UPLOADS.get(str(scope.get("path", "")), self.limit)
            if not length.isdigit() or int(length) > limit:
                status = 413 if length.isdigit() else 411
                await Response(status_code=status)(scope, receive, send)
                return
        await self.inner(scope, receive, send)


def create_app(
    console: Console, webhook: Webhook | None = None, readiness: Readiness | None = None
) -> Starlette:
    """The console's pages; the health endpoints; Telegram's webhook when the bot takes its
    updates by webhook (its handler handed in by app)."""

    async def not_found(request: Request, exc: Exception) -> Response:
        return page(request, "error.html", 404, signed=None, message="web.not_found")

    pages: list[Route | Mount] = [
        *health_routes(readiness),
        *auth.routes(console),
        *oidc.routes(console),
        *dashboard.routes(console),
        *entry.routes(console),
        *registrations.routes(console),
        *invitations.routes(console),
        *messages.routes(console),
        *audit.routes(console),
        *staff.routes(console),
        *assignment.routes(console),
        Mount("/static", StaticFiles(packages=[("web", "static")]), name="static"),
    ]
    routes = list(pages)
    if webhook is not None:
        probe: Scope = {"type": "http", "path": webhook.path, "method": "POST", "root_path": ""}
        if webhook.path == "/" or any(r.matches(probe)[0] != Match.NONE for r in pages):
            raise ValueError(f"the webhook's path {webhook.path!r} is a page of the console")
        routes[:0] = webhook_routes(webhook)
    application = Starlette(routes=routes, exception_handlers={404: not_found})
    own_limit = frozenset([webhook.path] if webhook is not None else [])
    application.add_middleware(BodyLimit, own_limit=own_limit)
    application.add_middleware(SecurityHeaders)
    return application
