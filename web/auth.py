"""/login, /logout, /welcome/<link> and the language switch.

Before a session exists, the anti-forgery token of the sign-in forms is a random value in a
strict cookie that the form must repeat (double submit); after, it is the session's own.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.staff import Permission, new_secret, same
from core.usecases.staff import link_owner, redeem_link, sign_in, sign_out
from web.console import Console
from web.guard import (
    SESSION_COOKIE,
    Signed,
    db,
    field,
    forbidden,
    form,
    session_cookie,
    signed_in,
    staff_only,
)
from web.render import LANGUAGE_COOKIE, page

FORM_COOKIE = "lt_form"
LANGUAGES = ("nl", "en")


def routes(console: Console) -> list[Route]:
    async def login_page(request: Request) -> Response:
        if await signed_in(console, request):
            return RedirectResponse("/", status_code=303)
        return _with_form_token(console, request, "login.html", email="", error=None)

    async def login(request: Request) -> Response:
        posted = await form(request)
        if not _form_token_ok(request, field(posted, "csrf", 128)):
            return forbidden(request)
        email = field(posted, "email", 254)
        password = field(posted, "password", 1024)
        address = request.client.host if request.client else "unknown"
        result = await db(
            console,
            lambda uow: sign_in(
                uow, console.env, console.hasher, console.limits, email, password, address
            ),
        )
        if result.token is None:
            status = 429 if result.error == "staff.too_many_attempts" else 401
            return _with_form_token(
                console, request, "login.html", status, email=email, error=result.error
            )
        return _signed_in(console, result.token)

    @staff_only(console, Permission.READ)
    async def logout(request: Request, signed: Signed) -> Response:
        await db(console, lambda uow: sign_out(uow, console.env, signed.member, signed.token))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def welcome_page(request: Request) -> Response:
        token = request.path_params["token"]
        member = await db(console, lambda uow: link_owner(uow, console.env, token))
        if member is None:
            return page(request, "error.html", 410, signed=None, message="staff.link_invalid")
        return _with_form_token(console, request, "welcome.html", member=member, error=None)

    async def welcome(request: Request) -> Response:
        token = request.path_params["token"]
        posted = await form(request)
        if not _form_token_ok(request, field(posted, "csrf", 128)):
            return forbidden(request)
        password = field(posted, "password", 1024)
        if password != field(posted, "repeat", 1024):
            result_error = "web.password_mismatch"
            member = await db(console, lambda uow: link_owner(uow, console.env, token))
        else:
            result = await db(
                console,
                lambda uow: redeem_link(
                    uow, console.env, console.hasher, console.limits, token, password
                ),
            )
            if result.token is not None:
                return _signed_in(console, result.token)
            result_error, member = result.error or "staff.link_invalid", result.member
        if member is None:
            return page(request, "error.html", 410, signed=None, message="staff.link_invalid")
        return _with_form_token(
            console, request, "welcome.html", 400, member=member, error=result_error
        )

    async def switch_language(request: Request) -> Response:
        chosen = request.path_params["language"]
        target = request.query_params.get("next", "/")
        if not target.startswith("/") or target.startswith("//") or "\\" in target:
            target = "/"  # never a redirect to another site
        response = RedirectResponse(target, status_code=303)
        if chosen in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE,
                chosen,
                max_age=365 * 24 * 3600,
                path="/",
                samesite="lax",
                secure=console.secure_cookies,
            )
        return response

    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/welcome/{token}", welcome_page, methods=["GET"]),
        Route("/welcome/{token}", welcome, methods=["POST"]),
        Route("/language/{language}", switch_language, methods=["GET"]),
    ]


def _form_token_ok(request: Request, posted: str) -> bool:
    expected = request.cookies.get(FORM_COOKIE, "")
    return bool(expected) and same(posted, expected)


def _with_form_token(
    console: Console, request: Request, template: str, status: int = 200, **context: object
) -> Response:
    token = request.cookies.get(FORM_COOKIE, "")
    if not 32 <= len(token) <= 64:
        token = new_secret()
    sso = console.oidc.label or "OpenID Connect" if console.oidc else None
    response = page(request, template, status, signed=None, csrf=token, sso=sso, **context)
    response.set_cookie(
        FORM_COOKIE,
        token,
        max_age=3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=console.secure_cookies,
    )
    return response


def _signed_in(console: Console, token: str) -> Response:
    response = RedirectResponse("/", status_code=303)
    session_cookie(console, response, token)
    response.delete_cookie(FORM_COOKIE, path="/")
    return response
