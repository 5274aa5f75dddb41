"""The console's invitations, messages, audit and export pages, approving, refusing, entering
and editing registrations: who may use each route, and what staff see, on SQLite and
PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from starlette.testclient import TestClient

from app.bootstrap import App
from app.web import console_app
from core.form import FORM
from core.model import Channel, InboundOutcome, InboundRecord, OutboxMessage, OutboxStatus
from core.staff import Role
from core.usecases.approval import request_approval
from core.usecases.inbound import Identity
from core.usecases.submit import submit
from storage.tables import AuditRow
from tests.console_helpers import EMAILS, add_registration, add_staff, sign_in, token_in
from tests.mail_messages import raw_message

ANYONE = {Role.VIEWER, Role.EDITOR, Role.ADMIN}
EDITORS = {Role.EDITOR, Role.ADMIN}
# (method, path, who may) for every route these pages add; {ref} is a real registration,
# {out} a failed outgoing message.
ROUTES = [
    ("GET", "/invitations", ANYONE),
    ("GET", "/invitations.csv", ANYONE),
    ("GET", "/invitations.xlsx", ANYONE),
    ("POST", "/invitations/send", EDITORS),
    ("POST", "/invitations/import", EDITORS),
    ("GET", "/messages", ANYONE),
    ("GET", "/messages/inbound.csv", ANYONE),
    ("GET", "/messages/outbox.xlsx", ANYONE),
    ("POST", "/messages/quarantine/retry", EDITORS),
    ("POST", "/messages/outbox/{out}/retry", EDITORS),
    ("GET", "/audit", ANYONE),
    ("GET", "/audit.csv", ANYONE),
    ("GET", "/audit.xlsx", ANYONE),
    ("GET", "/registrations.xlsx", ANYONE),
    ("GET", "/registrations/new", EDITORS),
    ("POST", "/registrations/new", EDITORS),
    ("GET", "/registrations/{ref}/edit", EDITORS),
    ("POST", "/registrations/{ref}/edit", EDITORS),
    ("POST", "/registrations/{ref}/approve", EDITORS),
    ("POST", "/registrations/{ref}/refuse", EDITORS),
]
CSV = (
    "gemeente;naam;e-mail;taal\r\n"
    "Gent;Jan Jansens;jan@gent.example.test;nl\r\n"
    "Nergensdorp;Piet;piet@example.test;nl\r\n"
    "Brugge;Els Claes;geen-adres;nl\r\n"
    "9000;Mie Peeters;mie@gent.example.test;en\r\n"
)


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    add_staff(app)
    with TestClient(console_app(app), base_url="http://testserver") as test_client:
        yield test_client


def _failed_message(app: App) -> int:
    def work(uow: object) -> int:
        message = OutboxMessage(
            Channel.EMAIL, "an@gent.example.test", "nl", "invitation", {}, "test:failed",
            app.env.clock.now(),
        )  # fmt: skip
        uow.outbox.add(message)  # type: ignore[attr-defined]
        assert message.id is not None
        uow.outbox.mark_failed(message.id, "550 mailbox unavailable")  # type: ignore[attr-defined]
        return message.id

    return app.transaction(work)


def _waiting_version(app: App, reference: str) -> None:
    """A newcomer proved their address and asks to replace the registration."""
    raw = {
        "municipality": "Gent",
        "contact_name": "Nieuwe Persoon",
        "contact_email": "nieuw@gent.example.test",
        "preferences": "1,2,3",
    }

    def work(uow: object) -> None:
        checked = FORM.validate(raw, app.env.form_context)
        assert checked.ok, checked.errors
        identity = Identity(Channel.EMAIL, email="nieuw@gent.example.test", email_trusted=True)
        request_approval(uow, app.env, checked.values, identity)  # type: ignore[arg-type]

    app.transaction(work)


def _audit(app: App, action: str) -> list[tuple[str, str, str]]:
    with app.uow() as uow:
        rows = uow.session.scalars(select(AuditRow).where(AuditRow.action == action))
        return [(a.actor, a.channel, a.subject) for a in rows]


def _preferences(app: App, reference: str) -> list[int]:
    with app.uow() as uow:
        found = uow.registrations.by_reference(reference)
    assert found is not None
    return list(found.preferences)


def test_nobody_reaches_these_pages_before_signing_in(app: App, client: TestClient) -> None:
    reference, out = add_registration(app), _failed_message(app)
    for method, path, _ in ROUTES:
        response = client.request(
            method, path.format(ref=reference, out=out), data={"csrf": "x"},
            follow_redirects=False,
        )  # fmt: skip
        assert (response.status_code, response.headers["location"]) == (303, "/login"), path
        assert "Gent" not in response.text and reference not in response.text


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_use_exactly_its_routes(app: App, client: TestClient, role: Role) -> None:
    reference, out = add_registration(app), _failed_message(app)
    assert sign_in(client, EMAILS[role]) == 303
    csrf = token_in(client.get("/").text)
    for method, path, allowed in ROUTES:
        files = {"file": ("u.csv", CSV.encode())} if path.endswith("import") else None
        response = client.request(
            method, path.format(ref=reference, out=out), data={"csrf": csrf}, files=files,
            follow_redirects=False,
        )  # fmt: skip
        if role in allowed:
            assert response.status_code not in (401, 403), (role, method, path)
            assert response.headers.get("location") != "/login", (role, method, path)
        else:
            assert response.status_code == 403, (role, method, path)
            assert "Dit mag u niet doen." in response.text
    # a viewer changed nothing: no invitation imported, no message queued again
    with app.uow() as uow:
        invited = uow.contacts.list(invited_only=True)
        failed = uow.outbox.list(OutboxStatus.FAILED)
    assert (len(invited), len(failed)) == ((0, 1) if role is Role.VIEWER else (2, 0))


def test_a_viewer_sees_no_buttons(app: App, client: TestClient) -> None:
    reference = add_registration(app)
    _waiting_version(app, reference)
    _failed_message(app)
    assert sign_in(client, EMAILS[Role.VIEWER]) == 303
    detail = client.get(f"/registrations/{reference}").text
    assert "Wacht op goedkeuring" in detail
    assert "Goedkeuren" not in detail and "bewerken" not in detail
    assert "Nieuwe inschrijving invoeren" not in client.get("/registrations").text
    assert "Inlezen" not in client.get("/invitations").text
    assert "Opnieuw" not in client.get("/messages").text


def test_a_forged_post_changes_nothing(app: App, client: TestClient) -> None:
    reference = add_registration(app)
    _waiting_version(app, reference)
    assert sign_in(client, EMAILS[Role.EDITOR]) == 303
    for path in ("approve", "refuse", "edit"):
        forged = client.post(f"/registrations/{reference}/{path}", data={"preferences": "1"})
        assert forged.status_code == 403
    assert _preferences(app, reference) == [9, 11, 3]
    assert "Wacht op goedkeuring" in client.get(f"/registrations/{reference}").text


def test_an_editor_approves_the_waiting_version(app: App, client: TestClient) -> None:
    reference = add_registration(app)
    _waiting_version(app, reference)
    assert sign_in(client, EMAILS[Role.EDITOR]) == 303
    listed = client.get("/registrations").text
    assert "1 inschrijving(en) wachten op goedkeuring" in listed
    page = client.get(f"/registrations/{reference}")
    assert "Nieuwe Persoon (nieuw@gent.example.test)" in page.text
    done = client.post(f"/registrations/{reference}/approve", data={"csrf": token_in(page.text)})
    assert done.status_code == 200 and "Wacht op goedkeuring" not in done.text
    assert _preferences(app, reference) == [1, 2, 3]
    with app.uow() as uow:
        editor = uow.staff.by_email(EMAILS[Role.EDITOR])
    assert editor is not None
    assert _audit(app, "registration.approved") == [(f"staff:#{editor.id}", "web", reference)]
    again = client.post(f"/registrations/{reference}/approve", data={"csrf": token_in(page.text)})
    assert again.status_code == 409 and "Er wacht geen versie op goedkeuring." in again.text


def test_an_editor_refuses_and_the_registration_stays(app: App, client: TestClient) -> None:
    reference = add_registration(app)
    _waiting_version(app, reference)
    assert sign_in(client, EMAILS[Role.ADMIN]) == 303
    csrf = token_in(client.get("/").text)
    done = client.post(f"/registrations/{reference}/refuse", data={"csrf": csrf})
    assert done.status_code == 200 and "Wacht op goedkeuring" not in done.text
    assert _preferences(app, reference) == [9, 11, 3]
    assert len(_audit(app, "registration.refused")) == 1


def test_staff_entry_shows_each_wrong_field_in_dutch_then_saves(
    app: App, client: TestClient
) -> None:
    assert sign_in(client, EMAILS[Role.EDITOR]) == 303
    csrf = token_in(client.get("/registrations/new").text)
    data = {
        "csrf": csrf,
        "municipality": "Nergensdorp",
        "contact_name": "Els Claes",
        "contact_email": "geen-adres",
        "preferences": "9,11,3",
    }
    wrong = client.post("/registrations/new", data=data)
    assert wrong.status_code == 400
    assert "Nog 2 punt(en) te verbeteren:" in wrong.text
    assert "Gemeente:" in wrong.text and "E-mail:" in wrong.text
    assert 'value="Els Claes"' in wrong.text  # what was typed stays
    fixed = {"municipality": "Brugge", "contact_email": "els@brugge.example.test"}
    done = client.post("/registrations/new", data=data | fixed)
    assert done.status_code == 200 and "Brugge" in done.text
    assert "Editor Tester (VLAIO)" in done.text  # the history names who entered it


def test_an_edit_changes_the_registration_and_its_history(app: App, client: TestClient) -> None:
    reference = add_registration(app)
    assert sign_in(client, EMAILS[Role.EDITOR]) == 303
    form = client.get(f"/registrations/{reference}/edit")
    assert 'value="9,11,3"' in form.text and 'value="an.peeters@stad.gent"' in form.text
    data = {
        "csrf": token_in(form.text),
        "municipality": "Brugge",  # an edit never moves a registration to another municipality
        "contact_name": "An Peeters",
        "contact_email": "an.peeters@stad.gent",
        "preferences": "4,5,6",
    }
    done = client.post(f"/registrations/{reference}/edit", data=data)
    assert done.status_code == 200 and f"/registrations/{reference}" in str(done.url)
    assert _preferences(app, reference) == [4, 5, 6]
    assert "Editor Tester (VLAIO)" in done.text and "Gewijzigd" in done.text  # in the history


def test_invitations_upload_keeps_good_rows_and_lists_bad_lines(
    app: App, client: TestClient
) -> None:
    assert sign_in(client, EMAILS[Role.EDITOR]) == 303
    csrf = token_in(client.get("/invitations").text)
    files = {"file": ("uitnodigingen.csv", CSV.encode("cp1252"), "text/csv")}
    done = client.post("/invitations/import", data={"csrf": csrf}, files=files)
    assert done.status_code == 200
    assert "Ingelezen: 2 nieuw, 0 bijgewerkt, 0 ongewijzigd, 2 fout." in done.text
    assert "Regel 3, gemeente:" in done.text and "Regel 4, e-mailadres:" in done.text
    assert ">Gent<" in done.text and ">2<" in done.text  # two invited in Gent
    sent = client.post("/invitations/send", data={"csrf": csrf})
    assert "2 uitnodiging(en) klaargezet voor verzending." in sent.text
    again = client.post("/invitations/send", data={"csrf": csrf})
    assert "0 uitnodiging(en) klaargezet" in again.text  # nobody gets the invitation twice
    add_registration(app)
    assert "Nog niet ingeschreven" not in client.get("/invitations").text
    assert len(_audit(app, "invitations.imported")) == 1


def test_messages_retry_the_quarantine_and_a_failed_message(app: App, client: TestClient) -> None:
    out = _failed_message(app)
    now = app.env.clock.now()
    key, quarantined = "<msg-1@gent.example.test>", InboundOutcome.QUARANTINED
    record = InboundRecord(Channel.EMAIL, key, now, quarantined, {}, raw_message(1), "boom")
    app.transaction(lambda uow: uow.inbound.add(record))
    assert sign_in(client, EMAILS[Role.EDITOR]) == 303
    page = client.get("/messages")
    assert "1 bericht(en) in quarantaine" in page.text and "550 mailbox unavailable" in page.text
    retried = client.post("/messages/quarantine/retry", data={"csrf": token_in(page.text)})
    assert "1 bericht(en) opnieuw verwerkt:" in retried.text
    assert "0 bericht(en) in quarantaine" in retried.text
    again = client.post(f"/messages/outbox/{out}/retry", data={"csrf": token_in(page.text)})
    assert again.status_code == 200 and "550 mailbox unavailable" in again.text
    with app.uow() as uow:
        assert out in [
            m.id for m in uow.outbox.list(OutboxStatus.QUEUED)
        ]  # with the retried mail's answer
        assert uow.outbox.list(OutboxStatus.FAILED) == []
    assert len(_audit(app, "mail.retried")) == len(_audit(app, "outbox.requeued")) == 1
    filtered = client.get("/messages?outcome=quarantined")
    assert "Geen berichten die hierbij passen." in filtered.text


def test_the_audit_page_names_who_did_what(app: App, client: TestClient) -> None:
    reference = add_registration(app)
    assert sign_in(client, EMAILS[Role.EDITOR]) == 303
    csrf = token_in(client.get("/").text)
    client.post(f"/registrations/{reference}/withdraw", data={"csrf": csrf})
    page = client.get("/audit?action=registration")
    assert "Editor Tester (VLAIO)" in page.text and "Ingetrokken" in page.text
    assert "registration.withdrawn" not in page.text  # words, never the action's key
    assert "Medewerker toegevoegd" not in page.text  # filtered to registrations
    english = client.get("/language/en?next=/audit")
    assert "Audit log: every change" in english.text


def test_every_list_exports_csv_and_xlsx_with_the_formula_guard(
    app: App, client: TestClient
) -> None:
    raw = {
        "municipality": "Gent",
        "contact_name": "An Peeters",
        "contact_email": "an.peeters@stad.gent",
        "preferences": "9,11,3",
        "acties": '=HYPERLINK("http://evil.example")',
    }
    app.transaction(lambda uow: submit(uow, app.env, raw, Identity(Channel.CLI, staff="t")))
    assert sign_in(client, EMAILS[Role.ADMIN]) == 303
    csrf = token_in(client.get("/").text)
    client.post("/invitations/import", data={"csrf": csrf},
                files={"file": ("u.csv", CSV.encode())})  # fmt: skip
    for path in ("/registrations", "/invitations", "/messages/inbound", "/messages/outbox",
                 "/audit"):  # fmt: skip
        csv = client.get(f"{path}.csv")
        assert csv.headers["content-type"] == "text/csv; charset=utf-8", path
        assert csv.content.startswith(b"\xef\xbb\xbf"), path
        xlsx = client.get(f"{path}.xlsx")
        assert xlsx.headers["content-type"].endswith("spreadsheetml.sheet"), path
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet is not None and sheet.max_row >= 1, path
    listed = client.get("/registrations.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in listed and ";=HYPERLINK" not in listed
    sheet = load_workbook(io.BytesIO(client.get("/registrations.xlsx").content)).active
    assert sheet is not None and sheet["C2"].value == "Gent"
    assert '\'=HYPERLINK("http://evil.example")' in [c.value for c in sheet[2]]
    audit = client.get("/audit.csv").content.decode("utf-8-sig")
    assert "Uitnodigingen ingelezen" in audit and "Admin Tester (VLAIO)" in audit
    assert "nieuw: 2" in audit and "created=" not in audit  # details in words
    invitations = client.get("/invitations.csv").content.decode("utf-8-sig")
    assert invitations.splitlines()[1].startswith("Gent;Oost-Vlaanderen;2;0;")
    with app.uow() as uow:
        exported = uow.session.scalars(select(AuditRow).where(AuditRow.action.like("%.exported")))
        assert {a.subject for a in exported} >= {"invitations", "inbound", "outbox", "audit"}
    assert client.get("/audit.pdf").status_code == 404


def test_the_dashboard_counts_registrations_per_province(app: App, client: TestClient) -> None:
    add_registration(app, "Gent")
    add_registration(app, "Merelbeke-Melle")
    add_registration(app, "Brugge")
    assert sign_in(client, EMAILS[Role.VIEWER]) == 303
    page = client.get("/").text
    assert "Inschrijvingen per provincie" in page
    assert "Oost-Vlaanderen: 2 van" in page and "West-Vlaanderen: 1 van" in page
