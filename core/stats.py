"""Demand per theme: how many chose it first, second, third, at all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from core.model import Registration, Status
from core.themes import ThemeCatalog


@dataclass
class ThemeDemand:
    number: int
    title: str
    by_rank: list[int] = field(default_factory=list)
    total: int = 0


def demand(
    registrations: Iterable[Registration], themes: ThemeCatalog, max_rank: int, language: str = "nl"
) -> list[ThemeDemand]:
    """Counts submitted registrations only; drafts and withdrawn ones are not demand."""
    table = {t.number: ThemeDemand(t.number, t.title(language), [0] * max_rank) for t in themes}
    for registration in registrations:
        if registration.status is not Status.SUBMITTED:
            continue
        for rank, number in enumerate(registration.preferences):
            row = table.get(number)
            if row is None:
                continue
            if rank < max_rank:
                row.by_rank[rank] += 1
            row.total += 1
    return [table[n] for n in sorted(table)]
