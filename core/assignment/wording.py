"""The solver's explanations as sentences, in one language (texts: core/locale, `why_not.*`).

Every number in a sentence is one of the explanation's own details, so what a sentence says
can be checked against the answer. Used by the report and by the confirmations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.assignment.codec import why_not_from_dict
from core.assignment.model import WhyNot
from core.i18n import t


def choice(theme: int | None, rank: int | None, language: str) -> str:
    """The theme a participant got (or was explained) with its rank in the participant's list."""
    if theme is None:
        return t("why_not.nothing", language)
    if rank is None:
        return t("why_not.outside_list", language, theme=theme)
    return t("why_not.choice", language, theme=theme, rank=rank)


def by_rank(counts: Mapping[str, int], language: str) -> str:
    """{"1": 3, "outside": 1} as "3 at their choice 1, 1 outside their list"."""
    parts = [
        t("why_not.outside_count", language, count=n)
        if r == "outside"
        else t("why_not.rank_count", language, count=n, rank=r)
        for r, n in counts.items()
        if n
    ]
    return ", ".join(parts)


def profile(values: Sequence[int], language: str) -> str:
    """A profile [3, 2, 0] (placed per rank, unlisted last) in words."""
    counts = {str(r): n for r, n in enumerate(values[:-1], start=1)}
    counts["outside"] = values[-1] if values else 0
    return by_rank(counts, language) or "0"


def unassigned(reason: str, language: str) -> str:
    return t(f"unassigned.{reason}", language)


def why_not(entry: WhyNot | Mapping[str, Any], language: str) -> str:
    """One explanation as one sentence: a `WhyNot` of the answer, or the same entry as it
    reads in `solve --json`."""
    if not isinstance(entry, WhyNot):
        entry = why_not_from_dict(entry)
    item: Mapping[str, Any] = entry.details
    theme = choice(entry.theme, entry.rank, language)
    code = entry.code
    if code == "full":
        return t(
            "why_not.full",
            language,
            theme=theme,
            groups=item["groups"],
            max_size=item["max_size"],
            holders=by_rank(item.get("by_rank", {}), language),
            pinned=item["pinned"],
        )
    if code == "not_opened":
        return _not_opened(item, theme, language)
    if code == "size_gap":
        return t(
            "why_not.size_gap",
            language,
            theme=theme,
            more=item["total"] + 1,
            min_size=item["min_size"],
            max_size=item["max_size"],
            next_valid=item["next_valid"],
        )
    known = {"excluded", "pinned", "stability", "current_minimum"}
    return t(f"why_not.{code if code in known else 'no_proof'}", language, theme=theme, **item)


def _not_opened(item: Mapping[str, Any], theme: str, language: str) -> str:
    if item["max_groups"] == 0:
        return t("why_not.not_opened.no_groups", language, theme=theme)
    numbers = {"theme": theme, "chosen": item["chosen_by"], "minimum": max(item["min_size"], 1)}
    if item["too_few"]:
        return t("why_not.not_opened.too_few", language, **numbers)
    now, opened = item.get("profile"), item.get("profile_if_opened")
    if now is None:
        return t("why_not.no_proof", language, theme=theme)
    if opened is None:
        return t("why_not.not_opened.cannot", language, **numbers)
    if now == opened and item["unassigned"] == item["unassigned_if_opened"]:
        return t("why_not.not_opened.equal", language, profile=profile(now, language), **numbers)
    return t(
        "why_not.not_opened.cost",
        language,
        profile=profile(now, language),
        profile_if_opened=profile(opened, language),
        unassigned=item["unassigned"],
        unassigned_if_opened=item["unassigned_if_opened"],
        **numbers,
    )
