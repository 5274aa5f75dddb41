"""`leertraject doctor` as a separate process: healthy, then each check failing for real
(a broken file, an unreachable or old database, a wrong mailbox password, no SMTP server, a
rejected bot token), never showing a secret; the clock and retention checks in process, with
the clock injected."""

from __future__ import annotations

import socket
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import App, bootstrap
from app.commands.doctor import check_clock, check_retention
from app.config import Settings
from app.jobs import purge_job
from core.clock import FixedClock, SystemClock
from storage.migrate import upgrade
from tests.cli_process import ops_cli
from tests.mailserver import MailServers
from tests.telegram_standin import TelegramStandIn


def lines(output: str) -> dict[str, str]:
    """Area -> the rest of its line, from 'STATUS   Area: text'."""
    found = {}
    for line in output.strip().splitlines():
        status, rest = line[:8].strip(), line[8:].strip()
        area, _, said = rest.partition(": ")
        found[area] = f"{status}|{said}"
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_healthy_installation_passes_every_check(db_url: str, tmp_path: Path) -> None:
    done = ops_cli(db_url, tmp_path, "doctor")
    found = lines(done.stdout)
    assert list(found) == [
        "Configuratie",
        "Databank",
        "Mailbox",
        "Verzenden",
        "Telegram-bot",
        "Klok",
        "Bewaartermijn",
    ]
    assert all(v.startswith("in orde|") for v in found.values()), found
    if db_url.startswith("postgresql"):
        assert "verschil met de databankserver" in found["Klok"]
    english = lines(ops_cli(db_url, tmp_path, "--lang", "en", "doctor").stdout)
    assert english["Database"].startswith("ok|reachable")


def test_a_broken_configuration_is_the_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "config.toml"
    broken.write_text('[campaign]\nmin_preferences = "drie"\n')
    done = ops_cli("sqlite://", tmp_path, "--config", str(broken), "doctor", expect=1)
    found = lines(done.stdout)
    assert list(found) == ["Configuratie"] and found["Configuratie"].startswith("FOUT|klopt niet")


def test_database_unreachable_not_migrated_or_newer(tmp_path: Path) -> None:
    secret = "s3cret-database-pw"
    gone = f"postgresql+psycopg://leertraject:{secret}@127.0.0.1:{free_port()}/leertraject"
    done = ops_cli(gone, tmp_path, "doctor", expect=1)
    assert lines(done.stdout)["Databank"].startswith("FOUT|onbereikbaar")
    assert secret not in done.stdout + done.stderr

    empty = f"sqlite:///{tmp_path / 'leeg.db'}"
    found = lines(ops_cli(empty, tmp_path, "doctor", expect=1).stdout)
    assert found["Databank"].startswith("FOUT|") and "leertraject db upgrade" in found["Databank"]

    newer = f"sqlite:///{tmp_path / 'nieuwer.db'}"
    upgrade(newer)
    with sqlite3.connect(tmp_path / "nieuwer.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_later'")
    found = lines(ops_cli(newer, tmp_path, "doctor", expect=1).stdout)
    assert found["Databank"].startswith("FOUT|schema 9999_later is nieuwer")


def test_mailbox_sign_in_and_smtp_against_the_real_servers(
    mailboxes: MailServers, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    imap: dict[str, Any] = {
        "LEERTRAJECT_MAIL__INTAKE": "imap",
        "LEERTRAJECT_MAIL__IMAP__HOST": "127.0.0.1",
        "LEERTRAJECT_MAIL__IMAP__PORT": str(mailboxes.imap_port),
        "LEERTRAJECT_MAIL__IMAP__USERNAME": "intake@vlaio.test",
        "LEERTRAJECT_MAIL__IMAP__TLS": "none",
        "LEERTRAJECT_MAIL__TRANSPORT": "smtp",
        "LEERTRAJECT_MAIL__SMTP__HOST": "127.0.0.1",
        "LEERTRAJECT_MAIL__SMTP__PORT": str(mailboxes.smtp_port),
        "LEERTRAJECT_MAIL__SMTP__TLS": "none",
    }
    right = mailboxes.users["intake@vlaio.test"]
    done = ops_cli(url, tmp_path, "doctor", LEERTRAJECT_IMAP_PASSWORD=right, **imap)
    found = lines(done.stdout)
    assert found["Mailbox"].startswith("in orde|aangemeld als intake@vlaio.test"), found
    assert found["Verzenden"].startswith("in orde|verbonden"), found

    wrong = "not-the-password-42"
    imap["LEERTRAJECT_MAIL__SMTP__PORT"] = str(free_port())
    done = ops_cli(url, tmp_path, "doctor", expect=1, LEERTRAJECT_IMAP_PASSWORD=wrong, **imap)
    found = lines(done.stdout)
    assert found["Mailbox"].startswith("FOUT|aanmelden bij 127.0.0.1 mislukt"), found
    assert found["Verzenden"].startswith("FOUT|aanmelden bij 127.0.0.1 mislukt"), found
    assert wrong not in done.stdout + done.stderr


def test_the_bot_token_is_checked_with_get_me(standin: TelegramStandIn, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    base: dict[str, Any] = {"LEERTRAJECT_TELEGRAM__BASE_URL": standin.base_url}
    done = ops_cli(url, tmp_path, "doctor", TELEGRAM_BOT_TOKEN=standin.token, **base)
    assert lines(done.stdout)["Telegram-bot"] == "in orde|@leertraject_test_bot antwoordt op getMe"

    wrong = "987654321:AAH-not-the-right-token-000000000000"
    done = ops_cli(url, tmp_path, "doctor", expect=1, TELEGRAM_BOT_TOKEN=wrong, **base)
    assert lines(done.stdout)["Telegram-bot"].startswith("FOUT|Telegram weigert het token")
    assert wrong not in done.stdout + done.stderr


@pytest.mark.postgres
def test_a_clock_that_is_off_is_reported(pg_database: str, base_settings: Settings) -> None:
    settings = base_settings.model_copy(
        update={"database": base_settings.database.model_copy(update={"url": pg_database})}
    )
    app = bootstrap(settings)
    try:
        assert check_clock(app, SystemClock()).ok
        off = FixedClock(SystemClock().now() + timedelta(minutes=10))
        finding = check_clock(app, off)
        assert not finding.ok and finding.params["seconds"] >= 590
        assert "wijkt" in finding.line() and "NTP" in finding.line()
    finally:
        app.close()


def test_the_purge_shows_in_doctor(app: App, clock: FixedClock) -> None:
    assert check_retention(app, clock).ok
    retention = timedelta(days=app.settings.campaign.retention_days)
    clock.set(app.env.campaign.deadline + retention + timedelta(hours=1))
    overdue = check_retention(app, clock)
    assert not overdue.ok and "nog niet gewist" in overdue.line()
    purge_job(app, "w1")
    purged = check_retention(app, clock)
    assert purged.ok and "zijn gewist" in purged.line()
