"""A house rule no tool checks: nothing in core imports inside a function (an import cycle
dodged that way is a cycle still; the chat's steps reach each other through
core/conversation/routes.py). The layering itself is tests/e2e/test_tooling.py's."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
