"""The staff console in real Chromium (Debian's, driven by Playwright), against `leertraject
run` as a separate process: sign in, see a registration that came by e-mail, withdraw it as
an editor; a viewer can change nothing. Screenshots of each page go to var/test-artifacts/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_helpers import EMAILS, PASSWORD, add_staff
from playwright.sync_api import Browser, Page, expect, sync_playwright

from app.bootstrap import App, bootstrap
from app.config import load_settings
from core.model import Contact
from core.staff import Role
from mail.pipeline import IntakeSettings, MailIntake
from storage.migrate import upgrade

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "test-artifacts" / "console"
CORPUS = ROOT / "tests" / "corpus" / "mail"
INTAKE = "intake@vlaio.test"
# Far away, so that the real clock of the served process is before it whatever the date.
DEADLINE = "2099-01-29T17:00:00+01:00"


def _free_port() -> int:
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


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, App]]:
    url = f"sqlite:///{tmp_path / 'leertraject.db'}"
    upgrade(url)
    environment = {
        **os.environ,
        "LEERTRAJECT_DATABASE__URL": url,
        "LEERTRAJECT_CAMPAIGN__DEADLINE": DEADLINE,
        "LEERTRAJECT_MAIL__ADDRESS": INTAKE,
        "LEERTRAJECT_MAIL__MAILDIR": str(tmp_path / "inbox"),
        "LEERTRAJECT_MAIL__OUTBOX_DIR": str(tmp_path / "outbox"),
        "LEERTRAJECT_WEB__LISTEN": f"127.0.0.1:{_free_port()}",
    }
    environment.pop("TELEGRAM_BOT_TOKEN", None)
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


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: scripts/install-test-services.sh installs it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", name="Overzicht van de campagne")).to_be_visible()


def _ingest_by_email(app: App) -> str:
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


def test_staff_sign_in_see_an_e_mail_registration_and_an_editor_withdraws_it(
    served: tuple[str, App], browser: Browser
) -> None:
    base, app = served
    add_staff(app)
    reference = _ingest_by_email(app)
    context = browser.new_context(locale="nl-BE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))

    page.goto(f"{base}/registrations/{reference}")
    expect(page).to_have_url(f"{base}/login")
    expect(page.get_by_role("heading", name="Aanmelden")).to_be_visible()
    assert "Gent" not in page.content() and reference not in page.content()
    _shot(page, "01-login")
    page.get_by_label("E-mailadres").fill(EMAILS[Role.EDITOR])
    page.get_by_label("Wachtwoord").fill("fout wachtwoord!")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("alert")).to_have_text("Het e-mailadres of het wachtwoord klopt niet.")

    _sign_in(page, base, EMAILS[Role.EDITOR])
    expect(page.get_by_text("1 in totaal")).to_be_visible()
    expect(page.get_by_text("Nog ")).to_contain_text("dagen")
    header = page.locator("header.top")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 79, 159)"
    _shot(page, "02-dashboard")

    page.get_by_role("link", name="Inschrijvingen").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Gent")
    expect(row).to_contain_text("E-mail")
    expect(row).to_contain_text("Ingediend")
    _shot(page, "03-registrations")
    page.get_by_label("Zoeken (gemeente, referentie, contact)").fill("brugge")
    page.get_by_role("button", name="Toon").click()
    expect(page.get_by_text("Geen inschrijvingen die hierbij passen.")).to_be_visible()
    page.get_by_label("Zoeken (gemeente, referentie, contact)").fill("peeters")
    page.get_by_role("button", name="Toon").click()

    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=f"Gent {reference}")).to_be_visible()
    history = page.locator("section", has=page.get_by_role("heading", name="Geschiedenis"))
    expect(history).to_contain_text("An Peeters (contactpersoon)")
    _shot(page, "04-registration")

    page.get_by_role("button", name="Inschrijving intrekken").click()
    expect(page.locator("dd .status")).to_have_text("Ingetrokken")
    expect(history).to_contain_text("Editor Tester (VLAIO)")
    expect(page.get_by_role("button", name="Inschrijving intrekken")).to_have_count(0)
    _shot(page, "05-withdrawn")

    page.get_by_role("link", name="English").click()
    expect(page.locator("dd .status")).to_have_text("Withdrawn")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    _shot(page, "06-withdrawn-english")
    page.get_by_role("link", name="Nederlands").click()
    page.get_by_role("button", name="Afmelden").click()
    expect(page).to_have_url(f"{base}/login")
    assert not [m for m in refused if "Content Security Policy" in m], refused
    context.close()

    with app.uow() as uow:
        found = uow.registrations.by_reference(reference)
    assert found is not None and found.status.value == "withdrawn"


def test_a_viewer_reads_but_cannot_change_anything_and_an_admin_manages_staff(
    served: tuple[str, App], browser: Browser
) -> None:
    base, app = served
    add_staff(app)
    reference = _ingest_by_email(app)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, base, EMAILS[Role.VIEWER])
    expect(page.get_by_role("link", name="Medewerkers")).to_have_count(0)
    page.goto(f"{base}/registrations/{reference}")
    expect(page.get_by_role("heading", name=f"Gent {reference}")).to_be_visible()
    expect(page.get_by_role("button", name="Inschrijving intrekken")).to_have_count(0)
    _shot(page, "07-registration-viewer")
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    # with the browser's own session cookie: the token does not help a viewer, a missing one
    # is refused for anyone
    for data in ({"csrf": token or ""}, {}):
        answer = page.request.post(f"{base}/registrations/{reference}/withdraw", form=data)
        assert answer.status == 403
    assert page.request.get(f"{base}/staff").status == 403
    page.goto(f"{base}/staff")
    expect(page.get_by_role("heading", name="Dit mag u niet doen.")).to_be_visible()
    _shot(page, "08-forbidden")
    with app.uow() as uow:
        found = uow.registrations.by_reference(reference)
    assert found is not None and found.status.value == "submitted"
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, base, EMAILS[Role.ADMIN])
    page.get_by_role("link", name="Medewerkers").click()
    page.get_by_label("E-mailadres").fill("els@vlaio.be")
    page.get_by_label("Naam").fill("Els Vermeulen")
    page.get_by_label("Rol").select_option("editor")
    page.get_by_role("button", name="Toevoegen en link maken").click()
    expect(page.get_by_role("heading", name="Aanmeldlink voor els@vlaio.be")).to_be_visible()
    link = page.locator("code.link-out").inner_text()
    assert link.startswith(f"{base}/welcome/")
    _shot(page, "09-staff")
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(link)
    page.get_by_label("Nieuw wachtwoord (minstens 12 tekens)").fill("Els haar eigen wachtwoord")
    page.get_by_label("Herhaal het wachtwoord").fill("Els haar eigen wachtwoord")
    _shot(page, "10-welcome")
    page.get_by_role("button", name="Wachtwoord instellen en aanmelden").click()
    expect(page.get_by_text("Els Vermeulen · redacteur")).to_be_visible()
    context.close()


AXE = ROOT / "tests" / "web" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def _axe(page: Page, name: str) -> list[str]:
    """axe-core's serious and critical violations on the page (WCAG 2.1 A and AA rules)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""
    )
    return [f"{name}: {line}" for line in found]


