"""The published rule as an ordered list of levels, each minimised in turn.

1. `unassigned`: participants left without a theme (fewest first).
1b. `outside_list`: participants placed in a theme outside their own list (fewest first), so
   nobody is placed outside their list while an assignment with everyone inside exists. Only
   with the order `inside-first` (the default); `ranks-first` leaves it out and an unlisted
   theme only counts as rank U below.
2. `moved`: participants of a previous, published assignment whose theme changes (only when a
   previous assignment is given). It sits right after (1): a re-run must not trade a
   published seat for a better profile, but it may move someone to seat one more participant.
3. rank-maximal: `rank>=2`, `rank>=3`, ..., `rank>=U` -- the number of participants placed at
   rank j or worse. With the number assigned fixed by (1), minimising these in turn is
   maximising first choices, then second choices, and so on. U is the rank of a theme outside
   a participant's list: after the longest list. With `sum-of-ranks` one level `rank_sum`.
4. `score_shortfall`: the sum of (3 - fit score), i.e. the highest total fit score.
5. `tiebreak`: a seeded hash of (class, theme); it only separates solutions equal on 1-4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.assignment.classes import MOVED_SHIFT, RANK_SHIFT, SCORE_SHIFT, THEME_BITS, Classes
from core.assignment.model import MAX_SCORE, Instance

TIEBREAK_BITS = 20


@dataclass(frozen=True, slots=True)
class Level:
    name: str
    kind: str  # unassigned | moved | rank_at_least | rank_sum | score | tiebreak
    param: int
    unassigned_index: int

    def values(self, codes: np.ndarray) -> np.ndarray:
        """This level's cost of one unit on each arc code (int64; not for `tiebreak`)."""
        assigned = (codes & THEME_BITS) != self.unassigned_index
        rank = (codes >> RANK_SHIFT) & THEME_BITS
        if self.kind == "unassigned":
            out = ~assigned
        elif self.kind == "moved":
            out = (codes >> MOVED_SHIFT) & 1
        elif self.kind == "rank_at_least":
            out = assigned & (rank >= self.param)
        elif self.kind == "rank_sum":
            out = rank
        elif self.kind == "score":
            out = np.where(assigned, MAX_SCORE - ((codes >> SCORE_SHIFT) & 0x3), 0)
        else:
            raise ValueError(f"level {self.name} has no per-arc value")
        values: np.ndarray = out.astype(np.int64)
        return values


def make_levels(instance: Instance, classes: Classes) -> tuple[Level, ...]:
    u = classes.num_themes

    def level(name: str, kind: str, param: int = 0) -> Level:
        return Level(name, kind, param, u)

    levels = [level("unassigned", "unassigned")]
    inside_first = instance.order == "inside-first"
    if inside_first:
        levels.append(level("outside_list", "rank_at_least", classes.unranked))
    if any(p.id in instance.previous for p in instance.participants):
        levels.append(level("moved", "moved"))
    if instance.objective == "rank-maximal":
        # With `outside_list` already minimised, rank>=U would repeat it.
        last = classes.unranked if inside_first else classes.unranked + 1
        levels += [level(f"rank>={j}", "rank_at_least", j) for j in range(2, last)]
    else:
        levels.append(level("rank_sum", "rank_sum"))
    levels += [level("score_shortfall", "score"), level("tiebreak", "tiebreak")]
    return tuple(levels)


def unit_max(level: Level, codes: set[int]) -> int:
    """The largest cost of one unit on this level over the given arc codes."""
    if level.kind == "tiebreak":
        return (1 << TIEBREAK_BITS) - 1
    if not codes:
        return 0
    return int(level.values(np.fromiter(codes, dtype=np.int64, count=len(codes))).max())
