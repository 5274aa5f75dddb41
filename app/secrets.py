"""Secrets come from the environment only, and are never logged or printed."""

from __future__ import annotations

import os

from pydantic import SecretStr


def secret(name: str) -> SecretStr | None:
    value = os.environ.get(name, "").strip()
    return SecretStr(value) if value else None


def telegram_token() -> SecretStr | None:
    return secret("TELEGRAM_BOT_TOKEN")


def imap_password() -> SecretStr | None:
    return secret("LEERTRAJECT_IMAP_PASSWORD")


def smtp_password() -> SecretStr | None:
    return secret("LEERTRAJECT_SMTP_PASSWORD")


def oauth_client_secret() -> SecretStr | None:
    """The app registration's client secret (mail.*.auth = "oauth2")."""
    return secret("LEERTRAJECT_OAUTH_CLIENT_SECRET")


def oauth_certificate_key() -> SecretStr | None:
    """Or the private key (PEM) of its certificate (mail.oauth.certificate_path)."""
    return secret("LEERTRAJECT_OAUTH_CERTIFICATE_KEY")
