"""Who is asking: the session behind the cookie, the anti-forgery token, and the role's rights.

Every page but /login, /welcome and the static files goes through `staff_only`: no valid
session, and the answer is a redirect to /login (nothing else is shown); a POST without the
session's anti-forgery token, or beyond the role's rights, is refused with 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from core.staff import Permission, StaffMember, StaffSession, StaffUnitOfWork, allowed, same
from core.usecases.staff import current
from web.console import Console
from web.render import page

SESSION_COOKIE = "lt_session"
T = TypeVar("T")


@dataclass(frozen=True)
class Signed:
    """A signed-in staff member, with the session (its anti-forgery token) and its cookie."""

    member: StaffMember
    session: StaffSession
    token: str

    def can(self, permission: Permission) -> bool:
        return allowed(self.member.role, permission)


Handler = Callable[[Request, Signed], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


async def db(console: Console, work: Callable[[StaffUnitOfWork], T]) -> T:
    """One transaction, off the event loop (the database drivers block)."""
    return await run_in_threadpool(console.transaction, work)


async def form(request: Request) -> FormData:
    """The posted form: small fields, at most one file (the invitations page's CSV; the body
    limit in web/server.py keeps it small)."""
    return await request.form(max_files=1, max_fields=30, max_part_size=64 * 1024)


def field(data: FormData, name: str, limit: int = 2000) -> str:
    value = data.get(name)
    return value[:limit] if isinstance(value, str) else ""


async def signed_in(console: Console, request: Request) -> Signed | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = await db(console, lambda uow: current(uow, console.env, token))
    return Signed(found[0], found[1], token) if found else None


def forbidden(request: Request, signed: Signed | None = None) -> Response:
    return page(request, "error.html", 403, signed=signed, message="web.forbidden")


def staff_only(console: Console, permission: Permission) -> Callable[[Handler], Endpoint]:
    def wrap(handler: Handler) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            signed = await signed_in(console, request)
            if signed is None:
                response = RedirectResponse("/login", status_code=303)
                response.delete_cookie(SESSION_COOKIE, path="/")
                return response
            if request.method == "POST":
                posted = await form(request)
                if not same(field(posted, "csrf", 128), signed.session.csrf):
                    return forbidden(request, signed)
            if not signed.can(permission):
                return forbidden(request, signed)
            return await handler(request, signed)

        return endpoint

    return wrap


def session_cookie(console: Console, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(console.limits.session_hours * 3600),
        path="/",
        httponly=True,
        samesite="lax",
        secure=console.secure_cookies,
    )
