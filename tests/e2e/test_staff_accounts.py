"""`leertraject staff` as a separate process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.bootstrap import bootstrap
from app.config import load_settings
from storage.tables import AuditRow
from tests.cli_process import Cli, make_cli


@pytest.fixture
def run(db_url: str, tmp_path: Path) -> Cli:
    return make_cli(db_url, tmp_path, LEERTRAJECT_WEB__PUBLIC_URL="https://console.vlaio.example")


def test_staff_accounts_are_added_listed_reset_and_removed_in_dutch(run: Any, db_url: str) -> None:
    added = run("staff", "add", "An.Peeters@VLAIO.be", "--name", "An Peeters", "--role", "admin")
    assert "Account aangemaakt voor an.peeters@vlaio.be (beheerder)." in added.stdout
    link = re.search(r"https://console\.vlaio\.example/welcome/([A-Za-z0-9_-]{40,})", added.stdout)
    assert link, added.stdout
    assert "24 uur geldig" in added.stdout

    run(
        "staff",
        "add",
        "jan@vlaio.be",
        "--name",
        "Jan Janssens",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    short = run(
        "staff",
        "add",
        "kort@vlaio.be",
        "--name",
        "K",
        "--role",
        "editor",
        "--password-stdin",
        stdin="kort\n",
        expect=1,
    )
    assert "te kort: minstens 12 tekens" in short.stderr
    again = run("staff", "add", "jan@vlaio.be", "--name", "Jan", "--role", "admin", expect=1)
    assert "Er is al een account voor jan@vlaio.be." in again.stderr

    listed = {m["email"]: m for m in json.loads(run("staff", "list", "--json").stdout)}
    assert set(listed) == {"an.peeters@vlaio.be", "jan@vlaio.be"}
    assert (listed["an.peeters@vlaio.be"]["password_set"], listed["jan@vlaio.be"]["role"]) == (
        False,
        "viewer",
    )
    table = run("staff", "list").stdout
    assert "Medewerkers (2)" in table and "lezer" in table

    reset = run("staff", "reset", "jan@vlaio.be")
    assert "Het wachtwoord van jan@vlaio.be is gewist" in reset.stdout
    assert "/welcome/" in reset.stdout

    english = run("--lang", "en", "staff", "remove", "jan@vlaio.be")
    assert "Account jan@vlaio.be removed" in english.stdout
    gone = run("staff", "remove", "jan@vlaio.be", expect=1)
    assert "Er is geen account voor jan@vlaio.be." in gone.stderr

    settings = load_settings()
    app = bootstrap(
        settings.model_copy(
            update={"database": settings.database.model_copy(update={"url": db_url})}
        )
    )
    try:
        with app.uow() as uow:
            audit = [
                (a.action, a.channel, a.actor, a.data)
                for a in uow.session.scalars(select(AuditRow).order_by(AuditRow.id))
            ]
    finally:
        app.close()
    assert [a[0] for a in audit] == ["staff.added", "staff.added", "staff.reset", "staff.removed"]
    assert all(channel == "cli" and actor.startswith("staff:") for _, channel, actor, _ in audit)
    assert "horse" not in repr(audit)
