"""The staff console in real Chromium (Debian's, driven by Playwright), against `leertraject
run` as a separate process: sign in, see a registration that came by e-mail, withdraw it as
an editor; a viewer can change nothing; an admin adds a colleague. Screenshots of each page go
to var/test-artifacts/console/ (tests/console_browser.py)."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from app.bootstrap import App
from core.staff import Role
from tests.console_browser import (  # noqa: F401  (fixtures)
    browser_fixture,
    ingest_by_email,
    served_fixture,
    shot,
    sign_in,
)
from tests.console_helpers import EMAILS, add_staff


def test_staff_sign_in_see_an_e_mail_registration_and_an_editor_withdraws_it(
    served: tuple[str, App], browser: Browser
) -> None:
    base, app = served
    add_staff(app)
    reference = ingest_by_email(app)
    context = browser.new_context(locale="nl-BE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))

    page.goto(f"{base}/registrations/{reference}")
    expect(page).to_have_url(f"{base}/login")
    expect(page.get_by_role("heading", name="Aanmelden")).to_be_visible()
    assert "Gent" not in page.content() and reference not in page.content()
    shot(page, "01-login")
    page.get_by_label("E-mailadres").fill(EMAILS[Role.EDITOR])
    page.get_by_label("Wachtwoord").fill("fout wachtwoord!")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("alert")).to_have_text("Het e-mailadres of het wachtwoord klopt niet.")

    sign_in(page, base, EMAILS[Role.EDITOR])
    expect(page.get_by_text("1 in totaal")).to_be_visible()
    expect(page.get_by_text("Nog ")).to_contain_text("dagen")
    header = page.locator("header.top")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 79, 159)"
    shot(page, "02-dashboard")

    page.get_by_role("link", name="Inschrijvingen").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Gent")
    expect(row).to_contain_text("E-mail")
    expect(row).to_contain_text("Ingediend")
    shot(page, "03-registrations")
    page.get_by_label("Zoeken (gemeente, referentie, contact)").fill("brugge")
    page.get_by_role("button", name="Toon").click()
    expect(page.get_by_text("Geen inschrijvingen die hierbij passen.")).to_be_visible()
    page.get_by_label("Zoeken (gemeente, referentie, contact)").fill("peeters")
    page.get_by_role("button", name="Toon").click()

    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", name=f"Gent {reference}")).to_be_visible()
    history = page.locator("section", has=page.get_by_role("heading", name="Geschiedenis"))
    expect(history).to_contain_text("An Peeters (contactpersoon)")
    shot(page, "04-registration")

    page.get_by_role("button", name="Inschrijving intrekken").click()
    expect(page.locator("dd .status")).to_have_text("Ingetrokken")
    expect(history).to_contain_text("Editor Tester (VLAIO)")
    expect(page.get_by_role("button", name="Inschrijving intrekken")).to_have_count(0)
    shot(page, "05-withdrawn")

    page.get_by_role("link", name="English").click()
    expect(page.locator("dd .status")).to_have_text("Withdrawn")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    shot(page, "06-withdrawn-english")
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
    reference = ingest_by_email(app)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, EMAILS[Role.VIEWER])
    expect(page.get_by_role("link", name="Medewerkers")).to_have_count(0)
    page.goto(f"{base}/registrations/{reference}")
    expect(page.get_by_role("heading", name=f"Gent {reference}")).to_be_visible()
    expect(page.get_by_role("button", name="Inschrijving intrekken")).to_have_count(0)
    shot(page, "07-registration-viewer")
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    # with the browser's own session cookie: the token does not help a viewer, a missing one
    # is refused for anyone
    forms: list[dict[str, str | float | bool]] = [{"csrf": token or ""}, {}]
    for data in forms:
        answer = page.request.post(f"{base}/registrations/{reference}/withdraw", form=data)
        assert answer.status == 403
    assert page.request.get(f"{base}/staff").status == 403
    page.goto(f"{base}/staff")
    expect(page.get_by_role("heading", name="Dit mag u niet doen.")).to_be_visible()
    shot(page, "08-forbidden")
    with app.uow() as uow:
        found = uow.registrations.by_reference(reference)
    assert found is not None and found.status.value == "submitted"
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, EMAILS[Role.ADMIN])
    page.get_by_role("link", name="Medewerkers").click()
    page.get_by_label("E-mailadres").fill("els@vlaio.be")
    page.get_by_label("Naam").fill("Els Vermeulen")
    page.get_by_label("Rol").select_option("editor")
    page.get_by_role("button", name="Toevoegen en link maken").click()
    expect(page.get_by_role("heading", name="Aanmeldlink voor els@vlaio.be")).to_be_visible()
    link = page.locator("code.link-out").inner_text()
    assert link.startswith(f"{base}/welcome/")
    shot(page, "09-staff")
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(link)
    page.get_by_label("Nieuw wachtwoord (minstens 12 tekens)").fill("Els haar eigen wachtwoord")
    page.get_by_label("Herhaal het wachtwoord").fill("Els haar eigen wachtwoord")
    shot(page, "10-welcome")
    page.get_by_role("button", name="Wachtwoord instellen en aanmelden").click()
    expect(page.get_by_text("Els Vermeulen · redacteur")).to_be_visible()
    context.close()
