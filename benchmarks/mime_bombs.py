"""Benchmark: the worst a single hostile message costs the e-mail intake.

Each case runs in a fresh process (so peak memory is its own) on a fresh SQLite database,
reading the message from a file the parent wrote:
the message goes through `MailIntake.process` (the pipeline) twice, the second time as the
duplicate it is, then once more through the service's handler, which looks the message up in
the duplicate ledger before anything parses it. Printed per case: size, outcome, seconds for
the first pass, the duplicate pass and the ledger pass, and the growth of the process's peak
resident memory (ru_maxrss) over the baseline taken just before (no tracemalloc: it would
distort the timing).

    .venv/bin/python benchmarks/mime_bombs.py [--cases many_parts,many_attachments,...]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEAD = (
    "From: An Peeters <an.peeters@gent.example.test>\r\nTo: intake@vlaio.test\r\n"
    "Subject: Inschrijving\r\nMessage-ID: <{name}@gent.example.test>\r\nMIME-Version: 1.0\r\n"
)
TEXT = "Gemeente: Gent\r\nContactpersoon: An Peeters\r\nVoorkeur 1: 9\r\n"


def many_parts(parts: int = 20_000) -> bytes:
    """About 800 KB: 20,000 tiny text parts in one multipart/mixed (the issue's first case)."""
    body = [HEAD.format(name="parts"), 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n']
    for n in range(parts):
        body.append(f"--b\r\nContent-Type: text/plain\r\n\r\n{n}\r\n")
    body.append("--b--\r\n")
    return "".join(body).encode()


def many_attachments(parts: int = 50_000) -> bytes:
    """About 5 MB: 50,000 small base64 attachments (the issue's second case)."""
    body = [HEAD.format(name="attachments"), 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n']
    body.append(f"--b\r\nContent-Type: text/plain\r\n\r\n{TEXT}\r\n")
    for n in range(parts):
        body.append(
            "--b\r\nContent-Type: application/octet-stream\r\n"
            f'Content-Disposition: attachment; filename="f{n}.bin"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n" + "A" * 44 + "\r\n"
        )
    body.append("--b--\r\n")
    return "".join(body).encode()


def deep_nesting(depth: int = 5_000) -> bytes:
    """Multipart inside multipart, 5,000 levels deep."""
    head = [HEAD.format(name="deep")]
    for n in range(depth):
        head.append(f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n--b{n}\r\n')
    tail = [f"\r\n--b{n}--\r\n" for n in reversed(range(depth))]
    return ("".join(head) + "Content-Type: text/plain\r\n\r\n" + TEXT + "".join(tail)).encode()


def long_headers(lines: int = 200_000) -> bytes:
    """About 6 MB of header lines before a normal body."""
    extra = "".join(f"X-Filler-{n}: {'x' * 20}\r\n" for n in range(lines))
    return (HEAD.format(name="headers") + extra + "\r\n" + TEXT).encode()


def at_the_caps(kind: str = "plain") -> bytes:
    """Just within every cap: 400 text parts in 41 containers, 10 MB, 225 KB of headers."""
    extra = "".join(f"X-Filler-{n}: {'x' * 60}\r\n" for n in range(3_000))
    body = [HEAD.format(name=f"caps-{kind}"), extra]
    body.append('Content-Type: multipart/mixed; boundary="b"\r\n\r\n')
    line = "Gemeente: Gent Voorkeur 1: 9 " * 3 + "\r\n"
    if kind == "html":
        line = "<p>Gemeente: <b>Gent</b> <i>Voorkeur 1</i>: 9 </p>" * 2 + "\r\n"
    part_text = line * (25_000 // len(line))
    for n in range(40):
        body.append(f'--b\r\nContent-Type: multipart/alternative; boundary="c{n}"\r\n\r\n')
        for _ in range(10):
            body.append(f"--c{n}\r\nContent-Type: text/{kind}\r\n\r\n{part_text}")
        body.append(f"--c{n}--\r\n")
    body.append("--b--\r\n")
    return "".join(body).encode()[: 10 * 1024 * 1024]


def big_text(kind: str = "plain", size: int = 1_900_000) -> bytes:
    """One text part of lines that look like the form: 1.9 MB (plain text just within the
    text budget; as HTML, which counts double, over it) or the size given."""
    line = "Gemeente: Gent\r\nVoorkeur 1: 9\r\nContactpersoon: An\r\n"
    if kind == "html":
        line = "<p>Gemeente: <b>Gent</b></p><div>Voorkeur 1: 9</div>\r\n"
    text = line * (size // len(line))
    head = HEAD.format(name=f"big-{kind}") + f"Content-Type: text/{kind}\r\n\r\n"
    return (head + text).encode()


def plain_registration() -> bytes:
    """The ordinary case, for comparison."""
    return (HEAD.format(name="plain") + "Content-Type: text/plain\r\n\r\n" + TEXT).encode()


CASES: dict[str, Callable[[], bytes]] = {
    "plain": plain_registration,
    "many_parts": many_parts,
    "many_attachments": many_attachments,
    "deep_nesting": deep_nesting,
    "long_headers": long_headers,
    "at_the_caps": at_the_caps,
    "at_the_caps_html": lambda: at_the_caps("html"),
    "big_text": big_text,
    "big_html": lambda: big_text("html"),
    "html_within_budget": lambda: big_text("html", 1_000_000),
}


def _peak_kb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def run_case(name: str, path: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    from app.bootstrap import bootstrap
    from app.config import load_settings
    from app.mailing import intake, intake_handler
    from storage.migrate import upgrade

    raw = Path(path).read_bytes()  # built by the parent: building it is not the cost measured
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        settings = load_settings()
        database = settings.database.model_copy(update={"url": url})
        app = bootstrap(settings.model_copy(update={"database": database}))
        pipeline = intake(app)
        pipeline.process(
            plain_registration().replace(b"<plain@", b"<warm-up@")
        )  # imports, database
        baseline = _peak_kb()
        started = time.perf_counter()
        first = pipeline.process(raw)
        first_seconds = time.perf_counter() - started
        started = time.perf_counter()
        second = pipeline.process(raw)
        second_seconds = time.perf_counter() - started
        handler = intake_handler(app)  # what the service runs: the ledger before the parser
        started = time.perf_counter()
        handler(raw)
        ledger_seconds = time.perf_counter() - started
        grown = _peak_kb() - baseline
        app.close()
    out.put(
        (
            name,
            len(raw),
            first.outcome,
            first_seconds,
            second.outcome,
            second_seconds,
            ledger_seconds,
            grown,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    context = mp.get_context("spawn")
    print(
        f"{'case':18} {'size':>10} {'outcome':>12} {'first s':>8} {'again':>12} "
        f"{'again s':>8} {'ledger s':>8} {'peak +MB':>9}"
    )
    for name in args.cases.split(","):
        queue: mp.Queue = context.Queue()  # type: ignore[type-arg]
        with tempfile.NamedTemporaryFile(suffix=".eml") as message:
            message.write(CASES[name]())
            message.flush()
            process = context.Process(target=run_case, args=(name, message.name, queue))
            process.start()
            row = queue.get(timeout=1800)
            process.join()
        case, size, outcome, first, again, second, ledger, grown = row
        print(
            f"{case:18} {size:>10,} {outcome:>12} {first:>8.2f} {again:>12} {second:>8.2f} "
            f"{ledger:>8.3f} {grown / 1024:>9.1f}"
        )


if __name__ == "__main__":
    main()
