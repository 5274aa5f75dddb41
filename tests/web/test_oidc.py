"""Single sign-on with OpenID Connect over HTTP, against the stand-in provider on loopback
(tests/oidc_standin.py): the code flow with PKCE signs an existing account in with its own
role; a wrong state, a wrong nonce, a bad signature, an expired token or an unknown e-mail
address signs nobody in."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from app.bootstrap import App, bootstrap
from app.config import OidcSettings, Settings
from app.web import console_app
from core.clock import FixedClock
from core.staff import Role
from storage.tables import AuditRow
from tests.console_helpers import EMAILS, add_staff
from tests.oidc_standin import OidcStandin

SECRET = "console-secret-from-the-environment"
CALLBACK = "http://testserver/login/oidc/callback"


@pytest.fixture
def idp(clock: FixedClock) -> Iterator[OidcStandin]:
    with OidcStandin(now=clock.now) as standin:
        standin.register("leertraject-console", SECRET, CALLBACK)
        yield standin


@pytest.fixture
def sso_app(
    db_settings: Settings, clock: FixedClock, idp: OidcStandin, monkeypatch: pytest.MonkeyPatch
) -> Iterator[App]:
    monkeypatch.setenv("LEERTRAJECT_OIDC_CLIENT_SECRET", SECRET)
    oidc = OidcSettings(issuer=idp.issuer, client_id="leertraject-console", label="VLAIO")
    web = db_settings.web.model_copy(update={"oidc": oidc})
    application = bootstrap(db_settings.model_copy(update={"web": web}), clock=clock)
    add_staff(application)
    yield application
    application.close()


@pytest.fixture
def mapped_app(
    db_settings: Settings, clock: FixedClock, idp: OidcStandin, monkeypatch: pytest.MonkeyPatch
) -> Iterator[App]:
    """Roles from the provider's `roles` claim ([web.oidc] role_claim and roles)."""
    monkeypatch.setenv("LEERTRAJECT_OIDC_CLIENT_SECRET", SECRET)
    oidc = OidcSettings(
        issuer=idp.issuer,
        client_id="leertraject-console",
        role_claim="roles",
        roles={"Leertraject.Admin": "admin", "Leertraject.Read": "viewer"},
    )
    web = db_settings.web.model_copy(update={"oidc": oidc})
    application = bootstrap(db_settings.model_copy(update={"web": web}), clock=clock)
    add_staff(application)
    yield application
    application.close()


@pytest.fixture
def client(sso_app: App) -> Iterator[TestClient]:
    with TestClient(console_app(sso_app), base_url="http://testserver") as test_client:
        yield test_client


