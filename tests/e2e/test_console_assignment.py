"""The assignment pages and single sign-on in Debian's Chromium, against `leertraject run` as a
process: an editor runs a dry run, pins a municipality, runs another and compares them; an
admin publishes through the confirmation page (confirmations queued once); a viewer cannot;
a staff member signs in through the stand-in OpenID Connect provider; axe-core finds no
serious or critical violation on the new pages. Screenshots go to var/test-artifacts/console/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from app.bootstrap import App
from core.staff import Role
from tests.console_browser import (  # noqa: F401  (fixtures)
    axe_violations,
    browser_fixture,
    need_axe,
    served_fixture,
    shot,
    sign_in,
)
from tests.console_helpers import EMAILS, add_assignable, add_staff
from tests.oidc_standin import OidcStandin

SECRET = "browser-test-client-secret"


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Afmelden").click()


def _confirmations(app: App) -> int:
    with app.uow() as uow:
        rows = uow.outbox.list(None, limit=1000)  # queued or already sent by the service
    return sum(1 for m in rows if m.kind == "assignment.confirmed")


def test_dry_runs_compared_then_published_by_an_admin(
    served: tuple[str, App], browser: Browser
) -> None:
    base, app = served
    need_axe()
    add_staff(app)
    add_assignable(app)
    # the pages forbid every script; the test's browser lets axe through (as test_console_a11y)
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations: list[str] = []

    def check(name: str) -> None:
        violations.extend(axe_violations(page, name))

    sign_in(page, base, EMAILS[Role.EDITOR])
    page.get_by_role("link", name="Toewijzing").click()
    expect(page.get_by_role("heading", name="Toewijzing van thema's en groepen")).to_be_visible()
    expect(page.get_by_text("Er is nog geen berekening.")).to_be_visible()
    page.get_by_role("button", name="Nieuwe proefberekening").click()
    expect(page.get_by_role("heading", name="Groepen")).to_be_visible()
    shot(page, "assignment-report")
    check("assignment report")

    page.get_by_role("link", name="Terug naar de toewijzing").click()
    page.get_by_role("link", name="Vastzettingen, uitsluitingen en scores").click()
    page.get_by_label("Gemeente", exact=True).select_option(label="Gent")
    page.get_by_label("Thema", exact=True).select_option(value="2")
    page.get_by_label("Beslissing", exact=True).select_option(value="pin")
    page.get_by_role("button", name="Bewaren").click()
    row = page.get_by_role("row", name="Gent")
    expect(row).to_contain_text("vastgezet")
    shot(page, "assignment-decisions")
    check("assignment decisions")

    page.get_by_role("link", name="Terug naar de toewijzing").click()
    page.get_by_role("button", name="Nieuwe proefberekening").click()
    expect(page.get_by_role("heading", name="Berekeningen naast elkaar")).to_be_visible()
    expect(page.get_by_role("heading", name="tussen de berekeningen: 1")).to_be_visible()
    moved = page.get_by_role("row", name="Gent")
    expect(moved).to_contain_text("1")
    expect(moved).to_contain_text("2")
    shot(page, "assignment-compare")
    check("assignment compare")
    page.get_by_role("link", name="Terug naar de toewijzing").click()
    expect(page.get_by_role("link", name="Publiceren 2")).to_have_count(0)  # editors do not
    shot(page, "assignment-runs")
    check("assignment runs")
    _sign_out(page)

    sign_in(page, base, EMAILS[Role.ADMIN])
    page.get_by_role("link", name="Toewijzing").click()
    page.get_by_role("link", name="Publiceren 2").click()
    expect(page.get_by_role("heading", name="Berekening 2 publiceren")).to_be_visible()
    expect(page.get_by_role("row", name="Gent")).to_be_visible()
    shot(page, "assignment-publish")
    check("assignment publish")
    assert _confirmations(app) == 0
    page.get_by_label("Toch publiceren vóór de deadline").check()
    page.get_by_role("button", name="Berekening 2 nu publiceren").click()
    expect(page.get_by_role("status")).to_contain_text("10 bevestigingen")
    shot(page, "assignment-published")
    assert _confirmations(app) == 10
    page.go_back()  # the confirmation page again: nothing left to publish
    expect(page.get_by_text("Run 2 is al gepubliceerd.")).to_be_visible()
    expect(page.get_by_role("button", name="Berekening 2 nu publiceren")).to_have_count(0)
    assert _confirmations(app) == 10
    _sign_out(page)

    sign_in(page, base, EMAILS[Role.VIEWER])
    page.get_by_role("link", name="Toewijzing").click()
    expect(page.get_by_role("button", name="Nieuwe proefberekening")).to_have_count(0)
    page.get_by_role("link", name="Vastzettingen, uitsluitingen en scores").click()
    expect(page.get_by_role("button", name="Bewaren")).to_have_count(0)
    page.goto(f"{base}/assignment/runs/1/publish")
    expect(page.get_by_text("Dit mag u niet doen.")).to_be_visible()
    context.close()
    assert violations == []


@pytest.fixture
def idp() -> Iterator[OidcStandin]:
    with OidcStandin() as standin:  # the served process runs on the real clock
        yield standin


@pytest.fixture
def served_environment(idp: OidcStandin) -> dict[str, str]:
    return {
        "LEERTRAJECT_WEB__OIDC__ISSUER": idp.issuer,
        "LEERTRAJECT_WEB__OIDC__CLIENT_ID": "leertraject-console",
        "LEERTRAJECT_WEB__OIDC__LABEL": "VLAIO",
        "LEERTRAJECT_OIDC_CLIENT_SECRET": SECRET,
    }


def test_single_sign_on_in_the_browser(
    idp: OidcStandin,
    served_environment: dict[str, str],
    served: tuple[str, App],
    browser: Browser,
) -> None:
    base, app = served
    need_axe()
    add_staff(app)
    idp.register("leertraject-console", SECRET, f"{base}/login/oidc/callback")
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations: list[str] = []

    page.goto(f"{base}/login")
    shot(page, "login-sso")
    violations += axe_violations(page, "login with single sign-on")
    idp.user = "onbekend@vlaio.be"
    page.get_by_role("link", name="Aanmelden met VLAIO").click()
    expect(page.get_by_role("alert")).to_contain_text("Er is geen medewerkersaccount")
    shot(page, "login-sso-refused")
    violations += axe_violations(page, "single sign-on refused")

    idp.user = EMAILS[Role.VIEWER]
    page.get_by_role("link", name="Terug naar aanmelden").click()
    page.get_by_role("link", name="Aanmelden met VLAIO").click()
    expect(page.get_by_role("heading", name="Overzicht van de campagne")).to_be_visible()
    expect(page.get_by_text("Viewer Tester")).to_be_visible()
    expect(page.get_by_role("link", name="Medewerkers")).to_have_count(0)  # the account's role
    context.close()
    assert violations == []
