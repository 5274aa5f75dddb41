"""`leertraject solve --json` prints the same bytes as before the solver's answer was typed and
made faster (issues 14 and 16): staff scripts read this output.

Each `solve_golden/NAME.json` is an instance (the CLI test's seven, issue 11's example, one per
kind of explanation, an infeasible one, and benchmark instances in three variants);
`NAME.out.json` is what the command printed for it before those changes. Only the `seconds`
value is masked: it is the wall time of the run.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.cli_process import LEERTRAJECT

GOLDEN = Path(__file__).parent / "solve_golden"
INSTANCES = sorted(p for p in GOLDEN.glob("*.json") if not p.name.endswith(".out.json"))
SECONDS = re.compile(rb'^  "seconds": [0-9.e-]+,$', re.MULTILINE)


def masked(output: bytes) -> bytes:
    found = SECONDS.findall(output)
    assert len(found) == 1, "the answer names its time exactly once"
    return SECONDS.sub(b'  "seconds": 0,', output)


def test_there_are_golden_instances() -> None:
    assert len(INSTANCES) >= 8
    assert all(p.with_suffix(".out.json").exists() for p in INSTANCES)


@pytest.mark.parametrize("instance", INSTANCES, ids=lambda p: p.stem)
def test_solve_json_prints_the_same_bytes(instance: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [*LEERTRAJECT, "solve", str(instance), "--json"],
        capture_output=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr.decode()
    expected = instance.with_suffix(".out.json").read_bytes()
    assert masked(done.stdout) == masked(expected)
