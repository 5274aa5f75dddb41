"""The house rules that a reader of core relies on: core does no I/O (the import-linter
contracts in pyproject.toml hold, and a module that breaks them is caught), and nothing in
core imports inside a function (an import cycle dodged that way is a cycle still)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOMS = ("core", "storage", "mail", "bot", "web", "app")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def _copy_of_the_tree(target: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    for room in ROOMS:
        shutil.copytree(ROOT / room, target / room, ignore=shutil.ignore_patterns("*.pyc", "*.po"))
    return target


def test_the_layering_check_passes_on_the_tree_and_fails_on_a_core_module_doing_io(
    tmp_path: Path,
) -> None:
    tree = _copy_of_the_tree(tmp_path)
    clean = _lint_imports(tree)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    (tree / "core" / "leaky.py").write_text("import logging\n\nlog = logging.getLogger(__name__)\n")
    (tree / "mail" / "sideways.py").write_text("from bot import limits\n\nLIMITS = limits\n")
    broken = _lint_imports(tree)
    assert broken.returncode != 0
    assert "core.leaky -> logging" in broken.stdout
    assert "mail.sideways -> bot.limits" in broken.stdout


def _hidden_imports(source: str) -> list[str]:
    """ "function:line" of every import inside a function (or a method) of a module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    found.append(f"{node.name}:{inner.lineno}")
    return found


def test_no_module_in_core_imports_inside_a_function() -> None:
    found = {
        str(path.relative_to(ROOT)): hidden
        for path in sorted((ROOT / "core").rglob("*.py"))
        if (hidden := _hidden_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_import_check_sees_an_import_hidden_in_a_method() -> None:
    source = "class Step:\n    def later(self) -> None:\n        from core import themes\n"
    assert _hidden_imports(source) == ["later:3"]
    assert _hidden_imports("from core import themes\n") == []
