"""Benchmark: the e-mail template reader on hostile texts (long runs of spaces, tabs, repeated
labels and words), each against a baseline in the same run: `str.split()` over the same text.

Exits with 1 when a text takes longer than --limit seconds (default 2), the limit the test
suite used to assert; wall-clock limits live here, not in the tests.

    .venv/bin/python benchmarks/hostile_text.py [--limit 2.0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from core.form import email_labels
from mail.template import TemplateSpec, extract_form

HOSTILE = {
    "repeated preference": "Voorkeuren: " + "9  " * 20_000 + "x",
    "label then spaces": "Gemeente" + " " * 40_000 + "x",
    "label then tabs": "Voorkeur 1" + "\t" * 40_000 + "9",
    "repeated word": "Op " + "heeft " * 20_000 + "x",
    "address then mailto": "E-mail: " + "a" * 40_000 + " <mailto:" * 2_000,
}


def best_of(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    spec = TemplateSpec(email_labels())
    slow = 0
    print(f"{'text':<22} {'chars':>7} {'reader s':>9} {'split s':>9} {'ratio':>7}")
    for name, text in HOSTILE.items():
        reader = best_of(args.repeat, lambda text=text: extract_form(text, spec))
        baseline = best_of(args.repeat, text.split)
        ratio = reader / baseline if baseline else float("inf")
        flag = "  TOO SLOW" if reader > args.limit else ""
        print(f"{name:<22} {len(text):>7} {reader:>9.4f} {baseline:>9.4f} {ratio:>7.0f}{flag}")
        slow += reader > args.limit
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
