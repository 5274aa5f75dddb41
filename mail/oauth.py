"""OAuth 2.0 access tokens for the mailbox: the client-credentials grant, cached and renewed.

Exchange Online accepts no passwords for IMAP (and, from the end of 2026, none for SMTP): the
service signs in as its Entra ID app registration with an access token (SASL XOAUTH2). The
token comes from MSAL's client-credentials grant (a client secret or a certificate), or, for
another provider, from a plain client-credentials POST to its token URL.

``TokenProvider`` keeps the token in memory, renews it before it expires (by the injected
clock) and, when a server refuses it, renews it once: ``signed_in`` / ``signed_in_async``
wrap a sign-in that way. Tokens and secrets never appear in a message or a log line;
``OAuthError`` says what went wrong with a ``kind`` that staff-facing texts translate.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar

from core.clock import Clock, SystemClock

log = logging.getLogger(__name__)

OUTLOOK_SCOPE = "https://outlook.office365.com/.default"
ENTRA_AUTHORITY = "https://login.microsoftonline.com"

T = TypeVar("T")
ErrorKind = Literal["token_refused", "token_unreachable", "imap_refused", "smtp_refused"]

# What staff check for each kind of failure (in the log; `mail check` says it in their language).
HINTS: dict[str, str] = {
    "token_refused": "check mail.oauth.tenant_id, mail.oauth.client_id and "
    "LEERTRAJECT_OAUTH_CLIENT_SECRET (or the certificate) of the app registration",
    "token_unreachable": "the token endpoint could not be reached: check the network, "
    "mail.oauth.authority or mail.oauth.token_url",
    "imap_refused": "check the app's IMAP.AccessAsApp permission with admin consent and "
    "the mailbox permission of its Exchange service principal (Add-MailboxPermission)",
    "smtp_refused": "check the app's SMTP.SendAsApp permission with admin consent, Send As "
    "on the mailbox (Add-RecipientPermission) and that SMTP AUTH is on for the mailbox",
}


class OAuthError(Exception):
    """No usable token, or a server refused it twice. Never holds a token or a secret."""

    def __init__(self, kind: ErrorKind, detail: str) -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(f"{kind}: {detail} ({HINTS[kind]})")


@dataclass(frozen=True)
class ClientCertificate:
    """An app registration's certificate: its private key (PEM, from the environment), the
    SHA-1 thumbprint Entra ID shows, and optionally the public certificate (PEM, sent as x5c)."""

    private_key: str = field(repr=False)
    thumbprint: str
    public_certificate: str = ""


@dataclass(frozen=True)
class OAuthSettings:
    client_id: str
    tenant_id: str = ""
    scope: str = OUTLOOK_SCOPE
    authority: str = ENTRA_AUTHORITY
    # Another provider: its token endpoint; then tenant_id and authority are not used.
    token_url: str = ""
    client_secret: str = field(default="", repr=False)
    certificate: ClientCertificate | None = None
    timeout: float = 30.0


@dataclass(frozen=True)
class Token:
    value: str = field(repr=False)
    expires_in: float


class TokenSource(Protocol):
    def fetch(self) -> Token:
        """A new token from the provider (never a cached one); raises OAuthError."""
        ...


MAX_RESPONSE = 1024 * 1024  # a token response is a few kilobytes


def one_line(text: object) -> str:
    """What an outside party said, fit for a log line: one line, printable, at most 300."""
    lines = str(text or "").strip().splitlines()
    line = lines[0] if lines else ""
    if line[:2] in ("b'", 'b"') and line[-1:] == line[1]:  # imapclient: str() of the bytes
        line = line[2:-1]
    return "".join(c for c in line[:300] if c.isprintable())


def _refused(result: object) -> OAuthError:
    answer = result if isinstance(result, dict) else {}
    error = one_line(answer.get("error")) or "error"
    codes = answer.get("error_codes")
    description = one_line(answer.get("error_description"))
    detail = f"{error} {one_line(codes[0])}" if isinstance(codes, list) and codes else error
    return OAuthError("token_refused", f"{detail}: {description}" if description else detail)


def _token(result: object) -> Token:
    """The token of a provider's answer, or OAuthError when it holds none."""
    if not isinstance(result, dict) or not isinstance(result.get("access_token"), str):
        raise _refused(result)
    try:
        lifetime = float(result.get("expires_in") or 0)
    except (TypeError, ValueError):
        lifetime = 0.0  # unknown: used once, then renewed
    return Token(result["access_token"], max(lifetime, 0.0))


