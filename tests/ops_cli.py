"""The `leertraject` command as a separate process, for the operations tests (backup, restore,
upgrade, doctor): the repository's config.toml, a database and folders of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEERTRAJECT = [sys.executable, "-m", "app"]


def environment(url: str, data: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LEERTRAJECT_", "TELEGRAM_"))},
        "LEERTRAJECT_DATABASE__URL": url,
        "LEERTRAJECT_MAIL__MAILDIR": str(data / "inbox"),
        "LEERTRAJECT_MAIL__OUTBOX_DIR": str(data / "outbox"),
        "LEERTRAJECT_ASSIGNMENT__REPORT_DIR": str(data / "reports"),
        **extra,
    }


def cli(
    url: str, data: Path, *args: str, expect: int = 0, **extra: str
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*LEERTRAJECT, *args],
        cwd=ROOT,
        env=environment(url, data, **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == expect, (args, done.stdout, done.stderr)
    return done
