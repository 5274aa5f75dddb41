"""pytest fixtures for the real mail servers (see tests/mailserver.py).

`mail_servers` is session-scoped: without a mount namespace of its own OpenSMTPD can run
only once per machine (its control socket is fixed), so the servers are started once per
test session, and tests using them must not run in parallel processes (no pytest-xdist for
them). `mailboxes` gives a test the same servers with every mailbox emptied first.

Without the binaries (or without root) the tests are skipped locally; with CI=true they
fail instead, so CI cannot pass by skipping the mail tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.mailserver import MailServers
from tests.mailserver_util import missing_binaries


def _unavailable() -> str | None:
    if missing := missing_binaries():
        return f"{', '.join(missing)} not installed: run scripts/install-test-services.sh"
    if os.geteuid() != 0:
        return "the test mail servers (Dovecot, OpenSMTPD) must be started as root"
    return None


@pytest.fixture(scope="session")
def mail_servers() -> Iterator[MailServers]:
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
            pytest.fail(f"CI needs the mail servers: {reason}", pytrace=False)
        pytest.skip(reason)
    with MailServers() as servers:
        yield servers


@pytest.fixture
def mailboxes(mail_servers: MailServers) -> MailServers:
    mail_servers.reset()
    return mail_servers


def wired_to(settings: Any, servers: MailServers, address: str = "intake@vlaio.test") -> Any:
    """App settings whose intake reads `address` over IMAP and whose sender uses the test
    SMTP server (the IMAP password must be in LEERTRAJECT_IMAP_PASSWORD)."""
    mail = settings.mail.model_copy(
        update={
            "address": address,
            "intake": "imap",
            "transport": "smtp",
            "imap": settings.mail.imap.model_copy(
                update={
                    "host": "127.0.0.1",
                    "port": servers.imap_port,
                    "username": address,
                    "tls": "none",
                }
            ),
            "smtp": settings.mail.smtp.model_copy(
                update={"host": "127.0.0.1", "port": servers.smtp_port, "tls": "none"}
            ),
        }
    )
    return settings.model_copy(update={"mail": mail})
