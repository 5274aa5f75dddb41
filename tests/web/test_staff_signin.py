"""Signing in to the console, on SQLite and PostgreSQL, with the clock moved instead of waited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.bootstrap import App
from core.clock import FixedClock
from core.model import Actor, ActorKind, Channel
from core.staff import Role
from core.usecases.staff import (
    SignInLimits,
    add_member,
    current,
    redeem_link,
    reset_member,
    sign_in,
)
from storage.staff_tables import SignInFailureRow
from web.passwords import Argon2Hasher

HASHER = Argon2Hasher()
LIMITS = SignInLimits()
CLI = Actor(ActorKind.STAFF, Channel.CLI, name="tester")
PASSWORD = "een lang genoeg wachtwoord"


def _add(app: App, email: str, role: Role, password: str | None = PASSWORD) -> str | None:
    outcome = app.transaction(
        lambda uow: add_member(uow, app.env, CLI, HASHER, email, "Naam", role, password)
    )
    assert not outcome.errors
    return outcome.link_token


def _sign_in(app: App, email: str, password: str, address: str = "10.0.0.1") -> str | None:
    result = app.transaction(
        lambda uow: sign_in(uow, app.env, HASHER, LIMITS, email, password, address)
    )
    return result.token if result.token else result.error


def test_a_one_time_link_sets_the_password_once_and_expires_after_24_hours(
    app: App, clock: FixedClock
) -> None:
    token = _add(app, "an@vlaio.be", Role.EDITOR, password=None)
    late = _add(app, "jan@vlaio.be", Role.VIEWER, password=None)
    assert token and late
    first = app.transaction(lambda uow: redeem_link(uow, app.env, HASHER, LIMITS, token, PASSWORD))
    assert first.token and first.member and first.member.email == "an@vlaio.be"
    again = app.transaction(lambda uow: redeem_link(uow, app.env, HASHER, LIMITS, token, PASSWORD))
    assert again.error == "staff.link_invalid"
    assert len(_sign_in(app, "an@vlaio.be", PASSWORD) or "") > 40

    clock.advance(timedelta(hours=24))
    expired = app.transaction(lambda uow: redeem_link(uow, app.env, HASHER, LIMITS, late, PASSWORD))
    assert expired.error == "staff.link_invalid"


def test_sessions_end_after_their_hours_and_when_an_admin_resets_the_account(
    app: App, clock: FixedClock
) -> None:
    _add(app, "an@vlaio.be", Role.ADMIN)
    token = _sign_in(app, "an@vlaio.be", PASSWORD)
    with app.uow() as uow:
        found = current(uow, app.env, token)
    assert found and found[0].email == "an@vlaio.be" and found[0].role is Role.ADMIN

    app.transaction(lambda uow: reset_member(uow, app.env, CLI, "an@vlaio.be"))
    with app.uow() as uow:
        assert current(uow, app.env, token) is None
    assert _sign_in(app, "an@vlaio.be", PASSWORD) == "staff.sign_in_failed"

    _add(app, "jan@vlaio.be", Role.VIEWER)
    later = _sign_in(app, "jan@vlaio.be", PASSWORD)
    clock.advance(timedelta(hours=LIMITS.session_hours))
    with app.uow() as uow:
        assert current(uow, app.env, later) is None


def test_guessing_is_stopped_per_account_and_per_address(app: App, clock: FixedClock) -> None:
    _add(app, "an@vlaio.be", Role.EDITOR)
    for attempt in range(LIMITS.per_account):
        assert _sign_in(app, "an@vlaio.be", f"fout {attempt}") == "staff.sign_in_failed"
    # now even the right password is refused, from any address, for the window
    assert _sign_in(app, "an@vlaio.be", PASSWORD, "10.9.9.9") == "staff.too_many_attempts"
    clock.advance(LIMITS.window)
    assert len(_sign_in(app, "an@vlaio.be", PASSWORD) or "") > 40
    with app.uow() as uow:  # failures that no longer count are not kept
        assert uow.session.scalar(select(func.count()).select_from(SignInFailureRow)) == 0

    # one address trying many accounts is stopped too, whatever account it tries next
    for index in range(LIMITS.per_address):
        _sign_in(app, f"wie{index}@vlaio.be", "geraden wachtwoord", "192.0.2.7")
    assert _sign_in(app, "an@vlaio.be", PASSWORD, "192.0.2.7") == "staff.too_many_attempts"
    assert len(_sign_in(app, "an@vlaio.be", PASSWORD, "192.0.2.8") or "") > 40
