"""Shared by the console's tests: accounts, a registration, and signing in over HTTP."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from app.bootstrap import App
from core.model import Actor, ActorKind, Channel
from core.staff import Role
from core.usecases.staff import add_member
from core.usecases.submit import Identity, submit
from tests.submitting import staff_submit
from web.passwords import Argon2Hasher

if TYPE_CHECKING:
    from starlette.testclient import TestClient

PASSWORD = "een lang genoeg wachtwoord"
CLI = Actor(ActorKind.STAFF, Channel.CLI, name="tester")
EMAILS = {
    Role.ADMIN: "admin@vlaio.be",
    Role.EDITOR: "editor@vlaio.be",
    Role.VIEWER: "lezer@vlaio.be",
}
_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def add_staff(app: App) -> None:
    hasher = Argon2Hasher()
    for role, email in EMAILS.items():
        name = f"{role.value.title()} Tester"
        _add(app, hasher, role, email, name)


def _add(app: App, hasher: Argon2Hasher, role: Any, email: str, name: str) -> None:
    app.transaction(lambda uow: add_member(uow, app.env, CLI, hasher, email, name, role, PASSWORD))


def add_registration(app: App, municipality: str = "Gent") -> str:
    raw = {
        "municipality": municipality,
        "contact_name": "An Peeters",
        "contact_function": "Centrummanager",
        "contact_email": "an.peeters@stad.gent",
        "preferences": "9,11,3",
    }
    outcome = app.transaction(
        lambda uow: submit(uow, app.env, raw, Identity(Channel.CLI, staff="tester"))
    )
    assert outcome.registration is not None, outcome.errors
    return outcome.registration.reference


def token_in(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, html
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> int:
    csrf = token_in(client.get("/login").text)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf": csrf}, follow_redirects=False
    )
    return int(response.status_code)


# Enough municipalities to open themes 1 and 2 (at least 4 each); Gent's own first choice (3)
# stays closed, so Gent gets theme 1 unless staff pin it elsewhere.
ASSIGNABLE = [
    *((m, "1,2,3") for m in ("Brugge", "Antwerpen", "Mechelen", "Aalst", "Kortrijk")),
    *((m, "2,1,3") for m in ("Hasselt", "Leuven", "Genk", "Lier")),
    ("Gent", "3,1,2"),
]


def add_assignable(app: App) -> dict[str, str]:
    """Ten submitted registrations, each with its own contact: municipality -> reference."""
    references = {}
    for index, (municipality, preferences) in enumerate(ASSIGNABLE):
        raw = {
            "municipality": municipality,
            "contact_name": f"Contact {municipality}",
            "contact_function": "Centrummanager",
            "contact_email": f"info{index}@{municipality.lower()}.example.be",
            "preferences": preferences,
        }
        outcome = staff_submit(app, raw, Identity(Channel.CLI, staff="tester"))
        assert outcome.registration is not None, outcome.errors
        references[municipality] = outcome.registration.reference
    return references
