"""`leertraject solve` through click's test runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from app.commands.solve import solve_command

INSTANCE: dict[str, Any] = {
    "themes": [
        {"id": 1, "min_size": 2, "max_size": 3, "max_groups": 2},
        {"id": 2, "min_size": 2, "max_size": 3, "max_groups": 1},
    ],
    "participants": [
        {"id": f"4400{i}", "preferences": [1, 2], "scores": {}, "pin": None, "exclude": []}
        for i in range(7)
    ],
    "objective": "rank-maximal",
    "allow_unranked": True,
    "seed": 0,
}


def write(tmp_path: Path, data: object) -> str:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return str(path)


def test_json_output(tmp_path: Path) -> None:
    result = CliRunner().invoke(solve_command, [write(tmp_path, INSTANCE), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["status"] == "optimal"
    assert len(out["assignments"]) == 7 and out["unassigned"] == []
    assert out["profile"] == [5, 2, 0]  # six in theme 1 would leave theme 2 below its minimum
    assert set(out["assignments"][0]) == {"participant", "theme", "group", "rank"}


def test_stdin_and_human_summary() -> None:
    result = CliRunner().invoke(solve_command, ["-"], input=json.dumps(INSTANCE))
    assert result.exit_code == 0, result.output
    assert "optimal" in result.output
    assert "profile" in result.output and "groups per theme" in result.output


def test_infeasible_is_an_answer(tmp_path: Path) -> None:
    data = json.loads(json.dumps(INSTANCE))
    for p in data["participants"]:
        p["pin"] = 2
    result = CliRunner().invoke(solve_command, [write(tmp_path, data), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["status"] == "infeasible"


def test_invalid_instance_exits_1_with_a_message(tmp_path: Path) -> None:
    data = json.loads(json.dumps(INSTANCE))
    data["participants"][0]["preferences"] = [1, 99]
    result = CliRunner().invoke(solve_command, [write(tmp_path, data), "--json"])
    assert result.exit_code == 1
    assert "unknown theme 99" in result.output
    assert "Traceback" not in result.output


def test_unreadable_or_broken_file_exits_1(tmp_path: Path) -> None:
    missing = CliRunner().invoke(solve_command, [str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "nope.json" in missing.output  # a usage error
    broken = CliRunner().invoke(solve_command, [write(tmp_path, "{not json")])
    assert broken.exit_code == 1 and "geen geldige JSON" in broken.output  # staff read Dutch


def test_usage_error_exits_2() -> None:
    assert CliRunner().invoke(solve_command, []).exit_code == 2
