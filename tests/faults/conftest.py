"""The fault suite (issue 10): real servers, faults injected, and the figures at the end of the
run (`pytest_terminal_summary`): messages, faults injected, lost and duplicated, per test."""

from __future__ import annotations

from typing import Any

from tests.faults.fault_audit import FIGURES
from tests.pg_faults import faulty, faulty_app  # noqa: F401  (fixtures for the fault tests)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault suite: nothing lost under faults")
    write(f"{'test':<44}{'messages':>9}{'faults':>8}{'lost':>6}{'duplicated':>12}")
    for f in FIGURES:
        write(f"{f.name:<44}{f.messages:>9}{f.faults:>8}{f.lost:>6}{f.duplicated:>12}")
        for note in f.notes:
            write(f"    {note}")
    totals = [sum(getattr(f, k) for f in FIGURES) for k in ("messages", "faults", "lost")]
    duplicated = sum(f.duplicated for f in FIGURES)
    write(f"{'total':<44}{totals[0]:>9}{totals[1]:>8}{totals[2]:>6}{duplicated:>12}")
