"""Secrets come from the environment only, and are never logged or printed."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

if TYPE_CHECKING:
    from app.config import Settings

CODE_SECRET_FILE = Path("var/code-secret")


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


def oidc_client_secret() -> SecretStr | None:
    """The console's client secret at the OpenID Connect provider ([web.oidc])."""
    return secret("LEERTRAJECT_OIDC_CLIENT_SECRET")


def code_secret(settings: Settings) -> bytes:
    """The key of the codes' keyed hashes: LEERTRAJECT_CODE_SECRET, or (embedded default)
    a random key made on first run and kept, readable by the owner only, in var/."""
    configured = secret("LEERTRAJECT_CODE_SECRET")
    if configured is not None:
        return configured.get_secret_value().encode()
    path = settings.path(CODE_SECRET_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made earlier, or by another instance just now
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip().encode()
