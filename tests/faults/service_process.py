"""The service as a process of its own (`leertraject run --once`), to kill with SIGKILL and
start again, on a database and folders of the test's own."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text

LEERTRAJECT = [sys.executable, "-m", "app"]


def service_env(db_url: str, home: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("LEERTRAJECT_")},
        "LEERTRAJECT_DATABASE__URL": db_url,
        "LEERTRAJECT_MAIL__MAILDIR": str(home / "inbox"),
        "LEERTRAJECT_MAIL__OUTBOX_DIR": str(home / "outbox"),
        **extra,
    }


def start(env: dict[str, str], home: Path, *args: str) -> subprocess.Popen[bytes]:
    log = open(home / "service.log", "ab")  # noqa: SIM115 (the child keeps it)
    process = subprocess.Popen(
        [*LEERTRAJECT, *args], env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    return process


def recorded(db_url: str) -> int:
    """How many inbound e-mails have an outcome (read beside the running service)."""
    if db_url.startswith("sqlite:///"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=30) as conn:
            return int(conn.execute("SELECT count(*) FROM inbound_messages").fetchone()[0])
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM inbound_messages")).scalar_one())
    finally:
        engine.dispose()


def kill_when(process: subprocess.Popen[bytes], db_url: str, threshold: int) -> bool:
    """SIGKILL the process once `threshold` outcomes are recorded; False if it ended first."""
    return kill_if(process, lambda: recorded(db_url) >= threshold, f"{threshold} outcomes")


def kill_if(process: subprocess.Popen[bytes], condition: Callable[[], bool], what: str) -> bool:
    """SIGKILL the process once `condition` holds; False if it ended first.

    Polls (a condition, not a pause for time); bounded by five minutes."""
    deadline = time.monotonic() + 300
    while process.poll() is None:
        if condition():
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            return True
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError(f"no progress to {what}")
        time.sleep(0.05)
    return False
