"""The stand-alone JSON contract: dicts in, dicts out (no files: callers read and write).

Input: {"themes": [{"id", "min_size", "max_size", "max_groups"}],
        "participants": [{"id", "preferences", "scores", "pin", "exclude", "province"?}],
        "objective": "rank-maximal" | "sum-of-ranks", "allow_unranked": true, "seed": 0,
        "previous"?: {participant id: theme id}, "time_limit_seconds"?: number,
        "order"?: "inside-first" (default) | "ranks-first" (the old rule, see docs)}
Output: see `solution_to_dict`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from core.assignment.model import (
    OBJECTIVES,
    ORDERS,
    Instance,
    InvalidInstance,
    Participant,
    Solution,
    Theme,
)
from core.assignment.solver import solve

T = TypeVar("T")

TOP_KEYS = {
    "themes",
    "participants",
    "objective",
    "allow_unranked",
    "seed",
    "previous",
    "time_limit_seconds",
    "order",
}
THEME_KEYS = {"id", "min_size", "max_size", "max_groups"}
PARTICIPANT_KEYS = {"id", "preferences", "scores", "pin", "exclude", "province"}


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInstance(f"{where} must be an integer, not {value!r}")
    return value


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidInstance(f"{where} must be a string, not {value!r}")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidInstance(f"{where} must be a list")
    return value


def _dict(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInstance(f"{where} must be an object")
    return value


def _keys(data: Mapping[str, object], allowed: set[str], required: set[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise InvalidInstance(f"{where}: unknown field {key!r}")
    for key in sorted(required):
        if key not in data:
            raise InvalidInstance(f"{where}: missing field {key!r}")


def _optional(data: Mapping[str, object], key: str, read: Callable[[object], T]) -> T | None:
    value = data.get(key)
    return None if value is None else read(value)


def _theme(raw: object, i: int) -> Theme:
    data = _dict(raw, f"themes[{i}]")
    where = f"theme {data.get('id', f'#{i}')!r}"
    _keys(data, THEME_KEYS, THEME_KEYS, where)
    return Theme(
        *(_int(data[k], f"{where}: {k}") for k in ("id", "min_size", "max_size", "max_groups"))
    )


def _ints(values: object, where: str, what: str) -> list[int]:
    items = _list(values, f"{where}: {what}")
    for value in items:
        if type(value) is not int:  # bool is not a theme id either
            raise InvalidInstance(f"{where}: {what} must be an integer, not {value!r}")
    return items


def _scores(raw: object, where: str) -> dict[int, int]:
    scores: dict[int, int] = {}
    for key, value in _dict(raw, f"{where}: scores").items():
        try:
            theme = int(str(key))
        except ValueError:
            raise InvalidInstance(f"{where}: score key {key!r} is not a theme id") from None
        scores[theme] = _int(value, f"{where}: score for theme {key}")
    return scores


def _participant(raw: object, i: int) -> Participant:
    data = _dict(raw, f"participants[{i}]")
    if "id" not in data:
        raise InvalidInstance(f"participants[{i}]: missing field 'id'")
    pid = _str(data["id"], f"participants[{i}].id")
    if not data.keys() <= PARTICIPANT_KEYS or "preferences" not in data:
        _keys(data, PARTICIPANT_KEYS, {"id", "preferences"}, f"participant {pid!r}")
    scores, pin, exclude, province = (data.get(k) for k in ("scores", "pin", "exclude", "province"))
    where = f"participant {pid!r}"
    return Participant(
        id=pid,
        preferences=tuple(_ints(data["preferences"], where, "preference")),
        scores=_scores(scores, where) if scores is not None else {},
        pin=None if pin is None else _int(pin, f"{where}: pin"),
        exclude=frozenset(_ints(exclude, where, "exclude")) if exclude is not None else frozenset(),
        province=None if province is None else _str(province, f"{where}: province"),
    )


def parse_instance(raw: object) -> Instance:
    """A validated Instance from the JSON contract; InvalidInstance names what is wrong."""
    data = _dict(raw, "the instance")
    _keys(data, TOP_KEYS, {"themes", "participants"}, "the instance")
    themes = tuple(_theme(t, i) for i, t in enumerate(_list(data["themes"], "themes")))
    people = _list(data["participants"], "participants")
    participants = tuple(_participant(p, i) for i, p in enumerate(people))
    objective = data.get("objective", "rank-maximal")
    if objective not in OBJECTIVES:
        raise InvalidInstance(f"objective {objective!r} is not one of {', '.join(OBJECTIVES)}")
    allow = data.get("allow_unranked", True)
    if not isinstance(allow, bool):
        raise InvalidInstance(f"allow_unranked must be true or false, not {allow!r}")
    previous = {
        _str(pid, "previous: participant id"): _int(t, f"previous assignment of {pid!r}")
        for pid, t in (_optional(data, "previous", lambda v: _dict(v, "previous")) or {}).items()
    }
    order = data.get("order", "inside-first")
    if order not in ORDERS:
        raise InvalidInstance(f"order {order!r} is not one of {', '.join(ORDERS)}")
    limit = data.get("time_limit_seconds")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int | float)):
        raise InvalidInstance(f"time_limit_seconds must be a number, not {limit!r}")
    return Instance(
        themes=themes,
        participants=participants,
        objective=objective,
        allow_unranked=allow,
        seed=_int(data.get("seed", 0), "seed"),
        previous=previous,
        time_limit_seconds=float(limit) if limit is not None else None,
        order=order,
    )


def canonical(instance: Instance) -> dict[str, Any]:
    """The instance in a canonical form: rows sorted by id, defaults filled in. The time
    limit is left out: it is a setting of the run, not part of the problem."""
    return {
        "themes": [
            {"id": t.id, "min_size": t.min_size, "max_size": t.max_size, "max_groups": t.max_groups}
            for t in sorted(instance.themes, key=lambda t: t.id)
        ],
        "participants": [
            {
                "id": p.id,
                "preferences": list(p.preferences),
                "scores": {str(k): v for k, v in sorted(p.scores.items())},
                "pin": p.pin,
                "exclude": sorted(p.exclude),
                "province": p.province,
            }
            for p in sorted(instance.participants, key=lambda p: p.id)
        ],
        "objective": instance.objective,
        "allow_unranked": instance.allow_unranked,
        "seed": instance.seed,
        "previous": dict(sorted(instance.previous.items())),
        "order": instance.order,
    }


def input_hash(instance: Instance) -> str:
    text = json.dumps(canonical(instance), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def solution_to_dict(solution: Solution) -> dict[str, Any]:
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
        "gap": None
        if solution.gap is None
        else {
            "level": solution.gap.level,
            "answer": solution.gap.answer,
            "bound": solution.gap.bound,
        },
        "objective": dict(solution.objective),
        "groups": [
            {"theme": g.theme, "group": g.name, "size": len(g.members)} for g in solution.groups
        ],
        "moved": [{"participant": p, "from": a, "to": b} for p, a, b in solution.moved],
        "explanations": [
            {
                "participant": e.participant,
                "theme": e.theme,
                "rank": e.rank,
                "pinned": e.pinned,
                "kept_from_previous": e.kept_from_previous,
                "why_not": [
                    {**w.details, "theme": w.theme, "rank": w.rank, "code": w.code}
                    for w in e.why_not
                ],
            }
            for e in solution.explanations
        ],
        "stats": dict(solution.stats),
    }


def solve_dict(raw: object) -> dict[str, Any]:
    """Parse, solve and serialise; raises InvalidInstance for invalid input."""
    instance = parse_instance(raw)
    out = solution_to_dict(solve(instance))
    out["input_hash"] = input_hash(instance)
    return out
