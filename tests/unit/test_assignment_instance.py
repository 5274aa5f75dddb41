"""The JSON contract: what goes in, what comes out, and clear errors for bad input."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from core.assignment import InvalidInstance, parse_instance, solve_dict


def base() -> dict[str, Any]:
    return {
        "themes": [
            {"id": 1, "min_size": 1, "max_size": 2, "max_groups": 1},
            {"id": 2, "min_size": 1, "max_size": 2, "max_groups": 2},
        ],
        "participants": [
            {"id": "11001", "preferences": [1, 2], "scores": {"1": 2}, "pin": None, "exclude": []},
            {"id": "11002", "preferences": [1, 2], "scores": {}, "pin": None, "exclude": [1]},
            {"id": "11004", "preferences": [2], "scores": {}, "pin": 1, "exclude": []},
        ],
        "objective": "rank-maximal",
        "allow_unranked": True,
        "seed": 0,
    }


def test_output_has_the_contract_keys() -> None:
    out = solve_dict(base())
    for key in ("status", "assignments", "unassigned", "profile", "seconds", "input_hash"):
        assert key in out
    assert out["status"] == "optimal"
    assert {tuple(sorted(a)) for a in out["assignments"]} == {
        ("group", "participant", "rank", "theme")
    }
    assert {a["participant"]: (a["theme"], a["group"], a["rank"]) for a in out["assignments"]} == {
        "11001": (1, "A", 1),
        "11002": (2, "A", 2),
        "11004": (1, "A", None),
    }
    assert out["unassigned"] == []
    assert out["profile"] == [1, 1, 1]
    assert len(out["input_hash"]) == 64
    json.dumps(out)  # plain JSON all the way down


def test_optional_fields_and_previous() -> None:
    data = base()
    for p in data["participants"]:
        del p["scores"], p["pin"], p["exclude"]
    del data["objective"], data["allow_unranked"], data["seed"]
    data["previous"] = {"11002": 2}
    data["participants"][0]["province"] = "Limburg"
    data["time_limit_seconds"] = 5
    out = solve_dict(data)
    assert out["status"] == "optimal"
    assert out["objective"]["moved"] == 0


def test_input_hash_ignores_row_order() -> None:
    data = base()
    other = copy.deepcopy(data)
    other["participants"].reverse()
    other["themes"].reverse()
    assert solve_dict(data)["input_hash"] == solve_dict(other)["input_hash"]


def mutate(path: str, value: object) -> dict[str, Any]:
    data = base()
    target: Any = data
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is KeyError:
        del target[int(last) if last.isdigit() else last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("participants.0.preferences", [1, 13], "participant '11001': unknown theme 13"),
        ("participants.1.id", "11001", "participant '11001' appears more than once"),
        ("participants.0.scores", {"1": 4}, "participant '11001': score 4 for theme 1"),
        ("participants.0.scores", {"x": 1}, "score key 'x' is not a theme id"),
        ("themes.0.min_size", 3, "theme 1: min_size 3 is larger than max_size 2"),
        ("themes.1.id", 1, "theme 1 appears more than once"),
        ("participants.0.preferences", [1, 1], "a theme appears twice in preferences"),
        ("participants.0.pin", 9, "participant '11001': unknown theme 9 in pin"),
        ("participants.2.exclude", [1], "pinned to theme 1, which is also excluded"),
        ("participants.0.exclude", ["1"], "participant '11001': exclude must be an integer"),
        ("participants.0.id", 11001, "participants[0].id must be a string"),
        ("participants.0.preferences", KeyError, "participant '11001': missing field"),
        ("participants.0.prefs", [1], "unknown field 'prefs'"),
        ("themes.0.max_groups", True, "theme 1: max_groups must be an integer"),
        ("objective", "fair", "objective 'fair' is not one of"),
        ("allow_unranked", "yes", "allow_unranked must be true or false"),
        ("previous", {"11001": 7}, "previous assignment of '11001': unknown theme 7"),
        ("time_limit_seconds", 0, "time_limit_seconds must be positive"),
        ("themes", KeyError, "missing field 'themes'"),
    ],
)
def test_invalid_input_names_the_offending_item(path: str, value: object, message: str) -> None:
    with pytest.raises(InvalidInstance, match=re.escape(message)):
        parse_instance(mutate(path, value))


def test_invalid_instance_is_a_value_error() -> None:
    assert issubclass(InvalidInstance, ValueError)
    with pytest.raises(ValueError):
        parse_instance([])


def test_infeasible_output_keeps_the_shape() -> None:
    data = base()
    for p in data["participants"]:
        p["pin"] = 1
        p["exclude"] = []
    out = solve_dict(data)
    assert out["status"] == "infeasible"
    assert out["assignments"] == [] and out["unassigned"] == []
    assert out["profile"] == [0, 0, 0]
