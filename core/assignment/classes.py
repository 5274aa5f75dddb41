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

from core.assignment.hashing import participant_key
from core.assignment.model import Instance, Participant

THEME_BITS = 0xFFF
RANK_SHIFT = 12
SCORE_SHIFT = 20
MOVED_SHIFT = 22


def encode(theme: int, rank: int, score: int, moved: int) -> int:
    return theme | rank << RANK_SHIFT | score << SCORE_SHIFT | moved << MOVED_SHIFT


def theme_of(code: int) -> int:
    return code & THEME_BITS


def rank_of(code: int) -> int:
    return (code >> RANK_SHIFT) & 0xFF


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
    instance: Instance,
    candidates: list[int],
    index_of: dict[int, int],
    unranked: int,
) -> tuple[int, ...]:
    """The arc codes of one participant, ascending; `candidates` are the themes that can
    open, ascending."""
    previous = instance.previous.get(person.id)

    def arc(theme_id: int) -> int:
        rank = person.rank_of(theme_id) or unranked
        moved = int(previous is not None and previous != theme_id)
        return encode(index_of[theme_id], rank, person.scores.get(theme_id, 0), moved)

    if person.pin is not None:
        return (arc(person.pin),)
    listed = set(person.preferences)
    codes = [
        arc(theme_id)
        for theme_id in candidates
        if theme_id not in person.exclude and (theme_id in listed or instance.allow_unranked)
    ]
    codes.append(encode(len(index_of), 0, 0, int(previous is not None)))
    return tuple(codes)


def build_classes(instance: Instance) -> Classes:
    theme_ids = sorted(theme.id for theme in instance.themes)
    index_of = {theme_id: i for i, theme_id in enumerate(theme_ids)}
    can_open = {t.id for t in instance.themes if t.capacity > 0}
    candidates = [theme_id for theme_id in theme_ids if theme_id in can_open]
    unranked = instance.max_list_length + 1
    lottery = tuple(participant_key(instance.seed, p.id) for p in instance.participants)
    interned: dict[int, int] = {}
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, person in enumerate(instance.participants):
        codes = participant_arcs(person, instance, candidates, index_of, unranked)
        key = tuple(interned.setdefault(code, code) for code in codes)
        groups.setdefault(key, []).append(i)
    ordered = sorted(groups)  # canonical: independent of the input row order
    people = instance.participants
    members = tuple(
        tuple(sorted(groups[key], key=lambda i: (lottery[i], people[i].id))) for key in ordered
    )
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
