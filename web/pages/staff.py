"""Staff accounts (admins only): who may use the console, add one, reset or remove one.

The same use cases as `leertraject staff`; a new or reset account's one-time sign-in link is
shown once, on the page that answers the form, and never stored.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.staff import Permission, Role, StaffMember
from core.usecases.staff import StaffOutcome, add_member, remove_member, reset_member, web_actor
from core.validators import ValidationError
from web.console import Console
from web.guard import Signed, db, field, form, staff_only
from web.render import page

ROLES = [r.value for r in Role]


def routes(console: Console) -> list[Route]:
    env = console.env

    async def _show(
        request: Request,
        signed: Signed,
        status: int = 200,
        outcome: StaffOutcome | None = None,
        entered: dict[str, str] | None = None,
    ) -> Response:
        members: list[StaffMember] = await db(console, lambda uow: uow.staff.list())
        link = None
        if outcome is not None and outcome.link_token:
            base = console.public_url or str(request.base_url).rstrip("/")
            link = f"{base}/welcome/{outcome.link_token}"
        return page(
            request,
            "staff.html",
            status,
            signed=signed,
            members=members,
            roles=ROLES,
            outcome=outcome,
            link=link,
            entered=entered or {"email": "", "name": "", "role": "viewer"},
        )

    @staff_only(console, Permission.MANAGE_STAFF)
    async def index(request: Request, signed: Signed) -> Response:
        return await _show(request, signed)

    @staff_only(console, Permission.MANAGE_STAFF)
    async def add(request: Request, signed: Signed) -> Response:
        posted = await form(request)
        entered = {k: field(posted, k, 254) for k in ("email", "name", "role")}
        role = Role(entered["role"]) if entered["role"] in ROLES else Role.VIEWER
        actor = web_actor(signed.member)
        outcome = await db(
            console,
            lambda uow: add_member(
                uow, env, actor, console.hasher, entered["email"], entered["name"], role
            ),
        )
        status = 400 if outcome.errors else 200
        return await _show(request, signed, status, outcome, entered if outcome.errors else None)

    @staff_only(console, Permission.MANAGE_STAFF)
    async def change(request: Request, signed: Signed) -> Response:
        posted = await form(request)
        email = field(posted, "email", 254)
        actor = web_actor(signed.member)
        action = request.path_params["action"]
        if action not in ("reset", "remove"):
            return page(request, "error.html", 404, signed=signed, message="web.not_found")
        if action == "reset":
            outcome = await db(console, lambda uow: reset_member(uow, env, actor, email))
            return await _show(request, signed, 400 if outcome.errors else 200, outcome)
        if email == signed.member.email:  # an admin does not lock themselves out
            return await _show(request, signed, 400, _own_account())
        await db(console, lambda uow: remove_member(uow, env, actor, email))
        return RedirectResponse("/staff", status_code=303)

    return [
        Route("/staff", index, methods=["GET"]),
        Route("/staff", add, methods=["POST"]),
        Route("/staff/{action:str}", change, methods=["POST"]),
    ]


def _own_account() -> StaffOutcome:
    return StaffOutcome(errors=[ValidationError("web.staff.own_account", "email")])
