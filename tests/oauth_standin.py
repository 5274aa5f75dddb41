"""A stand-in for Microsoft Entra ID's token endpoint, on loopback over HTTPS.

    with OAuthStandin(tmp_path) as idp:
        idp.register("client-1", secret="s3cret", mailbox="intake@vlaio.test")
        settings = idp.settings("client-1", secret="s3cret")   # mail.oauth.OAuthSettings

It answers what MSAL asks for the client-credentials grant: the tenant's OpenID discovery
document and ``POST /{tenant}/oauth2/v2.0/token`` (client secret or certificate assertion),
and a plain ``POST /token`` for the generic flow. Access tokens are RS256 JWTs shaped like
Entra ID's app-only tokens for Exchange Online (aud, iss, tid, appid, oid, roles). Exchange
knows which mailboxes an app may open from its mailbox permissions; a test server cannot ask
Exchange, so the token also carries ``email``: the mailbox this client was given (what
Add-MailboxPermission does), which Dovecot checks against the XOAUTH2 user.

Tokens are minted by ``clock`` (core.clock): a clock set in the past mints tokens that are
already expired for the servers, which check against real time, as Exchange does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.clock import Clock, SystemClock
from mail.oauth import OUTLOOK_SCOPE, ClientCertificate, OAuthSettings
from tests.mailserver_util import HOST, make_certificate

TENANT = "7e1d2c3b-0000-4000-8000-00000000beef"
AUDIENCE = "https://outlook.office365.com"
ISSUER = f"https://sts.windows.net/{TENANT}/"
KEY_ID = "standin-key-1"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class StaleFirst:
    """A clock for the stand-in: the first token is minted two hours ago (already expired
    for the servers), later ones now."""

    def __init__(self) -> None:
        self.calls = 0

    def now(self) -> datetime:
        self.calls += 1
        late = timedelta(hours=2) if self.calls == 1 else timedelta(0)
        return datetime.now(UTC) - late


@dataclass
class Client:
    client_id: str
    secret: str
    mailbox: str
    roles: tuple[str, ...] = ("IMAP.AccessAsApp", "SMTP.SendAsApp")
    certificate: x509.Certificate | None = None
    revoked: bool = False
    object_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class OAuthStandin:
    def __init__(self, root: Path, *, clock: Clock | None = None, lifetime: int = 3599) -> None:
        self.root = root
        self.clock: Clock = clock or SystemClock()
        self.lifetime = lifetime
        self.clients: dict[str, Client] = {}
        self.requests: list[str] = []  # client ids, one per token request
        self.issued: list[str] = []  # every access token handed out
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> OAuthStandin:
        make_certificate(self.certificate, self.root / "idp-key.pem")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificate, self.root / "idp-key.pem")
        standin = self

        class Handler(_Handler):
            idp = standin

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- what tests use --------------------------------------------------------------

    @property
    def certificate(self) -> Path:
        """The endpoint's self-signed TLS certificate (trust it with ``verify=``)."""
        return self.root / "idp-cert.pem"

    @property
    def authority(self) -> str:
        return f"https://{HOST}:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.authority}/token"

    def register(self, client_id: str, secret: str, mailbox: str, **extra: Any) -> Client:
        client = Client(client_id, secret, mailbox, **extra)
        self.clients[client_id] = client
        return client

    def settings(self, client_id: str, **overrides: Any) -> OAuthSettings:
        values: dict[str, Any] = {
            "client_id": client_id,
            "tenant_id": TENANT,
            "authority": self.authority,
            "client_secret": self.clients[client_id].secret if client_id in self.clients else "",
        }
        values.update(overrides)
        return OAuthSettings(**values)

    def write_dovecot_keys(self, folder: Path) -> None:
        """The public key where Dovecot's local JWT validation looks it up:
        <folder>/<azp or 'default'>/<alg>/<kid> (the tokens carry no azp)."""
        path = folder / "default" / "RS256" / KEY_ID
        path.parent.mkdir(parents=True, exist_ok=True)
        for part in (folder, folder / "default", path.parent):
            part.chmod(0o755)
        path.write_bytes(self.public_key_pem())
        path.chmod(0o644)

    def public_key_pem(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def verify(self, token: str, mailbox: str, role: str) -> bool:
        """What a server does with a bearer token (real time, like Exchange)."""
        try:
            claims = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
            )
        except jwt.PyJWTError:
            return False
        return role in claims.get("roles", []) and claims.get("email") == mailbox

    # -- the grant ---------------------------------------------------------------------

    def grant(self, form: dict[str, str], token_endpoint: str) -> tuple[int, dict[str, Any]]:
        client = self.clients.get(form.get("client_id", ""))
        self.requests.append(form.get("client_id", ""))
        if form.get("grant_type") != "client_credentials":
            return 400, _error("unsupported_grant_type", 70003, "grant type not supported")
        if client is None or client.revoked:
            return 400, _error(
                "unauthorized_client",
                700016,
                f"Application with identifier '{form.get('client_id')}' was not found in the "
                "directory.",
            )
        if not self._authenticated(client, form, token_endpoint):
            return 401, _error("invalid_client", 7000215, "Invalid client secret provided.")
        if form.get("scope") != OUTLOOK_SCOPE:
            return 400, _error(
                "invalid_scope", 1002012, "The provided value for scope is not valid."
            )
        now = self.clock.now()
        claims = {
            "aud": AUDIENCE,
            "iss": ISSUER,
            "iat": now,
            "nbf": now,
            "exp": now + timedelta(seconds=self.lifetime),
            "appid": client.client_id,
            "tid": TENANT,
            "oid": client.object_id,
            "sub": client.object_id,
            "roles": list(client.roles),
            "email": client.mailbox,
            "jti": str(uuid.uuid4()),
        }
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KEY_ID})
        self.issued.append(token)
        body = {"token_type": "Bearer", "expires_in": self.lifetime, "access_token": token}
        return 200, {**body, "ext_expires_in": self.lifetime}

    def _authenticated(self, client: Client, form: dict[str, str], endpoint: str) -> bool:
        if "client_secret" in form:
            return form["client_secret"] == client.secret
        if form.get("client_assertion_type") != ASSERTION_TYPE or client.certificate is None:
            return False
        assertion = form.get("client_assertion", "")
        thumbprint = client.certificate.fingerprint(hashes.SHA1())  # x5t is SHA-1
        expected = base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode()
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(
                assertion,
                client.certificate.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256", "PS256"],
                audience=endpoint,
            )
        except jwt.PyJWTError:
            return False
        return (
            str(header.get("x5t", "")).rstrip("=") == expected
            and claims.get("sub") == client.client_id
        )


