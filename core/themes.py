"""The twelve themes of the leertrajecten and how people refer to them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.text import fold


@dataclass(frozen=True)
class Kernmeester:
    name: str
    email: str


@dataclass(frozen=True)
class Theme:
    number: int
    title_nl: str
    title_en: str
    description_nl: str
    description_en: str
    min_size: int
    max_size: int
    max_groups: int
    kernmeesters: tuple[Kernmeester, ...] = ()
    kickoff_at: datetime | None = None
    kickoff_place: str = ""

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_nl

    def description(self, language: str) -> str:
        return self.description_en if language == "en" else self.description_nl

    def label(self, language: str) -> str:
        return f"{self.number} - {self.title(language)}"


_LEADING_NUMBER = re.compile(r"^\s*(?:thema|theme|nr\.?|#)?\s*(\d{1,2})\b\s*[-–.:)]?\s*(.*)$", re.I)


@dataclass(frozen=True)
class ThemeCatalog:
    themes: tuple[Theme, ...]
    _by_number: dict[int, Theme] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_number", {t.number: t for t in self.themes})

    def __iter__(self) -> Iterator[Theme]:
        return iter(self.themes)

    def __len__(self) -> int:
        return len(self.themes)

    def get(self, number: int) -> Theme | None:
        return self._by_number.get(number)

    def numbers(self) -> list[int]:
        return [t.number for t in self.themes]

    def find(self, text: str) -> Theme | None:
        """By number ("9", "thema 9", "9 - Leegstand aanpakken"), title, or a close title."""
        text = text.strip()
        if not text:
            return None
        match = _LEADING_NUMBER.match(text)
        if match:
            return self.get(int(match.group(1)))
        return self._find_by_title(text)

    def _find_by_title(self, text: str) -> Theme | None:
        wanted = fold(text)
        titles = {fold(t.title_nl): t for t in self.themes}
        titles.update({fold(t.title_en): t for t in self.themes})
        if wanted in titles:
            return titles[wanted]
        word = re.compile(rf"\b{re.escape(wanted)}\b")
        containing = {t.number: t for key, t in titles.items() if word.search(key)}
        if len(containing) == 1:
            return next(iter(containing.values()))
        if len(containing) > 1:
            # "leegstand" alone is in three titles: only a title that starts with it wins.
            starting = {t.number: t for key, t in titles.items() if word.match(key)}
            return next(iter(starting.values())) if len(starting) == 1 else None
        close = difflib.get_close_matches(wanted, list(titles), n=2, cutoff=0.75)
        if len(close) == 1 or (len(close) == 2 and titles[close[0]] is titles[close[1]]):
            return titles[close[0]]
        return self._misspelt_start(wanted, titles)

    @staticmethod
    def _misspelt_start(wanted: str, titles: dict[str, Theme]) -> Theme | None:
        """ "leegstnd" is how a title starts, misspelt: accepted when only one theme is close."""
        words = len(wanted.split())
        scored: dict[int, float] = {}
        for key, theme in titles.items():
            start = " ".join(key.split()[:words])
            ratio = difflib.SequenceMatcher(None, wanted, start).ratio()
            scored[theme.number] = max(scored.get(theme.number, 0.0), ratio)
        ranked = sorted(scored.items(), key=lambda item: -item[1])
        if ranked and ranked[0][1] >= 0.85 and (len(ranked) == 1 or ranked[1][1] < 0.8):
            return next(t for t in titles.values() if t.number == ranked[0][0])
        return None

    def titles(self, numbers: Iterable[int], language: str) -> list[str]:
        return [t.label(language) for n in numbers if (t := self.get(n)) is not None]


def catalog(themes: Sequence[Theme]) -> ThemeCatalog:
    return ThemeCatalog(tuple(sorted(themes, key=lambda t: t.number)))
