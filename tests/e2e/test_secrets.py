"""Secrets never reach the logs or the configuration file: the service runs at DEBUG with every
secret set, against the real IMAP/SMTP servers, PostgreSQL and the Telegram stand-in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mailserver import MailServers
from tests.telegram_standin import TelegramStandIn

pytestmark = [pytest.mark.mailserver, pytest.mark.postgres]
CORPUS = Path(__file__).parent.parent / "corpus" / "mail"
INTAKE = "intake@vlaio.test"
SMTP_PASSWORD = "smtp-Pa55word-never-logged"
WEBHOOK_SECRET = "webhook-Secret-never-logged"
DATABASE_PASSWORD = "db-Pa55word-never-logged"


def test_the_service_at_debug_logs_no_secret(
    mailboxes: MailServers, standin: TelegramStandIn, pg_database: str, tmp_path: Path
) -> None:
    raw = (CORPUS / "nl_clean_template.eml").read_bytes()
    mailboxes.append(INTAKE, [raw.replace(b"gent.example.be", b"gent.example.test")])
    database = pg_database.replace("://postgres@", f"://postgres:{DATABASE_PASSWORD}@")
    assert DATABASE_PASSWORD in database
    secrets = {
        "LEERTRAJECT_IMAP_PASSWORD": mailboxes.users[INTAKE],
        "LEERTRAJECT_SMTP_PASSWORD": SMTP_PASSWORD,
        "TELEGRAM_BOT_TOKEN": standin.token,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    environment = {
        **os.environ,
        **secrets,
        "LEERTRAJECT_DATABASE__URL": database,
        "LEERTRAJECT_LOGGING__LEVEL": "DEBUG",
        "LEERTRAJECT_MAIL__ADDRESS": INTAKE,
        "LEERTRAJECT_MAIL__INTAKE": "imap",
        "LEERTRAJECT_MAIL__IMAP__HOST": "127.0.0.1",
        "LEERTRAJECT_MAIL__IMAP__PORT": str(mailboxes.imap_port),
        "LEERTRAJECT_MAIL__IMAP__USERNAME": INTAKE,
        "LEERTRAJECT_MAIL__IMAP__TLS": "none",
        "LEERTRAJECT_MAIL__TRANSPORT": "smtp",
        "LEERTRAJECT_MAIL__SMTP__HOST": "127.0.0.1",
        "LEERTRAJECT_MAIL__SMTP__PORT": str(mailboxes.smtp_port),
        "LEERTRAJECT_MAIL__SMTP__TLS": "none",
        "LEERTRAJECT_TELEGRAM__BASE_URL": standin.base_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "run", "--once"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=180,
        cwd=tmp_path,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert " DEBUG " in output and "message handled: outcome=" in output
    assert "message sent: outcome=sent" in output
    leaked = [name for name, value in secrets.items() if value in output]
    assert not leaked and DATABASE_PASSWORD not in output
    assert standin.token.split(":", 1)[1] not in output
    assert "an.peeters" not in output, "no message, so no address, is dumped into the log"