def _error(error: str, code: int, description: str) -> dict[str, Any]:
    trace = hashlib.sha256(uuid.uuid4().bytes).hexdigest()[:32]
    return {
        "error": error,
        "error_description": f"AADSTS{code}: {description} Trace ID: {trace}",
        "error_codes": [code],
    }


class _Handler(BaseHTTPRequestHandler):
    idp: OAuthStandin

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = self.path.split("/")
        if self.path.endswith("/v2.0/.well-known/openid-configuration") and parts[1] == TENANT:
            base = f"{self.idp.authority}/{TENANT}"
            self._send(
                200,
                {
                    "issuer": f"{base}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "token_endpoint_auth_methods_supported": [
                        "client_secret_post",
                        "private_key_jwt",
                    ],
                },
            )
        else:
            self._send(400, _error("invalid_tenant", 90002, "Tenant not found."))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        endpoint = f"{self.idp.authority}{self.path}"
        if self.path in (f"/{TENANT}/oauth2/v2.0/token", "/token"):
            self._send(*self.idp.grant(form, endpoint))
        else:
            self._send(404, {"error": "not_found"})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def client_certificate(root: Path, name: str = "app") -> tuple[ClientCertificate, x509.Certificate]:
    """A self-signed certificate for an app registration, as staff would upload to Entra ID."""
    import datetime as dt

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (root / f"{name}.pem").write_bytes(pem)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    thumbprint = cert.fingerprint(hashes.SHA1()).hex().upper()
    return ClientCertificate(private, thumbprint, pem.decode()), cert
