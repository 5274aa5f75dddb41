"""How fast the staff console's pages answer on a filled database, against baselines measured
in the same run.

A fresh database (SQLite in a temporary folder, or `--db-url` for an empty PostgreSQL
database) gets a registration for each Flemish municipality (285: one per municipality;
`--registrations` caps it), each with a correction (so a history), 2,000 messages
(`--messages`: half received, half in the outbox) and a staff admin. Then, in-process over
the ASGI interface (Starlette's TestClient for every row), the admin signs in and every GET
page of the console is requested `--repeat` times after two warm-up rounds, in rounds of one
request per page and baseline, so the load of a shared machine weighs on all alike. The
routes are read from the app, so pages added later are measured too (a path parameter named
`reference` gets a real registration; routes with other parameters are listed as skipped).

Per page: the median in ms and its ratio to the baselines, the median CPU time of this
process per request (all threads; it does not grow with the load of a shared machine, the wall
clock does) and its ratio to /login's, SQL statements per request (counted on the engine) and
the answer's size. Baselines: a bare Starlette route (`bare`, no
middleware, no template) and the console's sign-in page (`/login`, template and middleware,
no database), measured in the same rounds. The goal is every page under 200 ms.

Run: `python benchmarks/console_pages.py [--repeat 15] [--db-url postgresql+psycopg://...]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from app.bootstrap import App, bootstrap
from app.config import load_settings
from app.web import console_app
from core.model import Actor, Channel, InboundRecord, OutboxMessage
from core.staff import Role
from core.usecases.staff import add_member
from core.usecases.submit import Identity, submit
from web.passwords import Argon2Hasher

PASSWORD = "een lang genoeg wachtwoord voor de meting"
ADMIN = "bench.admin@vlaio.be"
SKIP_PREFIXES = ("/login", "/logout", "/welcome", "/language", "/health", "/static")
GOAL_MS = 200.0


def fill(app: App, registrations: int, messages: int) -> list[str]:
    """Registrations (with one correction each), received and outgoing messages, an admin."""
    env, references = app.env, []
    identity = Identity(Channel.CLI, staff="bench")
    flemish = env.municipalities.flemish[:registrations]
    for i, municipality in enumerate(flemish):
        raw = {
            "municipality": municipality.name,
            "contact_name": f"Contact {i}",
            "contact_function": "Centrummanager",
            "contact_email": f"contact{i}@gemeente{i}.be",
            "preferences": ",".join(str(1 + (i + k) % 12) for k in range(3)),
        }
        outcome = app.transaction(lambda uow, r=raw: submit(uow, env, r, identity))
        assert outcome.registration is not None, outcome.errors
        references.append(outcome.registration.reference)
        changed = {**raw, "preferences": ",".join(str(1 + (i + k) % 12) for k in range(4))}
        corrected = app.transaction(lambda uow, r=changed: submit(uow, env, r, identity))
        assert corrected.registration is not None, corrected.errors
    now = env.clock.now()

    def messages_in(uow: Any) -> None:
        for n in range(messages // 2):
            channel = Channel.EMAIL if n % 2 else Channel.TELEGRAM
            at = now - timedelta(minutes=n)
            uow.inbound.add(InboundRecord(channel, f"bench-{n}", at, "handled", {"n": n}))
            uow.outbox.add(
                OutboxMessage(
                    Channel.EMAIL,
                    f"contact{n % 300}@gemeente{n % 300}.be",
                    "nl",
                    "registration.confirmed",
                    {"n": n},
                    f"bench-out-{n}",
                    at,
                    status="sent" if n % 3 else "queued",
                    sent_at=at if n % 3 else None,
                )
            )

    app.transaction(messages_in)
    actor = Actor("staff", Channel.CLI, name="bench")
    app.transaction(
        lambda uow: add_member(
            uow, env, actor, Argon2Hasher(), ADMIN, "Bench Admin", Role.ADMIN, PASSWORD
        )
    )
    return references


def sign_in(client: TestClient) -> None:
    form = client.get("/login").text
    csrf = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/login",
        data={"email": ADMIN, "password": PASSWORD, "csrf": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def pages(application: Starlette, reference: str) -> tuple[list[str], list[str]]:
    found, skipped = [], []
    for route in application.routes:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or set()
        if "GET" not in methods or path.startswith(SKIP_PREFIXES):
            continue
        filled = path.replace("{reference}", reference)
        (skipped if "{" in filled else found).append(filled)
    return found, skipped


def measure(
    targets: dict[str, Callable[[], Any]], repeat: int, statements: list[int]
) -> dict[str, tuple[float, float, float, int]]:
    """Median ms (wall clock and this process's CPU, every thread: the client's, the server's
    and the database driver's), SQL statements per request and size of each target, requested
    in rounds (one request of each per round, two warm-up rounds), so that the machine's
    load, which changes by the second on a shared machine, weighs on baselines and pages
    alike; the CPU time does not depend on that load."""
    samples: dict[str, list[float]] = {name: [] for name in targets}
    cpu: dict[str, list[float]] = {name: [] for name in targets}
    counted = dict.fromkeys(targets, 0)
    sizes = dict.fromkeys(targets, 0)
    for round_ in range(repeat + 2):
        for name, get in targets.items():
            before = statements[0]
            start, start_cpu = time.perf_counter(), time.process_time()
            answer = get()
            elapsed = (time.perf_counter() - start) * 1000
            used = (time.process_time() - start_cpu) * 1000
            assert answer.status_code == 200, (answer.status_code, name)
            if round_ >= 2:
                samples[name].append(elapsed)
                cpu[name].append(used)
                counted[name] += statements[0] - before
                sizes[name] = len(answer.content)
    return {
        name: (
            statistics.median(samples[name]),
            statistics.median(cpu[name]),
            counted[name] / repeat,
            sizes[name],
        )
        for name in targets
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--registrations", type=int, default=300)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--db-url", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = load_settings()
        database = settings.database.model_copy(update={"url": url})
        app = bootstrap(settings.model_copy(update={"database": database}), migrate=True)
        started = time.perf_counter()
        references = fill(app, args.registrations, args.messages)
        print(
            f"database: {app.engine.url.get_backend_name()}, {len(references)} registrations "
            f"(+1 correction each), {args.messages} messages, filled in "
            f"{time.perf_counter() - started:.1f} s; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        statements = [0]

        @event.listens_for(app.engine, "before_cursor_execute")
        def count(*_: Any) -> None:
            statements[0] += 1

        async def ok(request: Any) -> PlainTextResponse:
            return PlainTextResponse("ok")

        bare = TestClient(Starlette(routes=[Route("/", ok)]))
        console = console_app(app)
        anonymous = TestClient(console, base_url="http://testserver")
        client = TestClient(console, base_url="http://testserver")
        sign_in(client)
        found, skipped = pages(console, references[len(references) // 2])
        targets: dict[str, Callable[[], Any]] = {
            "bare": lambda: bare.get("/"),
            "/login": lambda: anonymous.get("/login"),
        }
        targets.update({path: (lambda p=path: client.get(p)) for path in found})
        results = measure(targets, args.repeat, statements)
        bare_ms, bare_cpu, _, _ = results.pop("bare")
        login_ms, login_cpu, _, login_size = results.pop("/login")
        rows = [(path, *figures) for path, figures in results.items()]

        print(
            f"\nbaselines (median of {args.repeat}): bare Starlette route {bare_ms:.2f} ms "
            f"(CPU {bare_cpu:.2f} ms); /login {login_ms:.2f} ms (CPU {login_cpu:.2f} ms, "
            f"{login_size} bytes)"
        )
        columns = [("ms", 8), ("x /login", 9), ("x bare", 8), ("CPU ms", 8), ("CPU x /login", 13)]
        columns += [("SQL/req", 8), ("KB", 7)]
        print(f"\n{'page':<30}" + "".join(f"{name:>{width}}" for name, width in columns))
        slow = []
        for path, median, cpu, per_request, size in rows:
            print(
                f"{path:<30}{median:>8.1f}{median / login_ms:>9.1f}{median / bare_ms:>8.1f}"
                f"{cpu:>8.1f}{cpu / login_cpu:>13.1f}{per_request:>8.1f}{size / 1024:>7.1f}"
            )
            if median > GOAL_MS:
                slow.append(path)
        for path in skipped:
            print(f"{path:<34}  skipped (a path parameter the benchmark cannot fill)")
        print(f"\ngoal: every page under {GOAL_MS:.0f} ms: " + (", ".join(slow) or "all met"))
        app.close()
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
