"""What an e-mail registration costs the database (issue #14): on the common path, a new
registration and an update from the same contact, `mail ingest` sends at most 6 SQL
statements per message, on SQLite and PostgreSQL, counted as the driver receives them
(SQLAlchemy's ``before_cursor_execute``). Every message still gets its outcome, its stored
registration and its confirmation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event

from app.bootstrap import App
from core.model import Contact, Status
from mail.pipeline import IntakeSettings, MailIntake

MAX_STATEMENTS_PER_MESSAGE = 6
MESSAGES = 24
INTAKE = "intake@vlaio.test"


def official(i: int) -> str:
    return f"official{i}@gemeente{i}.example.be"


def registration(i: int, municipality: str, first: int) -> bytes:
    domain = official(i).rsplit("@", 1)[1]
    return (
        f"Authentication-Results: mx.vlaio.test; dmarc=pass header.from={domain}\r\n"
        f"From: Official {i} <{official(i)}>\r\nTo: {INTAKE}\r\n"
        f"Subject: Inschrijving\r\nMessage-ID: <m{first}-{i}@{domain}>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Gemeente: {municipality}\r\nContactpersoon: Official {i}\r\nFunctie: Centrummanager\r\n"
        f"Voorkeur 1: {first}\r\nVoorkeur 2: {first + 1}\r\nVoorkeur 3: {first + 2}\r\n"
    ).encode()


@contextmanager
def counted(app: App) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(app.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(app.engine, "before_cursor_execute", count)


def summary(statements: list[str]) -> dict[str, int]:
    """The statements by their first words, for the failure message."""
    return dict(Counter(" ".join(s.split()[:2]) for s in statements).most_common())


def setup(app: App, tmp_path: Path) -> tuple[MailIntake, list[Any]]:
    flemish = app.env.municipalities.flemish[:MESSAGES]

    def invite(uow: Any) -> None:
        for i, m in enumerate(flemish):
            uow.contacts.add(Contact(m.refnis, f"Official {i}", official(i), invited=True))

    app.transaction(invite)
    settings = IntakeSettings(INTAKE, trusted_authserv_id="mx.vlaio.test")
    return MailIntake(app.env, settings, app.transaction), flemish


def files(tmp_path: Path, flemish: list[Any], first: int) -> list[Path]:
    paths = []
    for i, m in enumerate(flemish):
        path = tmp_path / f"{first}-{i}.eml"
        path.write_bytes(registration(i, m.name, first))
        paths.append(path)
    return paths


def confirmations(app: App, kind: str) -> set[str]:
    with app.uow() as uow:
        return {m.recipient for m in uow.outbox.list() if m.kind == kind}


def test_new_registrations_cost_at_most_six_statements_each(app: App, tmp_path: Path) -> None:
    intake, flemish = setup(app, tmp_path)
    paths = files(tmp_path, flemish, 1)
    with counted(app) as statements:
        results = intake.process_files(paths)
    assert [r.outcome for r in results] == ["accepted"] * MESSAGES
    with app.uow() as uow:
        stored = {r.municipality: r for r in uow.registrations.list(Status.SUBMITTED)}
    assert {m.refnis for m in flemish} == set(stored)
    assert all(r.preferences == (1, 2, 3) for r in stored.values())
    assert confirmations(app, "registration.confirmed") == {official(i) for i in range(MESSAGES)}
    per_message = len(statements) / MESSAGES
    assert per_message <= MAX_STATEMENTS_PER_MESSAGE, (per_message, summary(statements))


def test_updates_from_the_same_contact_cost_at_most_six_statements_each(
    app: App, tmp_path: Path
) -> None:
    intake, flemish = setup(app, tmp_path)
    intake.process_files(files(tmp_path, flemish, 1))
    paths = files(tmp_path, flemish, 4)
    with counted(app) as statements:
        results = intake.process_files(paths)
    assert [r.outcome for r in results] == ["updated"] * MESSAGES
    with app.uow() as uow:
        stored = uow.registrations.list(Status.SUBMITTED)
    assert sorted(r.preferences for r in stored) == [(4, 5, 6)] * MESSAGES
    assert confirmations(app, "registration.updated") == {official(i) for i in range(MESSAGES)}
    per_message = len(statements) / MESSAGES
    assert per_message <= MAX_STATEMENTS_PER_MESSAGE, (per_message, summary(statements))


def test_the_same_message_twice_in_one_batch_is_recorded_once(app: App, tmp_path: Path) -> None:
    intake, flemish = setup(app, tmp_path)
    paths = files(tmp_path, flemish[:3], 1)
    results = intake.process_files([*paths, paths[0]])
    assert [r.outcome for r in results] == ["accepted"] * 3 + ["duplicate"]
    assert confirmations(app, "registration.confirmed") == {official(i) for i in range(3)}
