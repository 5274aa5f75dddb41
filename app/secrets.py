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