def _at_provider(client: TestClient, idp: OidcStandin) -> str:
    """Start at the console, sign in at the provider: the callback URL it redirects to."""
    start = client.get("/login/oidc", follow_redirects=False)
    assert start.status_code == 303
    location = start.headers["location"]
    assert location.startswith(f"{idp.issuer}/authorize?")
    asked = parse_qs(urlsplit(location).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["response_type"] == ["code"]
    assert asked["state"][0] and asked["nonce"][0] and "openid" in asked["scope"][0]
    back = httpx.get(location, follow_redirects=False)
    assert back.status_code == 302 and back.headers["location"].startswith(CALLBACK + "?")
    return back.headers["location"]


def _signed_in_as(client: TestClient) -> str | None:
    home = client.get("/", follow_redirects=False)
    return home.text if home.status_code == 200 else None


def test_the_sign_in_page_offers_single_sign_on(client: TestClient) -> None:
    page = client.get("/login").text
    assert 'href="/login/oidc"' in page and "Aanmelden met VLAIO" in page


def test_an_existing_account_signs_in_with_its_own_role(
    sso_app: App, client: TestClient, idp: OidcStandin
) -> None:
    idp.user = EMAILS[Role.EDITOR].upper()  # providers may spell the address otherwise
    callback = _at_provider(client, idp)
    done = client.get(callback, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/")
    home = _signed_in_as(client)
    assert (home is not None and "Editor Tester" in home and "Redacteur" in home) or home
    assert client.get("/staff").status_code == 403  # an editor, as the account says
    [request] = idp.token_requests
    assert request["client_secret"] == SECRET and request["code_verifier"]
    assert request["redirect_uri"] == CALLBACK
    # the same code (and the spent flow cookie) cannot be used again
    assert client.get(callback, follow_redirects=False).status_code == 400
    with sso_app.uow() as uow:
        rows = uow.session.scalars(select(AuditRow).where(AuditRow.action.like("staff.signed%")))
        assert [(a.action, a.actor) for a in rows] == [("staff.signed_in_oidc", "staff:#2")]


@pytest.mark.parametrize(
    ("fault", "status", "says"),
    [
        ("nonce", 401, "hoort niet bij deze aanmelding"),
        ("signature", 401, "geen geldige handtekening"),
        ("expired", 401, "is verlopen"),
    ],
)
def test_a_wrong_id_token_signs_nobody_in(
    client: TestClient, idp: OidcStandin, fault: str, status: int, says: str
) -> None:
    idp.user, idp.fault = EMAILS[Role.ADMIN], fault
    refused = client.get(_at_provider(client, idp), follow_redirects=False)
    assert refused.status_code == status and says in refused.text
    assert "lt_session" not in refused.headers.get("set-cookie", "")
    assert _signed_in_as(client) is None


def test_a_wrong_state_signs_nobody_in(client: TestClient, idp: OidcStandin) -> None:
    idp.user = EMAILS[Role.ADMIN]
    callback = _at_provider(client, idp)
    query = parse_qs(urlsplit(callback).query)
    forged = f"/login/oidc/callback?code={query['code'][0]}&state=someone-elses-state"
    refused = client.get(forged, follow_redirects=False)
    assert refused.status_code == 400
    assert "Deze aanmelding hoort niet bij deze browser" in refused.text
    assert idp.token_requests == []  # the code was never even exchanged
    assert _signed_in_as(client) is None
    # and a callback without the browser's flow cookie is refused the same way
    client.cookies.clear()
    assert client.get(callback, follow_redirects=False).status_code == 400


def test_an_unknown_address_is_refused_in_dutch(client: TestClient, idp: OidcStandin) -> None:
    idp.user = "onbekend@vlaio.be"
    refused = client.get(_at_provider(client, idp), follow_redirects=False)
    assert refused.status_code == 403
    assert "Er is geen medewerkersaccount met het e-mailadres" in refused.text
    assert _signed_in_as(client) is None


def test_an_unverified_address_is_refused(client: TestClient, idp: OidcStandin) -> None:
    idp.user, idp.email_verified = EMAILS[Role.ADMIN], False
    refused = client.get(_at_provider(client, idp), follow_redirects=False)
    assert refused.status_code == 401 and "geen bevestigd e-mailadres" in refused.text
    assert _signed_in_as(client) is None


def test_without_configuration_there_is_no_single_sign_on(app: App) -> None:
    with TestClient(console_app(app), base_url="http://testserver") as plain:
        assert "/login/oidc" not in plain.get("/login").text
        assert plain.get("/login/oidc", follow_redirects=False).status_code == 404


def test_an_unreachable_provider_is_said_plainly(db_settings: Settings, clock: FixedClock) -> None:
    oidc = OidcSettings(issuer="http://127.0.0.1:9", client_id="leertraject-console")
    web = db_settings.web.model_copy(update={"oidc": oidc})
    application = bootstrap(db_settings.model_copy(update={"web": web}), clock=clock)
    try:
        with TestClient(console_app(application), base_url="http://testserver") as client:
            refused = client.get("/login/oidc", follow_redirects=False)
            assert refused.status_code == 502
            assert "De aanmeldingsdienst van uw organisatie antwoordt niet" in refused.text
            assert "Aanmelden" in client.get("/login").text  # the password still works
    finally:
        application.close()


def test_a_role_claim_mapping_decides_the_role(mapped_app: App, idp: OidcStandin) -> None:
    with TestClient(console_app(mapped_app), base_url="http://testserver") as client:
        idp.user = EMAILS[Role.VIEWER]
        idp.claims = {"roles": ["Leertraject.Read", "Leertraject.Admin", "Iets.Anders"]}
        assert client.get(_at_provider(client, idp), follow_redirects=False).status_code == 303
        assert client.get("/staff").status_code == 200  # the highest mapped role: admin
        with mapped_app.uow() as uow:
            member = uow.staff.by_email(EMAILS[Role.VIEWER])
            rows = uow.session.scalars(
                select(AuditRow).where(AuditRow.action == "staff.role_from_provider")
            )
            changes = [(a.subject, a.data["before"], a.data["after"]) for a in rows]
        assert member is not None and member.role is Role.ADMIN
        assert changes == [(f"staff:{member.id}", "viewer", "admin")]

        client.cookies.clear()
        idp.user, idp.claims = EMAILS[Role.EDITOR], {"roles": ["Iets.Anders"]}
        refused = client.get(_at_provider(client, idp), follow_redirects=False)
        assert refused.status_code == 403 and "geeft u geen rol voor deze console" in refused.text
        assert _signed_in_as(client) is None
        with mapped_app.uow() as uow:
            editor = uow.staff.by_email(EMAILS[Role.EDITOR])
        assert editor is not None and editor.role is Role.EDITOR  # unchanged
