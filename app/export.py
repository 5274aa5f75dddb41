"""Everything staff need in Excel: one row per registration, as XLSX or as Belgian CSV.

CSV is semicolon-separated UTF-8 with BOM, what Excel in Belgium opens correctly. Cells that
start with = + - @ (or a tab or carriage return) are neutralised against formula injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.clock import format_local

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def flat_rows(
    records: Sequence[dict[str, Any]], max_preferences: int
) -> tuple[list[str], list[list[Any]]]:
    header = ["Referentie", "NIS-code", "Gemeente", "Provincie", "Status", "Kanaal"]
    header += [f"Voorkeur {n}" for n in range(1, max_preferences + 1)]
    header += ["Contactpersonen", "E-mail", "Telefoon", "Beleidsprioriteiten", "Realisaties"]
    header += ["Acties in uitvoering", "Aangemaakt", "Ingediend", "Gewijzigd"]
    rows: list[list[Any]] = []
    for r in records:
        prefs = [f"{p['theme']} - {p['title']}" for p in r["preferences"]]
        prefs += [""] * (max_preferences - len(prefs))
        contacts = r["contacts"]
        rows.append(
            [
                r["reference"],
                r["municipality"]["refnis"],
                r["municipality"]["name"],
                r["municipality"]["province"],
                r["status"],
                r["channel"],
                *prefs[:max_preferences],
                "; ".join(
                    f"{c['name']} ({c['function']})" if c["function"] else c["name"]
                    for c in contacts
                ),
                "; ".join(c["email"] for c in contacts),
                "; ".join(c["phone"] for c in contacts if c["phone"]),
                r["beleidsprioriteiten"] or "",
                r["realisaties"] or "",
                r["acties"] or "",
                r["created_at"],
                r["submitted_at"],
                r["updated_at"],
            ]
        )
    return header, rows


def neutralise(value: Any) -> Any:
    """A cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_local(value)
    return "" if value is None else value


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(_plain(v)) for v in row])
    return buffer.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    path.write_text("\ufeff" + csv_text(header, rows), encoding="utf-8", newline="")


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Inschrijvingen"
    sheet.append(header)
    for row in rows:
        sheet.append([neutralise(_plain(v)) for v in row])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, title in enumerate(header, start=1):
        longest = max([len(title), *(len(str(_plain(row[index - 1]))) for row in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))
    book.save(path)
