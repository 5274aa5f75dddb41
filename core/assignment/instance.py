"""The stand-alone JSON contract: dicts in, dicts out (no files: callers read and write).

Input: {"themes": [{"id", "min_size", "max_size", "max_groups"}],
        "participants": [{"id", "preferences", "scores", "pin", "exclude", "province"?}],
        "objective": "rank-maximal" | "sum-of-ranks", "allow_unranked": true, "seed": 0,
        "previous"?: {participant id: theme id}, "time_limit_seconds"?: number,
        "order"?: "inside-first" (default) | "ranks-first" (the old rule, see docs)}
Output: see `codec.solution_to_dict`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from core.assignment.codec import solution_to_dict
from core.assignment.model import (
    OBJECTIVES,
    ORDERS,
    Instance,
    InvalidInstance,
    Participant,
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


_INT = {int}
_NO_THEMES: frozenset[int] = frozenset()


def _ints(values: object, pid: str, what: str) -> tuple[int, ...]:
    if type(values) is list and (not values or {*map(type, values)} == _INT):
        return tuple(values)  # the usual case, checked without a Python loop
    where = f"participant {pid!r}"
    items = _list(values, f"{where}: {what}")
    for value in items:
        if type(value) is not int:  # bool is not a theme id either
            raise InvalidInstance(f"{where}: {what} must be an integer, not {value!r}")
    return tuple(items)


def _scores(raw: object, pid: str) -> dict[int, int]:
    where = f"participant {pid!r}"
    scores: dict[int, int] = {}
    for key, value in _dict(raw, f"{where}: scores").items():
        try:
            theme = int(str(key))
        except ValueError:
            raise InvalidInstance(f"{where}: score key {key!r} is not a theme id") from None
        scores[theme] = _int(value, f"{where}: score for theme {key}")
    return scores


def _participant(raw: object, i: int) -> Participant:
    # Messages are only formatted for what is wrong: this runs once per participant.
    data = raw if type(raw) is dict else _dict(raw, f"participants[{i}]")
    if "id" not in data:
        raise InvalidInstance(f"participants[{i}]: missing field 'id'")
    pid = data["id"]
    if type(pid) is not str:
        pid = _str(pid, f"participants[{i}].id")
    if not data.keys() <= PARTICIPANT_KEYS or "preferences" not in data:
        _keys(data, PARTICIPANT_KEYS, {"id", "preferences"}, f"participant {pid!r}")
    get = data.get
    scores, pin, exclude, province = get("scores"), get("pin"), get("exclude"), get("province")
    return Participant(
        id=pid,
        preferences=_ints(data["preferences"], pid, "preference"),
        scores={} if scores is None or scores == {} else _scores(scores, pid),
        pin=None if pin is None else _int(pin, f"participant {pid!r}: pin"),
        exclude=_NO_THEMES
        if exclude is None or exclude == []
        else frozenset(_ints(exclude, pid, "exclude")),
        province=None if province is None else _str(province, f"participant {pid!r}: province"),
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


def canonical(instance: Instance) -> str:
    """The instance as canonical JSON text: rows sorted by id, defaults filled in, keys
    sorted, no spaces, ASCII only (what `json.dumps(..., sort_keys=True, separators=(",",
    ":"))` writes for it). The time limit is left out: it is a setting of the run, not part of
    the problem. Written row by row with format strings: building a dict per participant and
    sorting its keys took longer than the hash at 100,000 participants."""
    themes = ",".join(
        f'{{"id":{t.id},"max_groups":{t.max_groups},"max_size":{t.max_size},'
        f'"min_size":{t.min_size}}}'
        for t in sorted(instance.themes, key=lambda t: t.id)
    )
    lists: dict[tuple[int, ...], str] = {}

    def ints(values: tuple[int, ...]) -> str:
        text = lists.get(values)
        if text is None:
            text = lists[values] = "[" + ",".join(map(str, values)) + "]"
        return text

    rows = ",".join(
        f'{{"exclude":{ints(tuple(sorted(p.exclude))) if p.exclude else "[]"},'
        f'"id":{_ascii(p.id)},'
        f'"pin":{_null(p.pin)},"preferences":{ints(p.preferences)},'
        f'"province":{"null" if p.province is None else _ascii(p.province)},'
        f'"scores":{_scores_text(p.scores)}}}'
        for p in sorted(instance.participants, key=lambda p: p.id)
    )
    previous = ",".join(f"{_ascii(k)}:{v}" for k, v in sorted(instance.previous.items()))
    return (
        f'{{"allow_unranked":{"true" if instance.allow_unranked else "false"},'
        f'"objective":{_ascii(instance.objective)},"order":{_ascii(instance.order)},'
        f'"participants":[{rows}],"previous":{{{previous}}},"seed":{instance.seed},'
        f'"themes":[{themes}]}}'
    )


_ascii: Callable[[str], str] = json.encoder.encode_basestring_ascii


def _null(value: int | None) -> str:
    return "null" if value is None else str(value)


def _scores_text(scores: Mapping[int, int]) -> str:
    if not scores:
        return "{}"
    pairs = sorted((str(k), v) for k, v in scores.items())
    return "{" + ",".join(f'"{k}":{v}' for k, v in pairs) + "}"


def input_hash(instance: Instance) -> str:
    return hashlib.sha256(canonical(instance).encode("ascii")).hexdigest()


def solve_dict(raw: object) -> dict[str, Any]:
    """Parse, solve and serialise; raises InvalidInstance for invalid input."""
    instance = parse_instance(raw)
    out = solution_to_dict(solve(instance))
    out["input_hash"] = input_hash(instance)
    return out
