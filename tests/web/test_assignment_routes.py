"""The assignment pages over HTTP, on SQLite and PostgreSQL: who may do what, dry runs side by
side, staff decisions, and publishing through the confirmation page (confirmations once)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from app.assigning import compute_and_record
from app.bootstrap import App
from app.web import console_app
from core.model import OutboxStatus
from core.staff import Role
from storage.tables import AuditRow
from tests.console_helpers import CLI, EMAILS, add_assignable, add_staff, sign_in, token_in

EVERYONE = {Role.VIEWER, Role.EDITOR, Role.ADMIN}
EDITORS = {Role.EDITOR, Role.ADMIN}
# (method, path, who may, data) for every route of the assignment pages; run 1 exists.
ROUTES = [
    ("GET", "/assignment", EVERYONE, {}),
    ("GET", "/assignment/compare?run=1&run=2", EVERYONE, {}),
    ("GET", "/assignment/runs/1", EVERYONE, {}),
    ("GET", "/assignment/decisions", EVERYONE, {}),
    ("POST", "/assignment/decisions", EDITORS, {"action": "exclude", "theme": "3"}),
    ("POST", "/assignment/dry-run", EDITORS, {}),
    ("GET", "/assignment/runs/2/publish", {Role.ADMIN}, {}),
    ("POST", "/assignment/runs/2/publish", {Role.ADMIN}, {"before_deadline": "yes"}),
]


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    add_staff(app)
    with TestClient(console_app(app), base_url="http://testserver") as test_client:
        yield test_client


def _refnis(app: App, name: str) -> str:
    found = app.env.municipalities.lookup(name).municipality
    assert found is not None
    return found.refnis


def _confirmations(app: App) -> list[str]:
    with app.uow() as uow:
        queued = uow.outbox.list(OutboxStatus.QUEUED, limit=1000)
    return sorted(m.kind for m in queued if m.kind.startswith("assignment."))


def _two_runs(app: App) -> None:
    compute_and_record(app, CLI)
    compute_and_record(app, CLI)


def test_nobody_sees_the_assignment_before_signing_in(app: App, client: TestClient) -> None:
    add_assignable(app)
    _two_runs(app)
    for method, path, _, data in ROUTES:
        response = client.request(method, path, data={"csrf": "x", **data}, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login"), path
        assert "Gent" not in response.text
    with app.uow() as uow:
        assert len(uow.assignments.recent_runs(10)) == 2
        assert uow.assignments.published_run() is None


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_what_it_is_allowed(
    app: App, client: TestClient, role: Role
) -> None:
    add_assignable(app)
    _two_runs(app)
    gent = _refnis(app, "Gent")
    assert sign_in(client, EMAILS[role]) == 303
    csrf = token_in(client.get("/").text)
    for method, path, allowed, data in ROUTES:
        posted = {"csrf": csrf, "municipality": gent, **data}
        response = client.request(method, path, data=posted, follow_redirects=False)
        if role not in allowed:
            assert response.status_code == 403, (role, method, path)
            assert "Dit mag u niet doen." in response.text
        elif method == "GET":
            assert response.status_code == 200, (role, method, path)
        elif path.endswith("/publish"):  # the exclusion before it changed the inputs
            assert response.status_code == 409, (role, method, path)
            assert "veranderd sinds run 2" in response.text
        else:
            assert response.status_code == 303, (role, method, path, response.text)
    with app.uow() as uow:
        runs = len(uow.assignments.recent_runs(10))
        rules = uow.assignments.rules()
        assert uow.assignments.published_run() is None
    assert runs == (3 if role in EDITORS else 2)
    assert rules == ([(gent, 3, "exclude")] if role in EDITORS else [])
    assert _confirmations(app) == []


def test_a_forged_post_changes_nothing(app: App, client: TestClient) -> None:
    add_assignable(app)
    _two_runs(app)
    assert sign_in(client, EMAILS[Role.ADMIN]) == 303
    for path in ("/assignment/dry-run", "/assignment/decisions", "/assignment/runs/2/publish"):
        response = client.post(path, data={"csrf": "forged", "before_deadline": "yes"})
        assert response.status_code == 403, path
    with app.uow() as uow:
        assert len(uow.assignments.recent_runs(10)) == 2
        assert uow.assignments.published_run() is None


def test_dry_runs_side_by_side_then_published_once(app: App, client: TestClient) -> None:
    add_assignable(app)
    assert sign_in(client, EMAILS[Role.EDITOR]) == 303
    csrf = token_in(client.get("/assignment").text)
    assert "Er is nog geen berekening." in client.get("/assignment").text

    first = client.post("/assignment/dry-run", data={"csrf": csrf}, follow_redirects=False)
    assert first.headers["location"] == "/assignment/runs/1"
    report = client.get("/assignment/runs/1").text
    assert "Gent" in report and "Run 1" in report and "Groepen" in report

    pinned = client.post(
        "/assignment/decisions",
        data={"csrf": csrf, "municipality": _refnis(app, "Gent"), "theme": "2", "action": "pin"},
        follow_redirects=False,
    )
    assert pinned.status_code == 303
    decisions = client.get("/assignment/decisions").text
    assert "Gent" in decisions and "vastgezet" in decisions

    second = client.post("/assignment/dry-run", data={"csrf": csrf}, follow_redirects=False)
    assert second.headers["location"] == "/assignment/compare?run=1&run=2"
    side = client.get(second.headers["location"]).text
    assert "Berekening 1" in side and "Berekening 2" in side
    assert "Gemeenten met een ander thema tussen de berekeningen: 1" in side
    moved = side.split("Gemeenten met een ander thema")[1]
    assert "Gent" in moved and "Brugge" not in moved

    assert client.get("/assignment/runs/2/publish").status_code == 403  # editors do not publish
    client.post("/logout", data={"csrf": csrf})
    assert sign_in(client, EMAILS[Role.ADMIN]) == 303
    confirm = client.get("/assignment/runs/2/publish")
    assert confirm.status_code == 200
    assert "Wie verandert tegenover de vorige proefberekening 1: 1" in confirm.text
    assert "Gent" in confirm.text and "De deadline is nog niet voorbij." in confirm.text
    csrf = token_in(confirm.text)
    assert _confirmations(app) == []

    early = client.post("/assignment/runs/2/publish", data={"csrf": csrf, "published": ""})
    assert early.status_code == 409 and "De deadline is nog niet voorbij" in early.text
    assert _confirmations(app) == []

    done = client.post(
        "/assignment/runs/2/publish",
        data={"csrf": csrf, "published": "", "before_deadline": "yes"},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/assignment/runs/2?told=10"
    shown = client.get(done.headers["location"]).text
    assert "Berekening 2 is gepubliceerd; 10 bevestigingen" in shown
    assert _confirmations(app) == ["assignment.confirmed"] * 10

    again = client.post(
        "/assignment/runs/2/publish",
        data={"csrf": csrf, "published": "", "before_deadline": "yes"},
    )
    assert again.status_code == 409 and "Run 2 is al gepubliceerd." in again.text
    assert _confirmations(app) == ["assignment.confirmed"] * 10
    with app.uow() as uow:
        published = uow.assignments.published_run()
        rows = uow.session.scalars(select(AuditRow).where(AuditRow.action.like("assignment.%")))
        audit = [(a.action, a.actor, a.channel) for a in rows]
    assert published is not None and published.id == 2
    assert ("assignment.published", "staff:#1", "web") in audit  # the admin, added first
    assert ("assignment.pinned", "staff:#2", "web") in audit  # the editor


def test_publishing_refuses_a_run_that_no_longer_matches(app: App, client: TestClient) -> None:
    add_assignable(app)
    _two_runs(app)
    assert sign_in(client, EMAILS[Role.ADMIN]) == 303
    csrf = token_in(client.get("/assignment").text)
    client.post(
        "/assignment/decisions",
        data={
            "csrf": csrf,
            "municipality": _refnis(app, "Lier"),
            "theme": "1",
            "action": "score",
            "score": "3",
        },
    )
    refused = client.post(
        "/assignment/runs/2/publish", data={"csrf": csrf, "before_deadline": "yes"}
    )
    assert refused.status_code == 409
    assert "De inschrijvingen of beslissingen zijn veranderd sinds run 2" in refused.text
    assert _confirmations(app) == []


def test_wrong_decisions_and_comparisons_are_refused(app: App, client: TestClient) -> None:
    add_assignable(app)
    _two_runs(app)
    assert sign_in(client, EMAILS[Role.EDITOR]) == 303
    csrf = token_in(client.get("/assignment").text)
    for data in (
        {"municipality": "99999", "theme": "1", "action": "pin"},
        {"municipality": _refnis(app, "Gent"), "theme": "77", "action": "pin"},
        {"municipality": _refnis(app, "Gent"), "theme": "1", "action": "drop"},
        {"municipality": _refnis(app, "Gent"), "theme": "1", "action": "score", "score": "9"},
    ):
        response = client.post("/assignment/decisions", data={"csrf": csrf, **data})
        assert response.status_code == 400, data
        assert "Kies een ingeschreven gemeente" in response.text
    with app.uow() as uow:
        assert uow.assignments.rules() == [] and uow.assignments.scores() == {}
    assert client.get("/assignment/compare?run=1").status_code == 400
    assert client.get("/assignment/compare?run=1&run=99").status_code == 400
    assert client.get("/assignment/runs/99").status_code == 404
    english = client.get("/assignment/compare?run=1&run=2", cookies={"lt_lang": "en"}).text
    assert "Runs side by side" in english and "Berekening" not in english
