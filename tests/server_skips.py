"""A test that needs a real server (PostgreSQL, Dovecot/OpenSMTPD) fails instead of skipping.

Whoever runs the suite, a green run then proves the real-server tests ran. Set
LEERTRAJECT_ALLOW_SERVER_SKIPS=1 to allow the skips on purpose (a laptop without the services).
Loaded by tests/conftest.py; a pytest plugin of its own so that a test can load it alone.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

ALLOW_SKIPS = "LEERTRAJECT_ALLOW_SERVER_SKIPS"
SERVER_MARKERS = ("postgres", "mailserver")
SERVER_FIXTURES = ("pg_database", "mail_servers", "mailboxes")


def needs_server(item: pytest.Item) -> bool:
    marked = any(item.get_closest_marker(name) for name in SERVER_MARKERS)
    fixtures = getattr(item, "fixturenames", ())
    return marked or any(name in fixtures for name in SERVER_FIXTURES)


def allowed() -> bool:
    return os.environ.get(ALLOW_SKIPS, "").strip().lower() not in {"", "0", "false", "no"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, Any]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail") or allowed() or not needs_server(item):
        return
    reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
    report.outcome = "failed"
    report.longrepr = (
        f"skipped, but this test needs a real server: {reason}\n"
        "Run scripts/install-test-services.sh (as root), or set "
        f"{ALLOW_SKIPS}=1 to allow the skip."
    )
