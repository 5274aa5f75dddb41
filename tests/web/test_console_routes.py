"""Every route of the console and who may use it, over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from app.bootstrap import App
from app.web import console_app
from core.model import Status
from core.staff import Role
from storage.tables import AuditRow
from tests.console_helpers import EMAILS, add_registration, add_staff, sign_in, token_in

# (method, path, who may) for every route behind the sign-in; {ref} is a real registration.
ROUTES = [
    ("GET", "/", {Role.VIEWER, Role.EDITOR, Role.ADMIN}),
    ("GET", "/registrations", {Role.VIEWER, Role.EDITOR, Role.ADMIN}),
    ("GET", "/registrations.csv", {Role.VIEWER, Role.EDITOR, Role.ADMIN}),
    ("GET", "/registrations/{ref}", {Role.VIEWER, Role.EDITOR, Role.ADMIN}),
    ("POST", "/registrations/{ref}/withdraw", {Role.EDITOR, Role.ADMIN}),
    ("GET", "/staff", {Role.ADMIN}),
    ("POST", "/staff", {Role.ADMIN}),
    ("POST", "/staff/reset", {Role.ADMIN}),
    ("POST", "/staff/remove", {Role.ADMIN}),
    ("POST", "/logout", {Role.VIEWER, Role.EDITOR, Role.ADMIN}),
]


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    add_staff(app)
    with TestClient(console_app(app), base_url="http://testserver") as test_client:
        yield test_client


def _status(app: App, reference: str) -> Status:
    with app.uow() as uow:
        found = uow.registrations.by_reference(reference)
    assert found is not None
    return found.status


def test_nobody_sees_anything_before_signing_in(app: App, client: TestClient) -> None:
    reference = add_registration(app)
    for method, path, _ in ROUTES:
        response = client.request(
            method, path.format(ref=reference), data={"csrf": "x"}, follow_redirects=False
        )
        assert (response.status_code, response.headers["location"]) == (303, "/login"), path
        assert "Gent" not in response.text and reference not in response.text
    assert _status(app, reference) is Status.SUBMITTED
    login = client.get("/login")
    assert login.status_code == 200 and 'name="csrf"' in login.text
    assert "Gent" not in login.text and "Aanmelden" in login.text


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_what_it_is_allowed(
    app: App, client: TestClient, role: Role
) -> None:
    reference = add_registration(app)
    assert sign_in(client, EMAILS[role]) == 303
    csrf = token_in(client.get("/").text)
    for method, path, allowed in ROUTES:
        if path == "/logout":
            continue
        data = {"csrf": csrf, "email": "nieuw@vlaio.be", "name": "Nieuw", "role": "viewer"}
        response = client.request(method, path.format(ref=reference), data=data)
        if role in allowed:
            assert response.status_code == 200, (role, method, path)
        else:
            assert response.status_code == 403, (role, method, path)
            assert "Dit mag u niet doen." in response.text
    expected = Status.SUBMITTED if role is Role.VIEWER else Status.WITHDRAWN
    assert _status(app, reference) is expected
    with app.uow() as uow:
        rows = uow.session.scalars(select(AuditRow).where(AuditRow.action.like("staff.%")))
        staff_changes = [(a.action, a.channel) for a in rows if a.channel == "web"]
    # only an admin added (and then, with the same form data, removed) the new account
    expected_changes = [("staff.added", "web"), ("staff.reset", "web"), ("staff.removed", "web")]
    changed = [c for c in staff_changes if c[0] != "staff.signed_in"]
    assert changed == (expected_changes if role is Role.ADMIN else [])


def test_a_post_without_the_session_token_is_refused(app: App, client: TestClient) -> None:
    reference = add_registration(app)
    assert sign_in(client, EMAILS[Role.EDITOR]) == 303
    for data in ({}, {"csrf": ""}, {"csrf": "geraden"}):
        forged = client.post(f"/registrations/{reference}/withdraw", data=data)
        assert forged.status_code == 403
    assert _status(app, reference) is Status.SUBMITTED
    # a sign-in form posted from elsewhere has no form token either
    other = TestClient(console_app(app))
    response = other.post("/login", data={"email": EMAILS[Role.EDITOR], "password": "x"})
    assert response.status_code == 403


def test_an_editor_withdraws_and_the_change_names_the_staff_member(
    app: App, client: TestClient
) -> None:
    reference = add_registration(app)
    assert sign_in(client, EMAILS[Role.EDITOR]) == 303
    page = client.get(f"/registrations/{reference}")
    assert "Inschrijving intrekken" in page.text
    done = client.post(f"/registrations/{reference}/withdraw", data={"csrf": token_in(page.text)})
    assert done.status_code == 200 and "Ingetrokken" in done.text
    assert "Editor Tester (VLAIO)" in done.text  # the history names who did it
    assert _status(app, reference) is Status.WITHDRAWN
    with app.uow() as uow:
        editor = uow.staff.by_email(EMAILS[Role.EDITOR])
        rows = uow.session.scalars(
            select(AuditRow).where(AuditRow.action == "registration.withdrawn")
        )
        audit = [(a.actor, a.channel, a.subject) for a in rows]
    assert editor is not None
    assert audit == [(f"staff:#{editor.id}", "web", reference)]


def test_signing_out_ends_the_session_on_the_server(client: TestClient) -> None:
    assert sign_in(client, EMAILS[Role.VIEWER]) == 303
    cookie = client.cookies.get("lt_session")
    csrf = token_in(client.get("/").text)
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    client.cookies.set("lt_session", cookie or "")
    again = client.get("/", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, "/login")


def test_guessing_passwords_is_answered_with_429(client: TestClient) -> None:
    for _ in range(5):
        assert sign_in(client, EMAILS[Role.ADMIN], "verkeerd wachtwoord") == 401
    assert sign_in(client, EMAILS[Role.ADMIN]) == 429
    page = client.get("/login")
    assert page.status_code == 200


def test_cookies_headers_and_no_inline_code(app: App, client: TestClient) -> None:
    csrf = token_in(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": EMAILS[Role.ADMIN], "password": "een lang genoeg wachtwoord", "csrf": csrf},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "lt_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie
    for path in ("/", "/registrations", "/staff", "/login"):
        page = client.get(path)
        policy = page.headers["content-security-policy"]
        assert "unsafe-inline" not in policy and "default-src 'none'" in policy
        assert "<script" not in page.text and "style=" not in page.text
        assert "<style" not in page.text
        assert page.headers["cache-control"] == "no-store"
    css = client.get("/static/console.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]


def test_behind_https_the_session_cookie_is_secure(app: App) -> None:
    add_staff(app)
    web = app.settings.web.model_copy(update={"secure_cookies": True})
    app.settings = app.settings.model_copy(update={"web": web})
    with TestClient(console_app(app), base_url="https://testserver") as client:
        assert sign_in(client, EMAILS[Role.ADMIN]) == 303
        assert client.get("/").status_code == 200


def test_english_with_one_click_and_no_redirect_elsewhere(client: TestClient) -> None:
    switched = client.get("/language/en?next=/login")
    assert switched.status_code == 200 and "Sign in" in switched.text
    assert "Aanmelden" not in switched.text
    away = client.get("/language/nl?next=//evil.example/", follow_redirects=False)
    assert away.headers["location"] == "/"
    assert "Aanmelden" in client.get("/login").text


def test_an_admin_adds_someone_whose_link_signs_them_in_once(client: TestClient) -> None:
    assert sign_in(client, EMAILS[Role.ADMIN]) == 303
    csrf = token_in(client.get("/staff").text)
    added = client.post(
        "/staff", data={"csrf": csrf, "email": "Els@VLAIO.be", "name": "Els", "role": "editor"}
    )
    assert added.status_code == 200 and "Aanmeldlink voor els@vlaio.be" in added.text
    link = added.text.split("/welcome/")[1].split("<")[0]
    own = client.post("/staff/remove", data={"csrf": csrf, "email": EMAILS[Role.ADMIN]})
    assert own.status_code == 400 and "eigen account" in own.text

    newcomer = TestClient(client.app, base_url="http://testserver")
    form = newcomer.get(f"/welcome/{link}")
    assert form.status_code == 200 and "Welkom, Els." in form.text
    token = token_in(form.text)
    mismatch = newcomer.post(
        f"/welcome/{link}", data={"csrf": token, "password": "a" * 12, "repeat": "b" * 12}
    )
    assert mismatch.status_code == 400 and "niet gelijk" in mismatch.text
    done = newcomer.post(
        f"/welcome/{link}",
        data={
            "csrf": token,
            "password": "zelf gekozen wachtwoord",
            "repeat": "zelf gekozen wachtwoord",
        },
    )
    assert done.status_code == 200 and "Overzicht van de campagne" in done.text
    assert newcomer.get(f"/welcome/{link}").status_code == 410


def test_the_list_exports_as_the_same_csv_as_the_command_line(app: App, client: TestClient) -> None:
    add_registration(app, "Gent")
    brugge = add_registration(app, "Brugge")
    assert sign_in(client, EMAILS[Role.VIEWER]) == 303
    listed = client.get("/registrations?q=brugge")
    assert 'href="/registrations.csv?q=brugge"' in listed.text
    export = client.get("/registrations.csv?q=brugge")
    assert export.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="inschrijvingen.csv"' in export.headers["content-disposition"]
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Referentie;NIS-code;Gemeente;Provincie;Status;Kanaal")
    assert len(lines) == 2 and lines[1].startswith(f"{brugge};31005;Brugge;")
    with app.uow() as uow:
        exported = uow.session.scalars(
            select(AuditRow).where(AuditRow.action == "registrations.exported")
        )
        assert [a.channel for a in exported] == ["web"]


def test_a_large_or_unannounced_body_is_refused_before_it_is_read(client: TestClient) -> None:
    csrf = token_in(client.get("/login").text)
    huge = client.post("/login", data={"csrf": csrf, "email": "a" * 70_000, "password": "x"})
    assert huge.status_code == 413
    chunked = client.post("/login", content=iter([b"csrf=", csrf.encode()]))
    assert chunked.status_code == 411
    assert huge.headers["content-security-policy"].startswith("default-src 'none'")
