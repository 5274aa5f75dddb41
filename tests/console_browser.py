"""Shared by the console's browser tests: `leertraject run` as a process with a fresh SQLite
database, Debian's Chromium through Playwright, signing in, a registration by e-mail."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from app.bootstrap import App, bootstrap
from app.config import load_settings
from core.model import Contact
from mail.pipeline import IntakeSettings, MailIntake
from storage.migrate import upgrade
from tests.console_helpers import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "var" / "test-artifacts" / "console"
CORPUS = ROOT / "tests" / "corpus" / "mail"
INTAKE = "intake@vlaio.test"
# Far away, so that the real clock of the served process is before it whatever the date.
DEADLINE = "2099-01-29T17:00:00+01:00"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_listening(process: subprocess.Popen[str], lines: list[str]) -> None:
    """Read the service's log until the console says it listens (or the process ends)."""
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)
        if "Staff console: " in line:
            threading.Thread(target=lambda: lines.extend(process.stderr or []), daemon=True).start()
            return
    raise AssertionError("leertraject run stopped before the console listened:\n" + "".join(lines))


@pytest.fixture(name="served")
def served_fixture(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, App]]:
    """`leertraject run` on a fresh database; a test that also asks for a fixture named
    `served_environment` (a dict) gets those environment variables added."""
    url = f"sqlite:///{tmp_path / 'leertraject.db'}"
    upgrade(url)
    environment = {
        **os.environ,
        "LEERTRAJECT_DATABASE__URL": url,
        "LEERTRAJECT_CAMPAIGN__DEADLINE": DEADLINE,
        "LEERTRAJECT_MAIL__ADDRESS": INTAKE,
        "LEERTRAJECT_MAIL__MAILDIR": str(tmp_path / "inbox"),
        "LEERTRAJECT_MAIL__OUTBOX_DIR": str(tmp_path / "outbox"),
        "LEERTRAJECT_WEB__LISTEN": f"127.0.0.1:{free_port()}",
    }
    environment.pop("TELEGRAM_BOT_TOKEN", None)
    if "served_environment" in request.fixturenames:
        environment.update(request.getfixturevalue("served_environment"))
    settings = load_settings()
    settings = settings.model_copy(
        update={
            "database": settings.database.model_copy(update={"url": url}),
            "campaign": settings.campaign.model_copy(
                update={"deadline": settings.campaign.deadline.replace(year=2099)}
            ),
        }
    )
    app = bootstrap(settings)
    port = int(environment["LEERTRAJECT_WEB__LISTEN"].rsplit(":", 1)[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "run"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        _wait_until_listening(process, lines)
        assert f"Staff console: http://127.0.0.1:{port}" in "".join(lines)
        yield f"http://127.0.0.1:{port}", app
    finally:
        process.terminate()
        process.wait(timeout=30)
        app.close()


@pytest.fixture(name="browser")
def browser_fixture() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: scripts/install-test-services.sh installs it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", name="Overzicht van de campagne")).to_be_visible()


def ingest_by_email(app: App) -> str:
    app.transaction(
        lambda uow: uow.contacts.add(
            Contact("44021", "An Peeters", "an.peeters@gent.example.be", invited=True)
        )
    )
    intake = MailIntake(
        app.env, IntakeSettings(INTAKE, trusted_authserv_id="mx.vlaio.test"), app.transaction
    )
    result = intake.process((CORPUS / "nl_clean_template.eml").read_bytes())
    assert result.outcome == "accepted" and result.registration is not None
    return str(result.registration["reference"])


AXE = ROOT / "tests" / "web" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def need_axe() -> None:
    """axe-core must be there in CI (the install script puts it there); elsewhere: skip."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("axe-core is missing: scripts/install-test-services.sh installs it")
        pytest.skip("axe-core is not installed (scripts/install-test-services.sh)")


def axe_violations(page: Page, name: str) -> list[str]:
    """axe-core's serious and critical violations on the page (WCAG 2.1 A and AA rules); the
    page's context must bypass the CSP (the pages themselves load no script)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""
    )
    return [f"{name}: {line}" for line in found]
