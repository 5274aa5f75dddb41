"""Staff settle what the trust rules hold back, with the `leertraject` command as a separate
process: a stranger's version waiting for approval, and an address locked for the day."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.bootstrap import App, bootstrap
from app.config import Settings
from tests.cli_process import ROOT, Cli, make_cli

STRANGER = "piet.prive@example.org"


@pytest.fixture
def run(db_url: str, tmp_path: Path) -> Cli:
    return make_cli(db_url, tmp_path, cwd=ROOT)  # the code secret of `database` below


@pytest.fixture
def database(db_settings: Settings) -> Iterator[App]:
    application = bootstrap(db_settings)  # the same database and code secret as the command
    yield application
    application.close()


def ingest(run: Any, tmp_path: Path, name: str, body: str) -> dict[str, Any]:
    path = tmp_path / name
    path.write_bytes(
        (
            f"From: Piet <{STRANGER}>\r\nTo: leertrajecten@vlaio.example\r\n"
            "Subject: Inschrijving\r\n"
            f"Message-ID: <{name}@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}"
        ).encode()
    )
    result: dict[str, Any] = json.loads(run("mail", "ingest", str(path), "--json").stdout)
    return result


def test_staff_approve_a_waiting_version_and_unlock_an_address(
    run: Any, tmp_path: Path, database: App
) -> None:
    entered = run(
        "registrations", "submit", "--municipality", "Gent", "--contact-name", "An Peeters",
        "--contact-email", "an.peeters@stad.gent", "--contact-function", "Schepen",
        "--preferences", "1,2,4", "--json",
    )  # fmt: skip
    reference = json.loads(entered.stdout)["reference"]
    form = (
        "Gemeente: Gent\r\nContactpersoon: Piet Privé\r\nFunctie: Schepen\r\n"
        f"E-mail: {STRANGER}\r\n"
        "Voorkeur 1: 12\r\nVoorkeur 2: 10\r\nVoorkeur 3: 8\r\n"
    )
    assert ingest(run, tmp_path, "form", form)["outcome"] == "needs_verification"
    with database.uow() as uow:
        [mail] = [m for m in uow.outbox.list() if m.kind == "verification.code"]
    code = mail.params["code"]
    assert ingest(run, tmp_path, "code", f"{code}\r\n")["outcome"] == "pending_approval"
    shown = json.loads(run("registrations", "show", reference, "--json").stdout)
    assert [p["theme"] for p in shown["preferences"]] == [1, 2, 4]

    approved = json.loads(run("registrations", "approve", reference, "--json").stdout)
    assert approved == {"reference": reference, "decision": "approved", "preferences": [12, 10, 8]}
    shown = json.loads(run("registrations", "show", reference, "--json").stdout)
    assert [p["theme"] for p in shown["preferences"]] == [12, 10, 8]
    again = run("registrations", "refuse", reference, expect=1)
    assert "wacht geen nieuwe versie" in again.stderr

    unlocked = json.loads(run("verification", "unlock", STRANGER, "--json").stdout)
    assert unlocked["unlocked"] is True
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT actor, subject FROM audit_log")).all()
    audited = {subject.split(":")[0]: actor for actor, subject in rows}
    assert "address" in audited and audited["address"].startswith("staff")
    assert not any(STRANGER in subject for _, subject in rows), "audit names nobody"
