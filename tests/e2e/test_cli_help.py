"""`leertraject --help` as staff read it, in a separate process: Dutch by default, English with
--lang en or LEERTRAJECT_LANG=en, no catalog keys, and quick (issue #14: none of the heavy
libraries is imported to show it)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli_process import ROOT, environment, run_cli

# Words that only English help would have; none may show up in the Dutch help.
ENGLISH = re.compile(
    r"\b(the|and|with|to|Show|Print|Usage|Options|Commands|Arguments|TEXT|INTEGER|PATH|"
    r"FILE|default|required|message|exit|this)\b"
)
SAMPLE = [
    ("--help",),
    ("registrations", "submit", "--help"),
    ("registrations", "list", "--help"),
    ("assign", "--help"),
    ("mail", "check", "--help"),
    ("staff", "add", "--help"),
    ("export", "--help"),
    ("outbox", "list", "--help"),
]
HEAVY = ("ortools", "openpyxl", "jinja2", "telegram", "weasyprint", "sqlalchemy")


def helped(tmp_path: Path, *args: str, **extra: Any) -> str:
    url = f"sqlite:///{tmp_path / 'leertraject.db'}"
    done = run_cli(url, tmp_path, *args, **extra)
    assert done.stderr == "", done.stderr
    assert "cli.help" not in done.stdout and "cli.help" not in done.stderr, done.stdout
    return done.stdout


def test_the_help_speaks_dutch_to_staff_by_default(tmp_path: Path) -> None:
    root = helped(tmp_path, "--help")
    assert root.startswith("Gebruik: leertraject [OPTIES] OPDRACHT [ARGUMENTEN]...\n")
    assert "Opdrachten:" in root and "Opties:" in root
    assert re.search(r"registrations\s+Inschrijvingen bekijken, invoeren en intrekken", root)
    assert "--lang [nl|en]" in root and "Taal van de uitvoer" in root
    submit = helped(tmp_path, "registrations", "submit", "--help")
    assert submit.startswith("Gebruik: leertraject registrations submit [OPTIES]\n")
    assert "namens een gemeente" in submit
    assert re.search(r"--municipality TEKST\s+De gemeente: naam \(Merelbeke-Melle\)", submit)
    assert "Verplicht." in submit and "Toon deze hulp en stop." in submit
    show = helped(tmp_path, "registrations", "show", "--help")
    assert show.startswith("Gebruik: leertraject registrations show [OPTIES] REFERENTIE\n")


@pytest.mark.parametrize("args", SAMPLE, ids=" ".join)
def test_no_english_word_in_the_dutch_help(tmp_path: Path, args: tuple[str, ...]) -> None:
    dutch = helped(tmp_path, *args)
    assert not ENGLISH.findall(dutch), (ENGLISH.findall(dutch), dutch)


def test_the_help_speaks_english_with_lang_en_or_the_environment(tmp_path: Path) -> None:
    english = helped(tmp_path, "--lang", "en", "registrations", "submit", "--help")
    assert english.startswith("Usage: leertraject registrations submit [OPTIONS]\n")
    assert "on a municipality's behalf" in english
    assert re.search(r"--municipality TEXT\s+The municipality: name \(Merelbeke-Melle\)", english)
    assert "Verplicht" not in english and "Gebruik" not in english
    root = helped(tmp_path, "--help", LEERTRAJECT_LANG="en")
    assert root.startswith("Usage: leertraject [OPTIONS] COMMAND [ARGS]...\n")
    assert re.search(r"registrations\s+List, show, enter and withdraw registrations", root)
    assert "Opdrachten" not in root
    after = helped(tmp_path, "--help", "--lang", "en")  # --lang counts wherever it stands
    assert after.startswith("Usage: leertraject [OPTIONS] COMMAND [ARGS]...\n")


def test_the_help_imports_none_of_the_heavy_libraries(tmp_path: Path) -> None:
    """What `leertraject --help` loads, read from the process itself (issue #14)."""
    url = f"sqlite:///{tmp_path / 'leertraject.db'}"
    script = (
        "import runpy, sys\n"
        "sys.argv = ['leertraject', '--help']\n"
        "try:\n"
        "    runpy.run_module('app', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment(url, tmp_path),
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert "Opdrachten:" in done.stdout
    loaded = {name.split(".")[0] for name in done.stderr.split()}
    assert "click" in loaded and "app" in loaded  # it did run
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize(
    ("args", "dutch"),
    [
        (("--nope",), "Fout: Onbekende optie '--nope'."),
        (("registrations", "lijst"), "Fout: Onbekende opdracht 'lijst'. Bedoelt u 'list'?"),
        (("registrations", "list", "--status", "x"), "Fout: Ongeldige waarde voor '--status'"),
        (("solve",), "Fout: Ontbrekend argument"),
    ],
    ids=["option", "command", "value", "argument"],
)
def test_a_usage_error_is_one_language_from_top_to_bottom(
    tmp_path: Path, args: tuple[str, ...], dutch: str
) -> None:
    """Click's own lines ("Usage:", "Try ... for help.", "Error: ...") follow --lang too."""
    url = f"sqlite:///{tmp_path / 'leertraject.db'}"
    done = run_cli(url, tmp_path, *args, expect=2)
    assert dutch in done.stderr and "Probeer 'leertraject" in done.stderr, done.stderr
    assert not re.search(r"\b(Usage|Try|Error|No such|Invalid|Missing)\b", done.stderr)
    english = run_cli(url, tmp_path, "--lang", "en", *args, expect=2).stderr
    assert "Error: " in english and "Try 'leertraject" in english, english
    assert not re.search(r"\b(Gebruik|Probeer|Fout|Onbekende|Ongeldige|Ontbrekend)\b", english)
