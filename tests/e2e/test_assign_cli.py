"""`leertraject assign` end to end, each step a separate process, on SQLite and PostgreSQL:
staff decisions, the dry run and its report, and every guard on publication."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli_process import Cli, make_cli

PASSED = "2026-01-09T17:00:00+01:00"  # a deadline in the past (the real clock runs the CLI)
AHEAD = "2099-01-29T17:00:00+01:00"
REGISTRATIONS = [
    *((m, "1,2,3") for m in ("Brugge", "Antwerpen", "Mechelen", "Aalst", "Kortrijk")),
    *((m, "2,1,3") for m in ("Hasselt", "Leuven", "Genk", "Lier")),
    ("Gent", "3,1,2"),
]


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    run = make_cli(db_url, tmp_path, LEERTRAJECT_CAMPAIGN__DEADLINE=AHEAD)

    def invoke(
        *args: str, expect: int = 0, deadline: str = AHEAD, answer: str = ""
    ) -> subprocess.CompletedProcess[str]:
        environment = {"LEERTRAJECT_CAMPAIGN__DEADLINE": deadline}
        return run(*args, expect=expect, env=environment, stdin=answer)

    for index, (name, preferences) in enumerate(REGISTRATIONS):
        invoke(
            "registrations",
            "submit",
            "--municipality",
            name,
            "--contact-name",
            f"Contact {name}",
            "--contact-function",
            "Centrummanager",
            "--contact-email",
            f"info{index}@{name.lower()}.example.be",
            "--preferences",
            preferences,
        )
    return invoke


def confirmations(cli: Any) -> list[dict[str, Any]]:
    listed = json.loads(cli("outbox", "list", "--json").stdout)
    return [m for m in listed if m["kind"] == "assignment.confirmed"]


def staff_decisions_are_stored_listed_and_undone(cli: Any, tmp_path: Path) -> None:
    assert "Score 3 voor Gent, thema 3" in cli("assign", "score", "Gent", "3", "3").stdout
    scores = tmp_path / "scores.csv"
    scores.write_text("\ufeffgemeente;thema;score\nBrugge;1;2\nNergenshuizen;1;2\n")
    done = cli("assign", "scores", str(scores))
    assert "1 score(s) ingelezen, 1 fout(en)" in done.stdout and "regel 3" in done.stderr
    cli("assign", "pin", "Lier", "1")
    cli("assign", "exclude", "Leuven", "2")
    listed = cli("assign", "decisions").stdout
    for expected in ("Lier", "vastgezet", "Leuven", "uitgesloten", "score 3", "score 2"):
        assert expected in listed, listed
    cli("assign", "unpin", "Lier")
    cli("assign", "exclude", "Leuven", "2", "--undo")
    listed = cli("assign", "decisions").stdout
    assert "Lier" not in listed and "Leuven" not in listed and "Gent" in listed


def test_decisions_then_publication_with_every_guard(cli: Any, tmp_path: Path) -> None:
    staff_decisions_are_stored_listed_and_undone(cli, tmp_path)
    # A dry run cannot publish, and nothing publishes before the deadline without saying so.
    both = cli("assign", "--dry-run", "--publish", "--yes", expect=2, deadline=PASSED)
    assert "--dry-run en --publish" in both.stderr
    early = cli("assign", "--publish", "--yes", expect=1)
    assert "--before-deadline" in early.stderr
    assert confirmations(cli) == []

    report = tmp_path / "rapport"
    dry = json.loads(cli("assign", "--dry-run", "--report", str(report), "--json").stdout)
    assert dry["published"] is False and dry["profile"] == [9, 1, 0, 0]
    assert (report / "toewijzing.html").exists() and (report / "toewijzing.pdf").exists()
    assert not list(report.glob("*.tmp")), "reports are written through a temporary file"
    assert confirmations(cli) == []

    # Without --run a fresh run is computed and shown; answering no publishes nothing.
    refused = cli("assign", "--publish", expect=1, deadline=PASSED, answer="n\n")
    assert "profiel [9, 1, 0, 0]" in refused.stderr and "publiceren?" in refused.stderr
    assert confirmations(cli) == []

    # Before the deadline, saying so publishes (here with the report in English).
    published = json.loads(
        cli(
            "assign",
            "--publish",
            "--before-deadline",
            "--run",
            str(dry["run"]),
            "--yes",
            "--language",
            "en",
            "--json",
        ).stdout
    )
    assert [Path(f).name for f in published["report"]][:2] == ["assignment.html", "assignment.pdf"]
    assert 'lang="en"' in Path(published["report"][0]).read_text(encoding="utf-8")
    assert published["published"] is True and published["run"] == dry["run"]
    assert len(confirmations(cli)) == len(REGISTRATIONS)
    cli("assign", "--publish", "--run", str(dry["run"]), "--yes", expect=1, deadline=PASSED)

    # A later change by staff: the re-run shows who moves before it is published.
    cli("assign", "exclude", "Gent", "1")
    again = cli("assign", "--publish", expect=1, deadline=PASSED, answer="n\n")
    assert "1 gemeente(n) verschuiven" in again.stderr
    assert "Gent: thema 1 -> thema 2" in again.stderr
    assert len(confirmations(cli)) == len(REGISTRATIONS)
