"""The console's invitations, messages, approval, entry and audit pages in real Chromium,
against `leertraject run` as a separate process: an editor uploads the invitations CSV, sees
the e-mail registration of an invited official arrive on the messages page and approves the
version a newcomer asked for; a post without the session's token fails; axe-core finds no
serious or critical violation on any of these pages. Screenshots go to
var/test-artifacts/console/ (tests/console_browser.py)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from app.bootstrap import App
from core.form import FORM
from core.model import Channel
from core.staff import Role
from core.usecases.approval import request_approval
from core.usecases.inbound import Identity
from mail.pipeline import IntakeSettings, MailIntake
from tests.console_browser import (  # noqa: F401  (fixtures)
    CORPUS,
    INTAKE,
    axe_violations,
    browser_fixture,
    ingest_by_email,
    need_axe,
    served_fixture,
    shot,
    sign_in,
)
from tests.console_helpers import EMAILS, add_staff

CSV = (
    "gemeente;naam;e-mail;taal\r\n"
    "Gent;An Peeters;an.peeters@gent.example.be;nl\r\n"
    "Nergensdorp;Piet Pieters;piet@example.be;nl\r\n"
    "Brugge;Els Claes;els.claes@brugge.example.be;nl\r\n"
)


def _by_email(app: App) -> str:
    """The invited official's e-mail through the same pipeline as the mailbox."""
    intake = MailIntake(
        app.env, IntakeSettings(INTAKE, trusted_authserv_id="mx.vlaio.test"), app.transaction
    )
    result = intake.process((CORPUS / "nl_clean_template.eml").read_bytes())
    assert result.outcome == "accepted" and result.registration is not None
    return str(result.registration["reference"])


def _newcomer_asks(app: App) -> None:
    raw = {
        "municipality": "Gent",
        "contact_name": "Bart Nieuw",
        "contact_email": "bart.nieuw@gent.example.be",
        "preferences": "1,2,3",
    }

    def work(uow: object) -> None:
        checked = FORM.validate(raw, app.env.form_context)
        identity = Identity(Channel.EMAIL, email="bart.nieuw@gent.example.be", email_trusted=True)
        request_approval(uow, app.env, checked.values, identity)  # type: ignore[arg-type]

    app.transaction(work)


def test_upload_invitations_see_the_e_mail_arrive_and_approve_a_waiting_version(
    served: tuple[str, App], browser: Browser, tmp_path: Path
) -> None:
    base, app = served
    add_staff(app)
    context = browser.new_context(locale="nl-BE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    sign_in(page, base, EMAILS[Role.EDITOR])

    page.get_by_role("link", name="Uitnodigingen").click()
    expect(page.get_by_text("Nog geen uitnodigingen ingelezen.")).to_be_visible()
    upload = tmp_path / "uitnodigingen.csv"
    upload.write_text(CSV, encoding="utf-8")
    page.get_by_label("CSV-bestand").set_input_files(str(upload))
    page.get_by_role("button", name="Inlezen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Ingelezen: 2 nieuw, 0 bijgewerkt, 0 ongewijzigd, 1 fout."
    )
    expect(page.get_by_role("alert")).to_contain_text("Regel 3, gemeente:")
    gent = page.get_by_role("row").filter(has_text="Gent")
    expect(gent).to_contain_text("Oost-Vlaanderen")
    expect(gent).to_contain_text("Nog niet ingeschreven")
    shot(page, "11-invitations")

    reference = _by_email(app)
    page.get_by_role("link", name="Berichten").click()
    arrived = page.get_by_role("row").filter(has_text=reference)
    expect(arrived).to_contain_text("E-mail")
    shot(page, "12-messages")
    page.get_by_role("link", name="Uitnodigingen").click()
    expect(page.get_by_role("row").filter(has_text="Gent")).to_contain_text(reference)

    _newcomer_asks(app)
    page.get_by_role("link", name="Inschrijvingen").click()
    waiting = page.locator(
        "section", has=page.get_by_role("heading", name="wachten op goedkeuring")
    )
    expect(waiting).to_contain_text("Bart Nieuw (bart.nieuw@gent.example.be)")
    waiting.get_by_role("link", name=f"Gent ({reference})").click()
    expect(page.get_by_role("heading", name="Wacht op goedkeuring")).to_be_visible()
    shot(page, "13-waiting-for-approval")

    # a post without the session's anti-forgery token changes nothing, even with the cookie
    forged = context.request.post(f"{base}/registrations/{reference}/approve", form={"x": "1"})
    assert forged.status == 403
    page.reload()
    expect(page.get_by_role("heading", name="Wacht op goedkeuring")).to_be_visible()

    page.get_by_role("button", name="Goedkeuren").click()
    expect(page.get_by_role("heading", name="Wacht op goedkeuring")).to_have_count(0)
    expect(page.get_by_role("listitem").filter(has_text="Thema 1")).to_be_visible()
    history = page.locator("section", has=page.get_by_role("heading", name="Geschiedenis"))
    expect(history).to_contain_text("Bart Nieuw")
    shot(page, "14-approved")

    page.get_by_role("link", name="Auditlog").click()
    approved = page.get_by_role("row").filter(has_text="Versie goedgekeurd")
    expect(approved).to_contain_text("Editor Tester (VLAIO)")
    shot(page, "15-audit")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Audit log: every change")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Version approved")).to_have_count(1)
    shot(page, "16-audit-english")
    assert not [line for line in refused if "Content Security Policy" in line]
    context.close()


def test_the_new_pages_have_no_serious_accessibility_violation(
    served: tuple[str, App], browser: Browser
) -> None:
    need_axe()
    base, app = served
    add_staff(app)
    reference = ingest_by_email(app)
    _newcomer_asks(app)
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, EMAILS[Role.ADMIN])
    violations = axe_violations(page, "dashboard with provinces")
    shot(page, "17-dashboard-provinces")
    for name, path in (
        ("invitations", "/invitations"),
        ("messages", "/messages"),
        ("audit", "/audit"),
        ("waiting for approval", f"/registrations/{reference}"),
        ("new registration", "/registrations/new"),
        ("edit registration", f"/registrations/{reference}/edit"),
    ):
        page.goto(f"{base}{path}")
        violations += axe_violations(page, name)
    page.goto(f"{base}/registrations/new")
    page.get_by_label("Gemeente").fill("Nergensdorp")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("alert")).to_contain_text("Gemeente:")
    violations += axe_violations(page, "new registration with errors")
    shot(page, "18-entry-errors")
    page.get_by_role("link", name="English").click()
    page.goto(f"{base}/messages")
    violations += axe_violations(page, "messages in English")
    context.close()
    assert violations == []
