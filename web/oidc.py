"""Single sign-on with OpenID Connect (Authlib): /login/oidc and /login/oidc/callback.

The authorization code flow with PKCE (S256). The state, the nonce and the code verifier live
in a short HttpOnly cookie (`lt_oidc`, SameSite=Lax so that it comes back with the provider's
redirect); the callback accepts only the state it set. The ID token's RS256 signature is
checked against the provider's published keys (JWKS), and its issuer, audience, expiry
(on the console's clock) and nonce are verified. The staff member is the existing account
with the token's e-mail address (`email_verified` must not be false), with that account's
role; an unknown address is refused, and nobody is ever created here.
"""

from __future__ import annotations

import json
import logging
from typing import Any, cast

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization
from joserfc.jws import JWSRegistry
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.staff import Role, same
from core.usecases.staff import sign_in_verified
from web.console import Console, Oidc
from web.guard import db, session_cookie
from web.render import page

log = logging.getLogger("leertraject.web")
FLOW_COOKIE = "lt_oidc"
CALLBACK = "/login/oidc/callback"
TIMEOUT = 10.0
LEEWAY = 60  # seconds of clock difference tolerated on exp and iat
ALGORITHMS = ["RS256"]  # what the provider must sign with; never "none", never HMAC


class SignInRefused(Exception):
    """The provider's answer did not prove who signs in; the key says why (web.po)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


async def _get_json(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.get(url, timeout=TIMEOUT)
    response.raise_for_status()
    found = response.json()
    if not isinstance(found, dict):
        raise ValueError(f"{url} is not a JSON object")
    return found


async def discover(oidc: Oidc) -> dict[str, Any]:
    """The provider's discovery document; its issuer must be the configured one."""
    url = oidc.issuer.rstrip("/") + "/.well-known/openid-configuration"
    async with httpx.AsyncClient() as client:
        document = await _get_json(client, url)
    if str(document.get("issuer", "")).rstrip("/") != oidc.issuer.rstrip("/"):
        raise ValueError("the discovery document names another issuer")
    return document


def verify_id_token(
    oidc: Oidc,
    document: dict[str, Any],
    keys: dict[str, Any],
    token: str,
    access_token: str,
    nonce: str,
    now: int,
) -> dict[str, Any]:
    """The ID token's claims, if its signature, issuer, audience, expiry and nonce hold."""
    try:
        key_set = KeySet.import_key_set(cast(KeySetSerialization, keys))
        decoded = jwt.decode(token, key_set, registry=JWSRegistry(algorithms=ALGORITHMS))
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": document["issuer"]},
                "aud": {"essential": True, "value": oidc.client_id},
            },
            {"nonce": nonce, "client_id": oidc.client_id, "access_token": access_token},
        )
        claims.validate(now=now, leeway=LEEWAY)
    except JoseError as error:
        raise SignInRefused(f"web.oidc.token_{_reason(error)}") from error
    except ValueError as error:  # a malformed token or key set
        raise SignInRefused("web.oidc.token_invalid") from error
    return dict(claims)


ROLE_ORDER = (Role.VIEWER, Role.EDITOR, Role.ADMIN)


def mapped_role(oidc: Oidc, claims: dict[str, Any]) -> Role | None:
    """The highest role that the values of the configured claim map to ([web.oidc.roles])."""
    found = claims.get(oidc.role_claim)
    values = [found] if isinstance(found, str) else found if isinstance(found, list) else []
    roles = [oidc.roles[v] for v in values if isinstance(v, str) and v in oidc.roles]
    return max(roles, key=ROLE_ORDER.index) if roles else None


def _reason(error: JoseError) -> str:
    kind = getattr(error, "error", "")
    if kind == "expired_token":
        return "expired"
    if kind == "bad_signature":
        return "signature"
    if kind == "invalid_claim" and "nonce" in str(error):
        return "nonce"
    return "invalid"


