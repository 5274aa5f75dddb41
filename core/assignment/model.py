"""The assignment problem and its answer as plain, typed values.

Everything here is independent of how the problem is solved; `instance.py` turns JSON dicts
into these values (and back), `solver.py` turns an `Instance` into a `Solution`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Objective = Literal["rank-maximal", "sum-of-ranks"]
# Where "outside the participant's own list" sits in the rule: `inside-first` (the published
# rule) right after "most placed"; `ranks-first` (the old order, only on explicit request)
# counts an unlisted theme as one rank after the last and nothing more.
Order = Literal["inside-first", "ranks-first"]
Status = Literal["optimal", "feasible", "infeasible"]
OBJECTIVES: tuple[Objective, ...] = ("rank-maximal", "sum-of-ranks")
ORDERS: tuple[Order, ...] = ("inside-first", "ranks-first")
MAX_SCORE = 3
MAX_THEMES = 4094  # what the solver's arc codes hold (classes.py)


class InvalidInstance(ValueError):
    """The input is not a valid assignment problem; the message names the offending item."""


@dataclass(frozen=True, slots=True)
class Theme:
    id: int
    min_size: int
    max_size: int
    max_groups: int

    @property
    def capacity(self) -> int:
        return self.max_size * self.max_groups


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    preferences: tuple[int, ...]
    scores: Mapping[int, int] = field(default_factory=dict)
    pin: int | None = None
    exclude: frozenset[int] = frozenset()
    province: str | None = None

    def rank_of(self, theme: int) -> int | None:
        """1-based position of `theme` in the preferences, None when it is not listed."""
        try:
            return self.preferences.index(theme) + 1
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Instance:
    themes: tuple[Theme, ...]
    participants: tuple[Participant, ...]
    objective: Objective = "rank-maximal"
    allow_unranked: bool = True
    seed: int = 0
    previous: Mapping[str, int] = field(default_factory=dict)
    time_limit_seconds: float | None = None
    order: Order = "inside-first"

    def __post_init__(self) -> None:
        validate(self)

    @property
    def max_list_length(self) -> int:
        return max((len(p.preferences) for p in self.participants), default=0)


def validate(instance: Instance) -> None:
    """Raise InvalidInstance naming the first offending item."""
    if instance.objective not in OBJECTIVES:
        raise InvalidInstance(
            f"objective {instance.objective!r} is not one of {', '.join(OBJECTIVES)}"
        )
    if instance.order not in ORDERS:
        raise InvalidInstance(f"order {instance.order!r} is not one of {', '.join(ORDERS)}")
    if instance.time_limit_seconds is not None and not instance.time_limit_seconds > 0:
        raise InvalidInstance("time_limit_seconds must be positive")
    if len(instance.themes) > MAX_THEMES:
        raise InvalidInstance(f"{len(instance.themes)} themes: at most {MAX_THEMES} are supported")
    theme_ids: set[int] = set()
    for theme in instance.themes:
        _validate_theme(theme, theme_ids)
        theme_ids.add(theme.id)
    seen: set[str] = set()
    for person in instance.participants:
        if person.id in seen:
            raise InvalidInstance(f"participant {person.id!r} appears more than once")
        seen.add(person.id)
        _validate_participant(person, theme_ids)
    for pid, theme_id in instance.previous.items():
        if theme_id not in theme_ids:
            raise InvalidInstance(f"previous assignment of {pid!r}: unknown theme {theme_id}")


def _validate_theme(theme: Theme, known: set[int]) -> None:
    name = f"theme {theme.id}"
    if theme.id in known:
        raise InvalidInstance(f"{name} appears more than once")
    if theme.min_size < 0:
        raise InvalidInstance(f"{name}: min_size {theme.min_size} is negative")
    if theme.max_size < 1:
        raise InvalidInstance(f"{name}: max_size {theme.max_size} must be at least 1")
    if theme.min_size > theme.max_size:
        raise InvalidInstance(
            f"{name}: min_size {theme.min_size} is larger than max_size {theme.max_size}"
        )
    if theme.max_groups < 0:
        raise InvalidInstance(f"{name}: max_groups {theme.max_groups} is negative")


def _valid(person: Participant, themes: set[int]) -> bool:
    """The usual case, checked quickly; `_validate_participant` finds what is wrong."""
    preferences, scores, pin = person.preferences, person.scores, person.pin
    return (
        bool(person.id)
        and len(set(preferences)) == len(preferences)
        and themes.issuperset(preferences)
        and themes.issuperset(person.exclude)
        and themes.issuperset(scores)
        and all(0 <= score <= MAX_SCORE for score in scores.values())
        and (pin is None or (pin in themes and pin not in person.exclude))
    )


def _validate_participant(person: Participant, themes: set[int]) -> None:
    if _valid(person, themes):
        return
    name = f"participant {person.id!r}"
    if not person.id:
        raise InvalidInstance("a participant has an empty id")
    if len(set(person.preferences)) != len(person.preferences):
        raise InvalidInstance(f"{name}: a theme appears twice in preferences")
    for what, ids in (
        ("preferences", person.preferences),
        ("exclude", tuple(sorted(person.exclude))),
        ("scores", tuple(sorted(person.scores))),
    ):
        for theme_id in ids:
            if theme_id not in themes:
                raise InvalidInstance(f"{name}: unknown theme {theme_id} in {what}")
    for theme_id, score in person.scores.items():
        if not 0 <= score <= MAX_SCORE:
            raise InvalidInstance(
                f"{name}: score {score} for theme {theme_id} is outside 0-{MAX_SCORE}"
            )
    if person.pin is not None:
        if person.pin not in themes:
            raise InvalidInstance(f"{name}: unknown theme {person.pin} in pin")
        if person.pin in person.exclude:
            raise InvalidInstance(f"{name}: pinned to theme {person.pin}, which is also excluded")


# ---- the answer ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assignment:
    participant: str
    theme: int
    group: str
    rank: int | None


@dataclass(frozen=True, slots=True)
class Unassigned:
    participant: str
    reason: str  # "no_allowed_theme" | "no_room"


@dataclass(frozen=True, slots=True)
class WhyNot:
    """Why a participant did not get a theme it ranked higher than the one it got."""

    theme: int
    rank: int
    code: str
    details: Mapping[str, int | bool | dict[str, int] | list[int] | None]


@dataclass(frozen=True, slots=True)
class Explanation:
    participant: str
    theme: int | None
    rank: int | None
    pinned: bool
    kept_from_previous: bool
    why_not: tuple[WhyNot, ...]


@dataclass(frozen=True, slots=True)
class Group:
    theme: int
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Gap:
    """Where a time-limited answer may still be improved: the first objective level at
    which the best proven bound and the answer differ."""

    level: str
    answer: int
    bound: int


@dataclass(frozen=True, slots=True)
class Solution:
    status: Status
    assignments: tuple[Assignment, ...]
    unassigned: tuple[Unassigned, ...]
    profile: tuple[int, ...]
    objective: Mapping[str, int]
    groups: tuple[Group, ...]
    explanations: tuple[Explanation, ...]
    moved: tuple[tuple[str, int, int | None], ...]
    gap: Gap | None
    seconds: float
    stats: Mapping[str, int]

    def explained(self) -> dict[str, Explanation]:
        """Participant id -> its explanation."""
        return {e.participant: e for e in self.explanations}


@dataclass(frozen=True, slots=True)
class RunResult:
    """A stored run's answer with the rule it was computed under and the lists it read."""

    solution: Solution
    objective_rule: Objective = "rank-maximal"
    order: Order = "inside-first"
    allow_unranked: bool = True
    preferences: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def placed(self) -> int:
        return len(self.solution.assignments)

    @property
    def participants(self) -> int:
        return len(self.solution.assignments) + len(self.solution.unassigned)

    def theme_of(self) -> dict[str, int]:
        """Participant id -> the theme it was given (placed participants only)."""
        return {a.participant: a.theme for a in self.solution.assignments}
