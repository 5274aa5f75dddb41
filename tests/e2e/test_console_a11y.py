"""The staff console for everyone: axe-core finds no serious or critical WCAG 2.1 A/AA
violation on any page, and the work can be done with the keyboard only."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from app.bootstrap import App
from core.staff import Role
from tests.console_browser import (  # noqa: F401  (fixtures)
    axe_violations,
    browser_fixture,
    ingest_by_email,
    need_axe,
    served_fixture,
    sign_in,
)
from tests.console_helpers import EMAILS, PASSWORD, add_staff


def test_no_page_has_a_serious_accessibility_violation(
    served: tuple[str, App], browser: Browser
) -> None:
    need_axe()
    base, app = served
    add_staff(app)
    reference = ingest_by_email(app)
    # The page's own policy forbids every script; axe is injected by the test, so the test's
    # browser lets it through. What the pages themselves load is checked by the tests above.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login")
    violations = axe_violations(page, "login")
    sign_in(page, base, EMAILS[Role.ADMIN])
    for name, path in (
        ("dashboard", "/"),
        ("registrations", "/registrations"),
        ("registration", f"/registrations/{reference}"),
        ("staff", "/staff"),
        ("not found", "/registrations/LT-NIETS"),
    ):
        page.goto(f"{base}{path}")
        violations += axe_violations(page, name)
    page.goto(f"{base}/staff")
    page.get_by_label("E-mailadres").fill("els@vlaio.be")
    page.get_by_label("Naam").fill("Els Vermeulen")
    page.get_by_role("button", name="Toevoegen en link maken").click()
    violations += axe_violations(page, "staff with link")
    link = page.locator("code.link-out").inner_text()
    page.get_by_role("link", name="English").click()
    violations += axe_violations(page, "staff in English")
    context.close()
    newcomer = browser.new_context(bypass_csp=True)
    welcome = newcomer.new_page()
    welcome.goto(link)
    violations += axe_violations(welcome, "welcome")
    newcomer.close()
    assert violations == []


def _focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement.textContent || document.activeElement.name"))


def test_keyboard_only_sign_in_find_and_withdraw(served: tuple[str, App], browser: Browser) -> None:
    base, app = served
    add_staff(app)
    reference = ingest_by_email(app)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/login")
    page.keyboard.press("Tab")
    assert _focused(page) == "Naar de inhoud"  # the skip link comes first, and shows
    skip = page.get_by_role("link", name="Naar de inhoud")
    assert skip.evaluate("e => e.getBoundingClientRect().left") >= 0
    page.keyboard.press("Tab")
    assert _focused(page) == "English"
    page.keyboard.press("Tab")
    assert _focused(page) == "email"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.type(EMAILS[Role.EDITOR])
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Overzicht van de campagne")).to_be_visible()

    for _ in range(20):  # to the menu entry, by Tab only
        page.keyboard.press("Tab")
        if _focused(page) == "Inschrijvingen":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Inschrijvingen")).to_be_visible()
    for _ in range(30):
        page.keyboard.press("Tab")
        if _focused(page) == reference:
            break
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Gent {reference}")).to_be_visible()
    for _ in range(30):
        page.keyboard.press("Tab")
        if _focused(page) == "Inschrijving intrekken":
            break
    page.keyboard.press("Enter")
    expect(page.locator("dd .status")).to_have_text("Ingetrokken")
    page.context.close()
