"""Wiring of OAuth 2.0 sign-in to the mailbox: [mail.oauth] plus the secret from the
environment become mail.oauth's token provider and the IMAP login step.

See docs/microsoft-365.md for the app registration these settings name.
"""

from __future__ import annotations

from pathlib import Path

from app.config import ConfigError, Settings
from app.secrets import oauth_certificate_key, oauth_client_secret
from core.clock import Clock
from mail.imap import Login
from mail.oauth import (
    ClientCertificate,
    OAuthSettings,
    TokenProvider,
    imap_login,
    token_source,
)


class MissingSecret(ConfigError):
    """auth = "oauth2" without a client secret or certificate key in the environment."""


def mailbox(settings: Settings) -> str:
    """The mailbox the app signs in to (and sends from): the intake address by default."""
    return settings.mail.oauth.mailbox or settings.mail.address


def thumbprint_of(certificate_pem: bytes) -> str:
    """The SHA-1 thumbprint Entra ID shows for an uploaded certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    certificate = x509.load_pem_x509_certificate(certificate_pem)
    return certificate.fingerprint(hashes.SHA1()).hex().upper()


def _certificate(settings: Settings, path: Path) -> ClientCertificate:
    key = oauth_certificate_key()
    if key is None:
        raise MissingSecret(("config.oauth.certificate_key", {}))
    try:
        pem = settings.path(path).read_bytes()
        thumbprint = settings.mail.oauth.certificate_thumbprint or thumbprint_of(pem)
    except (OSError, ValueError) as exc:
        raise ConfigError(("config.oauth.certificate", {"error": exc})) from None
    return ClientCertificate(key.get_secret_value(), thumbprint, pem.decode("ascii"))


def oauth_settings(settings: Settings) -> OAuthSettings:
    oauth = settings.mail.oauth
    certificate = None
    if oauth.certificate_path is not None:
        certificate = _certificate(settings, oauth.certificate_path)
    secret = oauth_client_secret()
    if certificate is None and secret is None:
        raise MissingSecret(("config.oauth.client_secret", {}))
    return OAuthSettings(
        client_id=oauth.client_id,
        tenant_id=oauth.tenant_id,
        scope=oauth.scope,
        authority=oauth.authority,
        token_url=oauth.token_url,
        client_secret=secret.get_secret_value() if secret else "",
        certificate=certificate,
    )


def oauth_tokens(settings: Settings, clock: Clock) -> TokenProvider | None:
    """One token provider for every connection with auth = "oauth2" (None: none has it)."""
    if "oauth2" not in (settings.mail.imap.auth, settings.mail.smtp.auth):
        return None
    return TokenProvider(token_source(oauth_settings(settings)), clock=clock)


def imap_login_step(settings: Settings, tokens: TokenProvider | None) -> Login | None:
    """XOAUTH2 for mail.imap.auth = "oauth2"; None: the password login."""
    if settings.mail.imap.auth != "oauth2" or tokens is None:
        return None
    return imap_login(tokens, mailbox(settings))


def smtp_tokens(settings: Settings, tokens: TokenProvider | None) -> TokenProvider | None:
    """The provider for mail.smtp.auth = "oauth2"; None: the password (if any)."""
    return tokens if settings.mail.smtp.auth == "oauth2" else None
