"""The solver's answer as JSON-ready values and back: used only at the edges (the `solve`
command's output, the stored run in storage/). Everywhere else the answer is typed
(`Solution`, `RunResult` in model.py).

The layout is the `leertraject solve --json` contract and the stored runs' format; keys and
their order must not change (tests/e2e/test_solve_golden.py compares the bytes).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, cast

from core.assignment.model import (
    Assignment,
    Explanation,
    Gap,
    Group,
    RunResult,
    Solution,
    Status,
    Unassigned,
    WhyNot,
)

_WHY_NOT_OWN = ("theme", "rank", "code")


def _why_not(w: WhyNot) -> dict[str, Any]:
    return {**w.details, "theme": w.theme, "rank": w.rank, "code": w.code}


def _explanation(e: Explanation) -> dict[str, Any]:
    return {
        "participant": e.participant,
        "theme": e.theme,
        "rank": e.rank,
        "pinned": e.pinned,
        "kept_from_previous": e.kept_from_previous,
        "why_not": [_why_not(w) for w in e.why_not],
    }


def _gap(gap: Gap | None) -> dict[str, Any] | None:
    return None if gap is None else {"level": gap.level, "answer": gap.answer, "bound": gap.bound}


def _groups(solution: Solution) -> list[dict[str, Any]]:
    return [{"theme": g.theme, "group": g.name, "size": len(g.members)} for g in solution.groups]


def _moved(solution: Solution) -> list[dict[str, Any]]:
    return [{"participant": p, "from": a, "to": b} for p, a, b in solution.moved]


def solution_to_dict(solution: Solution) -> dict[str, Any]:
    """The answer as the JSON contract of `solve --json` (without `input_hash`)."""
    return {
        "status": solution.status,
        "assignments": [
            {"participant": a.participant, "theme": a.theme, "group": a.group, "rank": a.rank}
            for a in solution.assignments
        ],
        "unassigned": [
            {"participant": u.participant, "reason": u.reason} for u in solution.unassigned
        ],
        "profile": list(solution.profile),
        "seconds": round(solution.seconds, 4),
        "gap": _gap(solution.gap),
        "objective": dict(solution.objective),
        "groups": _groups(solution),
        "moved": _moved(solution),
        "explanations": [_explanation(e) for e in solution.explanations],
        "stats": dict(solution.stats),
    }


def answer_json(solution: Solution, input_hash: str) -> str:
    """The text `solve --json` prints: exactly `json.dumps(solution_to_dict(solution) |
    {"input_hash": input_hash}, ensure_ascii=False, indent=2)` and a newline, but with the
    long per-participant lists written by format strings (json's indenting encoder is pure
    Python: at 100,000 participants it took longer than solving)."""
    parts = [
        ("status", _text(solution.status)),
        ("assignments", _list([_assignment(a) for a in solution.assignments], 1)),
        ("unassigned", _list([_unassigned(u) for u in solution.unassigned], 1)),
        ("profile", _nested(list(solution.profile), 1)),
        ("seconds", _nested(round(solution.seconds, 4), 1)),
        ("gap", _nested(_gap(solution.gap), 1)),
        ("objective", _nested(dict(solution.objective), 1)),
        (
            "groups",
            _nested(_groups(solution), 1),
        ),
        ("moved", _nested(_moved(solution), 1)),
        ("explanations", _list(_explanations(solution.explanations), 1)),
        ("stats", _nested(dict(solution.stats), 1)),
        ("input_hash", _text(input_hash)),
    ]
    return "{\n" + ",\n".join(f"  {_text(k)}: {v}" for k, v in parts) + "\n}\n"


_text: Callable[[str], str] = json.encoder.encode_basestring


def _scalar(value: int | None) -> str:
    return "null" if value is None else str(value)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _nested(value: object, depth: int) -> str:
    """A JSON value as json.dumps(indent=2) writes it `depth` levels in (strings never hold
    a raw newline, so every newline is an indent)."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * depth)


def _list(items: list[str], depth: int) -> str:
    if not items:
        return "[]"
    pad = "\n" + "  " * (depth + 1)
    return "[" + pad + ("," + pad).join(items) + "\n" + "  " * depth + "]"


