"""Why each participant got its theme, as codes and numbers (the UI words them).

For every theme a participant ranked above the one it got, exactly one code:

- `excluded`: staff excluded the theme for this participant.
- `pinned`: staff pinned the participant to its theme.
- `not_opened`: the theme has no group; `chosen_by` participants listed it (and could take
  it), `too_few` tells whether that is below `min_size` (or no group is planned). When enough
  chose it, `profile` and `profile_if_opened` (with `unassigned` and `unassigned_if_opened`)
  show what opening it would cost: the best answer with the theme open, side by side with
  this one (`profile` None: not checked, a time-limited answer; `profile_if_opened` None: the
  theme cannot open with staff's pins).
- `full`: all `max_groups` groups hold `max_size`; the members are counted by how they
  ranked the theme compared with this participant (`better`, `same`, `worse`), `pinned`,
  and `by_rank` (rank as text, "outside" for an unlisted theme -> members).
- `size_gap`: the groups have room, but one more member makes a total that cannot be split
  into valid groups (`next_valid` is the next total that can).
- `stability`: the participant keeps its previously published theme; moving it would move a
  published participant, which the rule puts before better ranks.
- `current_minimum`: leaving would drop the participant's current theme (`current_theme`)
  below a valid total.
- `no_proof`: none of the above; only possible when the answer is not proven optimal.

These are complete for a proven optimum: if none held, moving this one participant up would
give a valid assignment that is better on the published rule, contradicting optimality.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from core.assignment.model import Explanation, Instance, Participant, WhyNot
from core.assignment.sizes import SizeRule

Details = dict[str, int | bool | dict[str, int] | list[int] | None]


@dataclass(frozen=True, slots=True)
class Outcome:
    """An answer's profile (placed per rank, unlisted last) and how many were not placed."""

    profile: tuple[int, ...]
    unassigned: int
    proven: bool = True  # False: a time limit stopped the search for it


_FIRST_CHOICE: tuple[int | None, tuple[WhyNot, ...]] = (1, ())


def _no_opening(theme: int) -> Outcome | None:
    return None


class Explainer:
    def __init__(
        self,
        instance: Instance,
        theme_of: Mapping[str, int | None],
        rules: Mapping[int, SizeRule],
        max_groups: Mapping[int, int],
        outcome: Outcome | None = None,
        if_opened: Callable[[int], Outcome | None] = _no_opening,
    ) -> None:
        self.instance = instance
        self.outcome = outcome
        self.if_opened = if_opened
        self.theme_of = theme_of
        self.rules = rules
        self.max_groups = max_groups
        self.totals: Counter[int] = Counter()
        self.rank_counts: dict[int, Counter[int]] = {t: Counter() for t in rules}
        self.pinned: Counter[int] = Counter()
        self.chosen_by: Counter[int] = Counter()
        self.first_by: Counter[int] = Counter()
        self.unranked = unranked = instance.max_list_length + 1
        # One pass over the participants; the counting runs once per distinct kind of them.
        people = instance.participants
        kinds = Counter((p.preferences, p.exclude, p.pin, theme_of.get(p.id)) for p in people)
        for (preferences, exclude, pin, got), n in kinds.items():
            for i, t in enumerate(preferences):
                if t not in exclude and pin in (None, t):
                    self.chosen_by[t] += n
                    self.first_by[t] += n if i == 0 else 0
            if got is not None:
                self.totals[got] += n
                rank = preferences.index(got) + 1 if got in preferences else unranked
                self.rank_counts[got][rank] += n
                self.pinned[got] += n if pin is not None else 0
        self._seen: dict[object, tuple[int | None, tuple[WhyNot, ...]]] = {}

    def explain(self, people: Iterable[Participant]) -> tuple[Explanation, ...]:
        """One explanation per participant, in the given order."""
        theme_of, previous_of, seen = self.theme_of.get, self.instance.previous.get, self._seen
        out = []
        for person in people:
            got = theme_of(person.id)
            previous = previous_of(person.id)
            kept = previous is not None and previous == got
            preferences = person.preferences
            if preferences and got == preferences[0]:
                rank, why_not = _FIRST_CHOICE  # nothing ranked higher to explain
            else:
                # Everything the reasons read; participants alike in it share them.
                kind = (preferences, person.exclude, person.pin, got, kept)
                known = seen.get(kind)
                if known is None:
                    known = seen[kind] = self._reasons(person, got)
                rank, why_not = known
            out.append(Explanation(person.id, got, rank, person.pin is not None, kept, why_not))
        return tuple(out)

    def _reasons(
        self, person: Participant, got: int | None
    ) -> tuple[int | None, tuple[WhyNot, ...]]:
        rank = person.rank_of(got) if got is not None else None
        better = person.preferences if rank is None else person.preferences[: rank - 1]
        return rank, tuple(self._why_not(person, got, t, i + 1) for i, t in enumerate(better))

    def _why_not(self, person: Participant, got: int | None, theme: int, rank: int) -> WhyNot:
        code, details = self._reason(person, got, theme, rank)
        return WhyNot(theme=theme, rank=rank, code=code, details=details)

    def _reason(
        self, person: Participant, got: int | None, theme: int, rank: int
    ) -> tuple[str, Details]:
        rule = self.rules[theme]
        total = self.totals[theme]
        if theme in person.exclude:
            return "excluded", {}
        if person.pin is not None:
            return "pinned", {"pin": person.pin}
        if total == 0:
            return "not_opened", self._not_opened(theme, rule)
        groups = rule.groups_for(total)
        if total >= rule.capacity:
            counts = self.rank_counts[theme]
            return "full", {
                "groups": groups,
                "max_size": rule.max_size,
                "better": sum(n for r, n in counts.items() if r < rank),
                "same": counts[rank],
                "worse": sum(n for r, n in counts.items() if r > rank),
                "pinned": self.pinned[theme],
                "by_rank": {
                    ("outside" if r == self.unranked else str(r)): n
                    for r, n in sorted(counts.items())
                },
            }
        if not rule.valid(total + 1):
            return "size_gap", {
                "total": total,
                "groups": groups,
                "min_size": rule.min_size,
                "max_size": rule.max_size,
                "next_valid": rule.above(total) or 0,
            }
        if got is not None and self.instance.previous.get(person.id) == got:
            return "stability", {"previous": got}  # `kept` in the cache key of explain()
        if got is not None and not self.rules[got].valid(self.totals[got] - 1):
            return "current_minimum", {
                "current_theme": got,
                "total": self.totals[got],
                "min_size": self.rules[got].min_size,
            }
        return "no_proof", {}

    def _not_opened(self, theme: int, rule: SizeRule) -> Details:
        chosen = self.chosen_by[theme]
        too_few = chosen < max(rule.min_size, 1) or self.max_groups[theme] == 0
        details: Details = {
            "chosen_by": chosen,
            "first_choice_by": self.first_by[theme],
            "min_size": rule.min_size,
            "max_groups": self.max_groups[theme],
            "too_few": too_few,
        }
        if too_few:
            return details
        now = self.outcome  # None: not checked (a time-limited answer)
        opened = self.if_opened(theme) if now else None  # None: it cannot open
        if opened is not None and not opened.proven:
            now = opened = None
        details["profile"] = list(now.profile) if now else None
        details["unassigned"] = now.unassigned if now else None
        details["profile_if_opened"] = list(opened.profile) if opened else None
        details["unassigned_if_opened"] = opened.unassigned if opened else None
        return details
