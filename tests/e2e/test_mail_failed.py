"""`leertraject mail failed`: the messages whose failure is recorded, as staff run it (a
separate process): what `mail retry` would process again, in Dutch or English, as a table,
CSV or JSON, without the sender's address."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from app.bootstrap import App
from core.model import Channel
from core.usecases import inbound

Cli = Callable[..., subprocess.CompletedProcess[str]]
CORPUS = Path(__file__).parent.parent / "corpus" / "mail"
CLEAN = CORPUS / "nl_clean_template.eml"
CLEAN_ID = "<a1f0c2d4-1111-4c1e-9e55-0c9a1b2c3d01@gent.example.be>"


def fail(app: App, raw: bytes, key: str, error: str) -> None:
    """What the pipeline records when it fails on a message (mail/pipeline.py)."""
    app.transaction(lambda uow: inbound.quarantine(uow, app.env, Channel.EMAIL, key, raw, error))


def test_failed_mail_is_listed_with_its_reason_and_tries_until_a_retry_clears_it(
    cli_sqlite: Cli, app_sqlite: App
) -> None:
    cli, app = cli_sqlite, app_sqlite
    assert cli("mail", "failed").stdout == "Geen berichten in quarantaine.\n"
    raw = CLEAN.read_bytes()
    fail(app, raw, CLEAN_ID, "OperationalError: database is locked\nTraceback ...")
    fail(app, raw, CLEAN_ID, "OperationalError: database is locked\nTraceback ...")

    table = cli("mail", "failed").stdout
    assert "Mislukte e-mails (1)" in table and "Domein afzender" in table
    assert "gent.example.be" in table and "OperationalError: database is locked" in table
    assert "Traceback" not in table, "one line of reason"
    assert "@gent.example.be" not in table.replace(CLEAN_ID, ""), "no sender's address"
    [row] = json.loads(cli("mail", "failed", "--format", "json").stdout)
    assert (row["message"], row["sender_domain"], row["tries"]) == (CLEAN_ID, "gent.example.be", 2)
    assert row["received_at"] and row["id"]

    english = cli("--lang", "en", "mail", "failed", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(english), delimiter=";"))
    assert rows[0] == ["Id", "Message", "Received", "Sender's domain", "Reason", "Tries"]
    assert rows[1][3:] == ["gent.example.be", "OperationalError: database is locked", "2"]

    [retried] = [json.loads(cli("mail", "retry", "--json").stdout)]
    assert retried["outcome"] == "needs_verification"
    assert cli("--lang", "en", "mail", "failed").stdout == "No messages in quarantine.\n"
    assert json.loads(cli("mail", "failed", "--format", "json").stdout) == []