def _assignment(a: Assignment) -> str:
    return (
        f'{{\n      "participant": {_text(a.participant)},\n      "theme": {a.theme},'
        f'\n      "group": {_text(a.group)},\n      "rank": {_scalar(a.rank)}\n    }}'
    )


def _unassigned(u: Unassigned) -> str:
    return (
        f'{{\n      "participant": {_text(u.participant)},'
        f'\n      "reason": {_text(u.reason)}\n    }}'
    )


def _explanations(explanations: tuple[Explanation, ...]) -> list[str]:
    # Participants alike share their WhyNot values (explain.py): each is written once.
    written: dict[int, str] = {}

    def text(w: WhyNot) -> str:
        found = written.get(id(w))
        if found is None:
            found = written[id(w)] = _nested(_why_not(w), 4)
        return found

    return [_explained(e, [text(w) for w in e.why_not]) for e in explanations]


def _explained(e: Explanation, why_not: list[str]) -> str:
    why = _list(why_not, 3)
    return (
        f'{{\n      "participant": {_text(e.participant)},\n      "theme": {_scalar(e.theme)},'
        f'\n      "rank": {_scalar(e.rank)},\n      "pinned": {_flag(e.pinned)},'
        f'\n      "kept_from_previous": {_flag(e.kept_from_previous)},'
        f'\n      "why_not": {why}\n    }}'
    )


def why_not_from_dict(data: Mapping[str, Any]) -> WhyNot:
    details = {k: v for k, v in data.items() if k not in _WHY_NOT_OWN}
    return WhyNot(theme=data["theme"], rank=data["rank"], code=data["code"], details=details)


def _explanation_from(data: Mapping[str, Any]) -> Explanation:
    return Explanation(
        participant=data["participant"],
        theme=data["theme"],
        rank=data["rank"],
        pinned=data["pinned"],
        kept_from_previous=data["kept_from_previous"],
        why_not=tuple(why_not_from_dict(w) for w in data["why_not"]),
    )


def solution_from_dict(data: Mapping[str, Any]) -> Solution:
    """The inverse of `solution_to_dict`; a group's members come from the assignments."""
    assignments = tuple(
        Assignment(a["participant"], a["theme"], a["group"], a.get("rank"))
        for a in data.get("assignments", [])
    )
    members: dict[tuple[int, str], list[str]] = {}
    for a in assignments:
        members.setdefault((a.theme, a.group), []).append(a.participant)
    gap = data.get("gap")
    return Solution(
        status=cast(Status, data["status"]),
        assignments=assignments,
        unassigned=tuple(
            Unassigned(u["participant"], u["reason"]) for u in data.get("unassigned", [])
        ),
        profile=tuple(data.get("profile", ())),
        objective=dict(data.get("objective", {})),
        groups=tuple(
            Group(g["theme"], g["group"], tuple(sorted(members.get((g["theme"], g["group"]), []))))
            for g in data.get("groups", [])
        ),
        explanations=tuple(_explanation_from(e) for e in data.get("explanations", [])),
        moved=tuple((m["participant"], m["from"], m["to"]) for m in data.get("moved", [])),
        gap=None if gap is None else Gap(gap["level"], gap["answer"], gap["bound"]),
        seconds=float(data.get("seconds", 0.0)),
        stats=dict(data.get("stats", {})),
    )


def result_to_dict(result: RunResult) -> dict[str, Any]:
    """A stored run's result: the answer and the rule it was computed under."""
    out = solution_to_dict(result.solution)
    out["objective_rule"] = result.objective_rule
    out["order"] = result.order
    out["allow_unranked"] = result.allow_unranked
    out["preferences"] = {pid: list(prefs) for pid, prefs in result.preferences.items()}
    return out


def result_from_dict(data: Mapping[str, Any]) -> RunResult:
    return RunResult(
        solution=solution_from_dict(data),
        objective_rule=data.get("objective_rule", "rank-maximal"),
        order=data.get("order", "inside-first"),
        allow_unranked=bool(data.get("allow_unranked", True)),
        preferences={pid: tuple(p) for pid, p in data.get("preferences", {}).items()},
    )
