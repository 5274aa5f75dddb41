"""What an official writes that contradicts itself: a label given twice with different values
("Voorkeur 1: 9" and later "Voorkeur 1: 3"), or a correction in prose ("Voorkeur 1 moet 3
zijn"). Neither is resolved here: the field becomes a ``core.validators.Conflict``, which the
form refuses with a question, so nothing is changed until the official says which is meant."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from core.validators import Conflict

_VERBS = (
    r"moet(?:en)?|wordt|worden|mag|is\s+nu|zijn\s+nu|verander(?:t|en)?|wijzig(?:t|en)?|"
    r"should|must|becomes|is\s+now|are\s+now|has\s+to|needs?\s+to|change[sd]?"
)


_MAIN_LABEL = 6  # "Gemeente", "Functie", "E-mail", "Contact person"; not "Naam" or "Stad"


class CorrectionFinder:
    """Finds "<label> [rank] moet/wordt/should be ..." sentences.

    The ranked field ("Voorkeur 1 moet 3 zijn") is found anywhere in a line; other fields only
    by their main label at the start of a line, so "De stad moet meer groen" in a free text is
    not a correction of the municipality (and short everyday words such as "Naam", "Stad" or
    "Role" never start one)."""

    def __init__(self, labels: Mapping[str, Sequence[str]], list_field: str) -> None:
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for key, aliases in labels.items():
            if key == list_field:
                alt = "|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True))
                rank = r"(?:\s*(?:nr\.?\s*)?(?P<rank>\d{1,2}))?"
                pattern = rf"(?:^|[\s,;:(])(?:{alt}){rank}\s+(?:{_VERBS})\b"
            else:
                alt = "|".join(re.escape(a) for a in aliases if len(a) >= _MAIN_LABEL)
                if not alt:
                    continue
                pattern = rf"^(?:de\s+|het\s+|the\s+|onze\s+|our\s+)?(?:{alt})\s+(?:{_VERBS})\b"
            self._patterns.append((key, re.compile(pattern, re.IGNORECASE)))

    def find(self, line: str) -> tuple[str, int | None] | None:
        """(field, rank) when the line corrects a field in words."""
        text = line.strip()
        if len(text) > 300:
            return None
        for key, pattern in self._patterns:
            m = pattern.search(text)
            if m:
                rank = m.groupdict().get("rank")
                return key, int(rank) if rank else None
        return None


def same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def disagree(existing: str | None, new: str) -> str:
    """The field's value once ``new`` is read after ``existing``: the same, or a Conflict."""
    if existing is None or same(existing, new):
        return existing if existing is not None else new
    options = list(existing.options) if isinstance(existing, Conflict) else [existing]
    if not any(same(o, new) for o in options):
        options.append(new)
    return Conflict(options)


def apply(
    corrections: Sequence[tuple[str, int | None, str]],
    values: dict[str, str],
    preferences: list[str],
    list_field: str,
) -> None:
    """Mark every field corrected in prose: its value is the question, never the guess."""
    for key, rank, sentence in corrections:
        if key == list_field and rank:
            preferences.extend([""] * (rank - len(preferences)))
            preferences[rank - 1] = Conflict((), sentence=sentence)
        elif key == list_field:
            preferences.clear()  # the whole list is in question
            values[key] = Conflict((), sentence=sentence)
        else:
            values[key] = Conflict((), sentence=sentence)