def test_no_page_has_a_serious_accessibility_violation(
    served: tuple[str, App], browser: Browser
) -> None:
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("axe-core is missing: scripts/install-test-services.sh installs it")
        pytest.skip("axe-core is not installed (scripts/install-test-services.sh)")
    base, app = served
    add_staff(app)
    reference = _ingest_by_email(app)
    # The page's own policy forbids every script; axe is injected by the test, so the test's
    # browser lets it through. What the pages themselves load is checked by the tests above.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login")
    violations = _axe(page, "login")
    _sign_in(page, base, EMAILS[Role.ADMIN])
    for name, path in (
        ("dashboard", "/"),
        ("registrations", "/registrations"),
        ("registration", f"/registrations/{reference}"),
        ("staff", "/staff"),
        ("not found", "/registrations/LT-NIETS"),
    ):
        page.goto(f"{base}{path}")
        violations += _axe(page, name)
    page.goto(f"{base}/staff")
    page.get_by_label("E-mailadres").fill("els@vlaio.be")
    page.get_by_label("Naam").fill("Els Vermeulen")
    page.get_by_role("button", name="Toevoegen en link maken").click()
    violations += _axe(page, "staff with link")
    link = page.locator("code.link-out").inner_text()
    page.get_by_role("link", name="English").click()
    violations += _axe(page, "staff in English")
    context.close()
    newcomer = browser.new_context(bypass_csp=True)
    welcome = newcomer.new_page()
    welcome.goto(link)
    violations += _axe(welcome, "welcome")
    newcomer.close()
    assert violations == []
