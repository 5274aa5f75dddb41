"""The health endpoints on the console's server: no sign-in, no personal data; ready when the
database answers and this process's parts run and beat recently; 503 naming what fails."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from app.bootstrap import App
from app.health import ReadyLimits, heartbeat, readiness
from app.service import ServiceState
from app.web import console_app
from core.clock import FixedClock
from tests.console_helpers import add_registration
from tests.pg_faults import FaultyDatabase, faulty, faulty_app

__all__ = ["faulty", "faulty_app"]
PARTS = ("scheduler (mail folder, reminders)", "telegram bot (polling, api.telegram.org)", "web")


def running() -> ServiceState:
    state = ServiceState()
    for name in PARTS:
        state.set(name, True)
    return state


def client_for(app: App, state: ServiceState) -> TestClient:
    return TestClient(console_app(app, readiness=readiness(app, state, ReadyLimits())))


@pytest.fixture
def beating(app: App) -> Iterator[App]:
    """A service whose parts just did their work; a registration waits in the e-mail outbox."""
    add_registration(app)
    beat = heartbeat(app)
    beat("telegram bot", True, "polled; an.peeters@stad.gent wrote")  # details stay private
    beat("reminders", True, "3 handled")
    beat("purge", True, "nothing to erase")
    yield app


def test_live_answers_without_signing_in(app: App) -> None:
    with TestClient(console_app(app)) as client:
        response = client.get("/health/live", follow_redirects=False)
    assert response.status_code == 200 and response.json() == {"status": "live"}
    assert response.headers["cache-control"] == "no-store"


def test_ready_when_the_database_answers_and_every_part_beats(beating: App) -> None:
    with client_for(beating, running()) as client:
        response = client.get("/health/ready", follow_redirects=False)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready" and body["failing"] == []
    checks = body["checks"]
    assert checks["database"] == {"ok": True}
    assert checks["component:web"] == {"ok": True}
    assert checks["heartbeat:telegram bot"]["age_seconds"] == 0.0
    assert checks["outbox:email"]["due"] >= 1  # the confirmation, just queued: not late
    for private in ("an.peeters", "Gent", "Peeters", "@"):
        assert private not in response.text


def test_a_stalled_part_and_a_late_outbox_make_it_not_ready(
    beating: App, clock: FixedClock
) -> None:
    clock.advance(timedelta(minutes=20))  # nobody beat since, nothing was sent
    heartbeat(beating)("reminders", True, "3 handled")  # this one is still alive
    with client_for(beating, running()) as client:
        response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert set(body["failing"]) == {"heartbeat:telegram bot", "outbox:email"}
    stalled = body["checks"]["heartbeat:telegram bot"]
    assert stalled["stalled"] is True and stalled["age_seconds"] == 1200.0
    assert body["checks"]["heartbeat:purge"]["ok"], "a nightly job is not stalled after 20 min"
    assert body["checks"]["outbox:email"]["oldest_seconds"] == 1200.0


def test_a_failing_heartbeat_or_a_crashed_part_is_not_ready(beating: App) -> None:
    heartbeat(beating)("telegram bot", False, "polling failed")
    state = running()
    state.set("web", False)  # crashed, waiting to be restarted
    with client_for(beating, state) as client:
        response = client.get("/health/ready")
    assert response.status_code == 503
    assert set(response.json()["failing"]) == {"heartbeat:telegram bot", "component:web"}
    assert response.json()["checks"]["heartbeat:telegram bot"]["failures"] == 1


@pytest.mark.postgres
def test_an_unreachable_database_is_503(faulty_app: App, faulty: FaultyDatabase) -> None:
    with client_for(faulty_app, running()) as client:
        assert client.get("/health/ready").status_code == 200
        faulty.refuse()
        response = client.get("/health/ready")
        live = client.get("/health/live")
        faulty.admit()
        again = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["ok"] is False
    assert live.status_code == 200, "the process itself still answers"
    assert again.status_code == 200
