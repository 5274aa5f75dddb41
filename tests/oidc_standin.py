"""A stand-in OpenID Connect provider on loopback, for the console's single sign-on.

    with OidcStandin(now=app.env.clock.now) as idp:
        idp.register("console", "s3cret", "http://testserver/login/oidc/callback")
        idp.user = "editor@vlaio.be"             # who "signs in" at the provider
        idp.fault = "nonce"                      # or "signature", "expired", None

A real HTTP server (stdlib ThreadingHTTPServer): the discovery document, the JWKS, an
authorize endpoint that signs `user` in at once and redirects back with a code and the
state, and a token endpoint that checks the client secret, the redirect URI, the code (once)
and the PKCE verifier (S256), and answers an RS256 ID token signed with a key generated at
start. Faults make the token wrong in one way each: signed with another key under the same
key id, a nonce that is not the one asked, or expired an hour before `now`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_ID = "standin-oidc-1"


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str
    challenge: str
    user: str


class OidcStandin:
    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self.now = now or (lambda: datetime.now(UTC))
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.clients: dict[str, tuple[str, str]] = {}  # id -> (secret, redirect URI)
        self.grants: dict[str, Grant] = {}
        self.user = ""
        self.email_verified: bool | None = True
        self.fault: str | None = None
        self.claims: dict[str, Any] = {}  # more claims in the ID token, e.g. {"roles": [...]}
        self.token_requests: list[dict[str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def register(self, client_id: str, secret: str, redirect_uri: str) -> None:
        self.clients[client_id] = (secret, redirect_uri)

    def __enter__(self) -> OidcStandin:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def discovery(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        }

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}

    def authorize(self, query: dict[str, str]) -> tuple[int, str]:
        """Sign `user` in at once: a redirect back with a one-time code, or 400."""
        client = self.clients.get(query.get("client_id", ""))
        if client is None or query.get("redirect_uri") != client[1]:
            return 400, ""
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256":
            return 400, ""
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            query["client_id"],
            query["redirect_uri"],
            query.get("nonce", ""),
            query.get("code_challenge", ""),
            self.user,
        )
        back = {"code": code, "state": query.get("state", "")}
        return 302, f"{query['redirect_uri']}?{urlencode(back)}"

    def token(
        self, form: dict[str, str], basic: tuple[str, str] | None
    ) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client[0], secret):
            return 401, {"error": "invalid_client"}
        grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant.client_id != client_id:
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        return 200, {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant),
        }

    def id_token(self, grant: Grant) -> str:
        now = self.now()
        if self.fault == "expired":
            now -= timedelta(hours=1)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": hashlib.sha256(grant.user.encode()).hexdigest()[:24],
            "aud": grant.client_id,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=5)).timestamp()),
            "nonce": "not-the-one-asked" if self.fault == "nonce" else grant.nonce,
            "email": grant.user,
            "name": grant.user.split("@")[0].title(),
        }
        claims.update(self.claims)
        if self.email_verified is not None:
            claims["email_verified"] = self.email_verified
        key = self.other_key if self.fault == "signature" else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any] | None, location: str = "") -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    self._answer(200, standin.discovery())
                elif parts.path == "/jwks":
                    self._answer(200, standin.jwks())
                elif parts.path == "/authorize":
                    status, location = standin.authorize(query)
                    self._answer(
                        status, None if location else {"error": "invalid_request"}, location
                    )
                else:
                    self._answer(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                basic = None
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                    basic = (user, password)
                if urlsplit(self.path).path != "/token":
                    self._answer(404, {"error": "not_found"})
                    return
                status, answer = standin.token(form, basic)
                self._answer(status, answer)

        return Handler
