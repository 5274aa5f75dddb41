"""Participants the rule cannot tell apart, grouped into classes with a multiplicity.

Two participants are interchangeable when they have the same options at the same cost on
every objective level: the same allowed themes with the same rank, fit score and "moved"
flag (stability), and the same "may stay unassigned". Their order in the input, their ids
and their province do not matter to the rule, so the flow network only sees classes; which
member of a class gets which of the class's seats is decided afterwards by a seeded lottery.

Each option is an *arc code*, a small int packing (theme index, rank, score, moved):
theme index `num_themes` means "unassigned", rank 0 goes with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.assignment.hashing import lottery_numbers
from core.assignment.model import MAX_THEMES, Instance, Participant

THEME_BITS = 0xFFF  # theme index, and `num_themes` for "unassigned": up to 4094 themes
RANK_SHIFT = 12
SCORE_SHIFT = 24
MOVED_SHIFT = 26
assert MAX_THEMES < THEME_BITS


def encode(theme: int, rank: int, score: int, moved: int) -> int:
    return theme | rank << RANK_SHIFT | score << SCORE_SHIFT | moved << MOVED_SHIFT


def theme_of(code: int) -> int:
    return code & THEME_BITS


def rank_of(code: int) -> int:
    return (code >> RANK_SHIFT) & THEME_BITS


def score_of(code: int) -> int:
    return (code >> SCORE_SHIFT) & 0x3


def moved_of(code: int) -> int:
    return (code >> MOVED_SHIFT) & 0x1


@dataclass(frozen=True, slots=True)
class Classes:
    theme_ids: tuple[int, ...]  # theme index -> theme id, ascending
    unranked: int  # the rank an unlisted theme counts as: after everyone's last choice
    mult: tuple[int, ...]  # class -> number of members
    arcs: tuple[tuple[int, ...], ...]  # class -> its arc codes, ascending
    key: tuple[int, ...]  # class -> 64-bit key for the seeded tie-break
    members: tuple[tuple[int, ...], ...]  # class -> participant indices in lottery order
    lottery: tuple[int, ...]  # participant index -> its lottery number under the seed
    class_of: tuple[int, ...]  # participant index -> its class

    @property
    def num_themes(self) -> int:
        return len(self.theme_ids)

    @property
    def units(self) -> int:
        return sum(self.mult)


def participant_arcs(
    person: Participant,
    previous: int | None,
    instance: Instance,
    candidates: list[int],
    index_of: dict[int, int],
    unranked: int,
) -> tuple[int, ...]:
    """The arc codes of one participant, ascending; `candidates` are the themes that can
    open, ascending."""
    rank = {t: r for r, t in enumerate(person.preferences, start=1)}
    scores = person.scores
    if person.pin is not None:
        themes = [person.pin]
    else:
        themes = [
            t
            for t in candidates
            if t not in person.exclude and (instance.allow_unranked or t in rank)
        ]
    kept = previous is not None
    codes = [  # encode() inlined: this runs for every distinct participant
        index_of[t]
        | rank.get(t, unranked) << RANK_SHIFT
        | scores.get(t, 0) << SCORE_SHIFT
        | (kept and previous != t) << MOVED_SHIFT
        for t in themes
    ]
    if person.pin is None:
        codes.append(encode(len(index_of), 0, 0, int(previous is not None)))
    return tuple(codes)


def build_classes(instance: Instance) -> Classes:
    theme_ids = sorted(theme.id for theme in instance.themes)
    index_of = {theme_id: i for i, theme_id in enumerate(theme_ids)}
    can_open = {t.id for t in instance.themes if t.capacity > 0}
    candidates = [theme_id for theme_id in theme_ids if theme_id in can_open]
    unranked = instance.max_list_length + 1
    people = instance.participants
    lottery = tuple(lottery_numbers(instance.seed, (p.id for p in people)))
    interned: dict[int, int] = {}
    seen: dict[object, tuple[int, ...]] = {}
    groups: dict[tuple[int, ...], list[int]] = {}
    order = sorted(range(len(people)), key=lottery.__getitem__)
    if len(set(lottery)) < len(lottery):  # equal lottery numbers: the lower id first
        order = sorted(range(len(people)), key=lambda i: (lottery[i], people[i].id))
    previous_of = instance.previous
    # Visiting people in lottery order lists every class's members in lottery order.
    for i in order:
        person = people[i]
        previous = previous_of.get(person.id) if previous_of else None
        scores = person.scores
        # Everything `participant_arcs` reads; equal signatures give equal arcs.
        signature = (
            person.preferences,
            tuple(sorted(scores.items())) if scores else (),
            person.pin,
            person.exclude,
            previous,
        )
        key = seen.get(signature)
        if key is None:
            codes = participant_arcs(person, previous, instance, candidates, index_of, unranked)
            key = seen[signature] = tuple(interned.setdefault(code, code) for code in codes)
        groups.setdefault(key, []).append(i)
    ordered = sorted(groups)  # canonical: independent of the input row order
    members = tuple(tuple(groups[key]) for key in ordered)
    class_of = [0] * len(people)
    for c, group in enumerate(members):
        for i in group:
            class_of[i] = c
    return Classes(
        theme_ids=tuple(theme_ids),
        unranked=unranked,
        mult=tuple(len(m) for m in members),
        arcs=tuple(ordered),
        key=tuple(lottery[m[0]] for m in members),
        members=members,
        lottery=lottery,
        class_of=tuple(class_of),
    )