class MsalSource:
    """Entra ID's client-credentials grant through MSAL.

    MSAL checks the authority against Microsoft's list only for Microsoft's own hosts (which
    it knows without asking); another authority, such as the tests' stand-in, is used as
    configured. ``http_client`` replaces MSAL's requests.Session (tests trust the stand-in's
    certificate with it).
    """

    def __init__(self, settings: OAuthSettings, *, http_client: Any = None) -> None:
        self._settings = settings
        self._http_client = http_client
        self._app: Any = None

    def _credential(self) -> str | dict[str, str]:
        s = self._settings
        if s.certificate is not None:
            credential = {"private_key": s.certificate.private_key}
            credential["thumbprint"] = s.certificate.thumbprint
            if s.certificate.public_certificate:
                credential["public_certificate"] = s.certificate.public_certificate
            return credential
        return s.client_secret

    def _application(self) -> Any:
        import msal  # only where OAuth is configured: it pulls in requests
        from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS

        if self._app is None:
            s = self._settings
            known = urllib.parse.urlsplit(s.authority).hostname in WELL_KNOWN_AUTHORITY_HOSTS
            # Built lazily: the constructor already asks the authority for its endpoints.
            self._app = msal.ConfidentialClientApplication(
                s.client_id,
                client_credential=self._credential(),
                authority=f"{s.authority.rstrip('/')}/{s.tenant_id}",
                validate_authority=known,
                instance_discovery=known,
                http_client=self._http_client,
                timeout=s.timeout,
            )
        return self._app

    def fetch(self) -> Token:
        try:
            app = self._application()
            # TokenProvider decides when to renew: drop MSAL's own copy so it asks again.
            app.remove_tokens_for_client()
            result = app.acquire_token_for_client(scopes=[self._settings.scope])
        except OSError as exc:  # requests' errors are OSErrors too
            raise OAuthError("token_unreachable", type(exc).__name__) from None
        except ValueError as exc:  # discovery failed: unknown tenant or authority
            raise OAuthError("token_refused", one_line(exc)) from None
        return _token(result)


class ClientCredentialsSource:
    """RFC 6749 section 4.4 with client_secret_post, for a provider other than Entra ID."""

    def __init__(self, settings: OAuthSettings, *, context: ssl.SSLContext | None = None) -> None:
        self._settings = settings
        self._context = context

    def fetch(self) -> Token:
        s = self._settings
        body = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": s.client_id,
                "client_secret": s.client_secret,
                "scope": s.scope,
            }
        ).encode()
        request = urllib.request.Request(s.token_url, data=body, method="POST")
        request.add_header("Accept", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=s.timeout, context=self._context) as r:
                result = json.loads(r.read(MAX_RESPONSE))
        except urllib.error.HTTPError as exc:
            try:
                result = json.loads(exc.read(MAX_RESPONSE))
            except ValueError:
                result = {"error": f"HTTP {exc.code}"}
            raise _refused(result) from None
        except (OSError, ValueError) as exc:
            raise OAuthError("token_unreachable", type(exc).__name__) from None
        return _token(result)


def token_source(settings: OAuthSettings, **options: Any) -> TokenSource:
    """MSAL for Entra ID; the plain grant where a token_url is configured."""
    if settings.token_url:
        return ClientCredentialsSource(settings, context=options.get("context"))
    return MsalSource(settings, http_client=options.get("http_client"))


class TokenProvider:
    """One token in memory, shared by the IMAP thread and the sender; thread-safe."""

    def __init__(
        self, source: TokenSource, *, clock: Clock | None = None, renew_before: float = 300.0
    ) -> None:
        self._source = source
        self._clock = clock or SystemClock()
        self._margin = timedelta(seconds=renew_before)
        self._lock = threading.Lock()
        self._value = ""
        self._renew_at: datetime | None = None

    def token(self) -> str:
        """The cached token, or a new one when it expires within the margin."""
        with self._lock:
            now = self._clock.now()
            if self._renew_at is None or now >= self._renew_at:
                self._fetch(now)
            return self._value

    def renew(self, refused: str) -> str:
        """A new token after a server refused ``refused`` (unless another caller already
        renewed it meanwhile)."""
        with self._lock:
            if self._value == refused or self._renew_at is None:
                self._fetch(self._clock.now())
            return self._value

    def _fetch(self, now: datetime) -> None:
        token = self._source.fetch()
        self._value = token.value
        lifetime = timedelta(seconds=token.expires_in)
        # Renew `renew_before` ahead of expiry; a short-lived token at half its life.
        self._renew_at = now + lifetime - min(self._margin, lifetime / 2)
        log.debug("new OAuth access token, valid for %d s", int(token.expires_in))


def signed_in(
    provider: TokenProvider,
    attempt: Callable[[str], T],
    refused: type[BaseException] | tuple[type[BaseException], ...],
    kind: ErrorKind,
) -> T:
    """Run a sign-in with the token; when the server refuses it, renew once and try again."""
    token = provider.token()
    try:
        return attempt(token)
    except refused:
        log.info("the server refused the access token; asking for a new one")
    token = provider.renew(token)
    try:
        return attempt(token)
    except refused as exc:
        raise OAuthError(kind, one_line(exc) or type(exc).__name__) from None


async def signed_in_async(
    token: Callable[[], Awaitable[str]],
    renew: Callable[[str], Awaitable[str]],
    attempt: Callable[[str], Awaitable[T]],
    refused: type[BaseException] | tuple[type[BaseException], ...],
    kind: ErrorKind,
) -> T:
    """``signed_in`` for asyncio (the provider's blocking calls wrapped by the caller)."""
    value = await token()
    try:
        return await attempt(value)
    except refused:
        log.info("the server refused the access token; asking for a new one")
    value = await renew(value)
    try:
        return await attempt(value)
    except refused as exc:
        raise OAuthError(kind, one_line(exc) or type(exc).__name__) from None


def imap_login(provider: TokenProvider, mailbox: str) -> Callable[[Any], None]:
    """A login step for mail.imap: SASL XOAUTH2 as the mailbox, renewing the token once."""
    from imapclient.exceptions import LoginError

    def login(client: Any) -> None:
        signed_in(
            provider, lambda token: client.oauth2_login(mailbox, token), LoginError, "imap_refused"
        )

    return login
