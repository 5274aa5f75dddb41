"""The console as an ASGI application: routes, static files, and the security headers."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web import auth, oidc
from web.console import Console
from web.pages import assignment, dashboard, registrations, staff
from web.render import page

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
    fields, and an unauthenticated POST must not fill the memory (411 or 413, no body)."""

    def __init__(self, inner: ASGIApp, limit: int = 64 * 1024) -> None:
        self.inner = inner
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            length = dict(scope["headers"]).get(b"content-length", b"")
            if not length.isdigit() or int(length) > self.limit:
                status = 413 if length.isdigit() else 411
                await Response(status_code=status)(scope, receive, send)
                return
        await self.inner(scope, receive, send)


def create_app(console: Console) -> Starlette:
    async def not_found(request: Request, exc: Exception) -> Response:
        return page(request, "error.html", 404, signed=None, message="web.not_found")

    routes: list[Route | Mount] = [
        *auth.routes(console),
        *oidc.routes(console),
        *dashboard.routes(console),
        *registrations.routes(console),
        *staff.routes(console),
        *assignment.routes(console),
        Mount("/static", StaticFiles(packages=[("web", "static")]), name="static"),
    ]
    application = Starlette(routes=routes, exception_handlers={404: not_found})
    application.add_middleware(BodyLimit)
    application.add_middleware(SecurityHeaders)
    return application