def routes(console: Console) -> list[Route]:
    def _redirect_uri(request: Request) -> str:
        base = console.public_url or str(request.base_url).rstrip("/")
        return base + CALLBACK

    def _refused(request: Request, key: str, status: int) -> Response:
        response = page(request, "oidc_refused.html", status, signed=None, error=key)
        response.delete_cookie(FLOW_COOKIE, path="/login/oidc")
        return response

    async def start(request: Request) -> Response:
        oidc = console.oidc
        if oidc is None:
            return page(request, "error.html", 404, signed=None, message="web.not_found")
        try:
            document = await discover(oidc)
        except (httpx.HTTPError, ValueError) as error:
            log.warning("Single sign-on: the provider cannot be reached: %s", type(error).__name__)
            return _refused(request, "web.oidc.unreachable", 502)
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        client = AsyncOAuth2Client(
            client_id=oidc.client_id,
            scope=oidc.scope,
            redirect_uri=_redirect_uri(request),
            code_challenge_method="S256",
        )
        url, _ = client.create_authorization_url(
            document["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(
            FLOW_COOKIE,
            json.dumps([state, nonce, verifier]),
            max_age=600,
            path="/login/oidc",
            httponly=True,
            samesite="lax",
            secure=console.secure_cookies,
        )
        return response

    async def callback(request: Request) -> Response:
        oidc = console.oidc
        if oidc is None:
            return page(request, "error.html", 404, signed=None, message="web.not_found")
        try:
            state, nonce, verifier = json.loads(request.cookies.get(FLOW_COOKIE, "[]"))
        except (ValueError, TypeError):
            state = nonce = verifier = ""
        posted_state = request.query_params.get("state", "")
        if not state or not isinstance(state, str) or not same(posted_state[:128], state):
            return _refused(request, "web.oidc.state", 400)
        code = request.query_params.get("code", "")
        if not code or request.query_params.get("error"):
            return _refused(request, "web.oidc.cancelled", 400)
        try:
            claims = await _exchange(oidc, request, code[:2048], nonce, verifier)
        except SignInRefused as refused:
            log.warning("Single sign-on refused: %s", refused.key)
            return _refused(request, refused.key, 401)
        except (httpx.HTTPError, ValueError, KeyError) as error:
            log.warning("Single sign-on: the token exchange failed: %s", type(error).__name__)
            return _refused(request, "web.oidc.unreachable", 502)
        email = str(claims.get("email") or "")
        if not email or claims.get("email_verified") is False:
            return _refused(request, "web.oidc.no_email", 401)
        role = mapped_role(oidc, claims) if oidc.role_claim else None
        if oidc.role_claim and role is None:
            return _refused(request, "web.oidc.no_role", 403)
        result = await db(
            console,
            lambda uow: sign_in_verified(uow, console.env, console.limits, email, "oidc", role),
        )
        if result.token is None:
            return _refused(request, result.error or "web.oidc.unknown_email", 403)
        response = RedirectResponse("/", status_code=303)
        session_cookie(console, response, result.token)
        response.delete_cookie(FLOW_COOKIE, path="/login/oidc")
        return response

    async def _exchange(
        oidc: Oidc, request: Request, code: str, nonce: str, verifier: str
    ) -> dict[str, Any]:
        document = await discover(oidc)
        async with AsyncOAuth2Client(
            client_id=oidc.client_id,
            client_secret=oidc.client_secret or None,
            redirect_uri=_redirect_uri(request),
            token_endpoint_auth_method="client_secret_post" if oidc.client_secret else "none",
            timeout=TIMEOUT,
        ) as client:
            token = await client.fetch_token(
                document["token_endpoint"], code=code, code_verifier=verifier
            )
            keys = await _get_json(client, document["jwks_uri"])
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused("web.oidc.token_invalid")
        now = int(console.env.clock.now().timestamp())
        access = str(token.get("access_token", ""))
        return verify_id_token(oidc, document, keys, id_token, access, nonce, now)

    return [
        Route("/login/oidc", start, methods=["GET"]),
        Route(CALLBACK, callback, methods=["GET"]),
    ]
