"""Which theme totals can be split into valid groups.

A theme with `max_groups` G opens k groups (1 <= k <= G) of `min_size`..`max_size` members, so
its total must lie in {0} or in one of the intervals [k*min, k*max]. The intervals overlap once
k*max + 1 >= (k+1)*min; with max >= 2*min - 1 that is from k = 1 on, and only "open or
closed" is a real choice.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from core.assignment.model import Theme


@dataclass(frozen=True, slots=True)
class SizeRule:
    min_size: int
    max_size: int
    intervals: tuple[tuple[int, int], ...]  # disjoint, ascending, the first is (0, 0) or (0, b)

    @property
    def capacity(self) -> int:
        return self.intervals[-1][1]

    def _index(self, total: int) -> int:
        """Index of the last interval starting at or below `total`."""
        return bisect_right(self.intervals, (total, self.capacity + 1)) - 1

    def valid(self, total: int) -> bool:
        i = self._index(total)
        return i >= 0 and self.intervals[i][0] <= total <= self.intervals[i][1]

    def below(self, total: int) -> int | None:
        """Largest valid total strictly below `total`."""
        i = self._index(total - 1)
        if i < 0:
            return None
        return min(self.intervals[i][1], total - 1)

    def above(self, total: int) -> int | None:
        """Smallest valid total strictly above `total`."""
        if total + 1 > self.capacity:
            return None
        i = self._index(total + 1)
        if self.intervals[i][1] >= total + 1:
            return total + 1
        return self.intervals[i + 1][0]

    def groups_for(self, total: int) -> int:
        """The fewest groups a valid total splits into (balanced sizes then fit)."""
        if total == 0:
            return 0
        return -(-total // self.max_size)


def size_rule(theme: Theme) -> SizeRule:
    lo, hi, groups = theme.min_size, theme.max_size, theme.max_groups
    intervals: list[tuple[int, int]] = [(0, 0)]
    for k in range(1, groups + 1):
        start, end = k * lo, k * hi
        last_start, last_end = intervals[-1]
        if start <= last_end + 1:
            intervals[-1] = (last_start, end)
        else:
            intervals.append((start, end))
        if (k + 1) * lo <= end + 1:  # all later intervals overlap this one
            intervals[-1] = (intervals[-1][0], groups * hi)
            break
    return SizeRule(lo, hi, tuple(intervals))


def balanced_sizes(total: int, groups: int) -> list[int]:
    """`groups` sizes summing to `total` that differ by at most one, largest first."""
    q, r = divmod(total, groups)
    return [q + 1] * r + [q] * (groups - r)
