"""The twelve themes of the leertrajecten and how people refer to them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.typed_text import fold


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

    def all_titles(self) -> list[str]:
        """Every title in every language: phrases a list of preferences never splits."""
        return [title for t in self.themes for title in (t.title_nl, t.title_en)]

    def numbers(self) -> list[int]:
        return [t.number for t in self.themes]

    def find(self, text: str) -> Theme | None:
        """By number ("9", "thema 9", "9 - Leegstand aanpakken"), title, or a close title;
        None when nothing or more than one theme fits (see ``matches``)."""
        found = self.matches(text)
        return found[0] if len(found) == 1 else None

    def matches(self, text: str) -> list[Theme]:
        """Every theme the text may mean: one is an answer, several must be asked back
        ("leegstand" is in the titles of 9, 10 and 11), none is unknown."""
        text = text.strip()
        if not text:
            return []
        match = _LEADING_NUMBER.match(text)
        if match:
            theme = self.get(int(match.group(1)))
            return [theme] if theme is not None else []
        wanted = fold(text)
        titles = {fold(t.title_nl): t for t in self.themes}
        titles.update({fold(t.title_en): t for t in self.themes})
        if wanted in titles:
            return [titles[wanted]]
        word = re.compile(rf"\b{re.escape(wanted)}\b")
        containing = [t for key, t in titles.items() if word.search(key)]
        if containing:
            return _unique(containing)
        close = difflib.get_close_matches(wanted, list(titles), n=3, cutoff=0.75)
        if close:
            return _unique(titles[key] for key in close)
        return self._misspelt(wanted, titles)

    @staticmethod
    def _misspelt(wanted: str, titles: dict[str, Theme]) -> list[Theme]:
        """ "leegstnd" is a title's words, misspelt: every theme with words that close."""
        size = len(wanted.split())
        scored: dict[int, float] = {}
        for key, theme in titles.items():
            words = key.split()
            for i in range(max(1, len(words) - size + 1)):
                ratio = difflib.SequenceMatcher(None, wanted, " ".join(words[i : i + size])).ratio()
                scored[theme.number] = max(scored.get(theme.number, 0.0), ratio)
        best = max(scored.values(), default=0.0)
        if best < 0.85:
            return []
        numbers = {n for n, ratio in scored.items() if ratio >= 0.8}
        return _unique(t for t in titles.values() if t.number in numbers)

    def titles(self, numbers: Iterable[int], language: str) -> list[str]:
        return [t.label(language) for n in numbers if (t := self.get(n)) is not None]


def _unique(themes: Iterable[Theme]) -> list[Theme]:
    return sorted({t.number: t for t in themes}.values(), key=lambda t: t.number)


def catalog(themes: Sequence[Theme]) -> ThemeCatalog:
    return ThemeCatalog(tuple(sorted(themes, key=lambda t: t.number)))
