"""Benchmark: how long `leertraject --help` takes to start (issue #14), against a baseline
in the same run: a bare `python -c pass` of the same interpreter.

Both run as separate processes, alternately, N times each; the medians and their ratio are
printed. Exits with 1 when the ratio is above --limit (default 8, the goal of issue #14).
A read-only command can be timed the same way with --args, e.g. `--args "db status"`.

    .venv/bin/python benchmarks/cli_start.py [--runs 15] [--limit 8] [--args "--help"]
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def seconds(command: list[str]) -> float:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LEERTRAJECT_")}
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=environment, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--limit", type=float, default=8.0)
    parser.add_argument("--args", default="--help", help="what to give `leertraject`")
    options = parser.parse_args()
    command = [sys.executable, "-m", "app", *shlex.split(options.args)]
    baseline_command = [sys.executable, "-c", "pass"]
    seconds(command)  # one warm-up of each: the page cache, compiled .pyc files
    seconds(baseline_command)
    measured, baseline = [], []
    for _ in range(options.runs):
        measured.append(seconds(command))
        baseline.append(seconds(baseline_command))
    ours, bare = statistics.median(measured), statistics.median(baseline)
    ratio = ours / bare
    print(f"{'what':<34} {'median s':>9} {'min s':>7} {'max s':>7}")
    for label, times in (
        ("python -c pass (baseline)", baseline),
        (f"leertraject {options.args}", measured),
    ):
        median = statistics.median(times)
        print(f"{label[:34]:<34} {median:>9.4f} {min(times):>7.4f} {max(times):>7.4f}")
    verdict = "ok" if ratio <= options.limit else f"ABOVE the limit of {options.limit:g}"
    print(f"ratio {ratio:.1f}x over {options.runs} runs each: {verdict}")
    return 0 if ratio <= options.limit else 1


if __name__ == "__main__":
    sys.exit(main())
