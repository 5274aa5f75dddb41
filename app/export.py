"""Everything staff need in Excel: one row per registration, as XLSX or as Belgian CSV.

The CSV and the formula guard are core's (core/export.py, shared with the console); XLSX has
real date cells (Brussels time) and lives here, with openpyxl. Statuses and channels are words
in the staff language. Cells that start with = + - @ (or a tab or carriage return) are
neutralised against formula injection in both.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from app.commands.output import language as staff_language
from core import i18n
from core.clock import local
from core.export import csv_text, neutralise, plain, word

__all__ = ["csv_text", "flat_rows", "neutralise", "write_csv", "write_xlsx", "xlsx_bytes"]


_COLUMNS_BEFORE = ("reference", "refnis", "municipality", "province", "status", "channel")
_COLUMNS_AFTER = ("contacts", "email", "phone", "beleidsprioriteiten", "realisaties", "acties")
_TIMES = ("created", "submitted", "updated")


def _header(max_preferences: int, language: str) -> list[str]:
    def say(name: str, **params: Any) -> str:
        return i18n.t(f"cli.export.{name}", language, **params)

    header = [say(c) for c in _COLUMNS_BEFORE]
    header += [say("preference", rank=n) for n in range(1, max_preferences + 1)]
    header += [say(c) for c in (*_COLUMNS_AFTER, *_TIMES)]
    return header


def flat_rows(
    records: Sequence[dict[str, Any]], max_preferences: int, language: str | None = None
) -> tuple[list[str], list[list[Any]]]:
    """One row per registration; headers and words in `language` (default: the staff's)."""
    language = language or staff_language()
    header = _header(max_preferences, language)
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
                word("status", r["status"], language),
                word("channel", r["channel"], language),
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


def _cell(value: Any) -> Any:
    """An XLSX cell: times as date cells in Brussels time (Excel has no time zones)."""
    if isinstance(value, datetime):
        return local(value).replace(tzinfo=None)
    return "" if value is None else neutralise(value)


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    path.write_text("\ufeff" + csv_text(header, rows), encoding="utf-8", newline="")


def write_xlsx(
    path: Path, header: list[str], rows: list[list[Any]], language: str | None = None
) -> None:
    title = i18n.t("cli.export.sheet", language or staff_language())
    path.write_bytes(xlsx_bytes(header, rows, title))


def xlsx_bytes(header: list[str], rows: list[list[Any]], title: str) -> bytes:
    """One sheet named `title`: a frozen, filtered header row, date cells, sane widths."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]  # Excel's limit
    sheet.append([neutralise(h) for h in header])
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, heading in enumerate(header, start=1):
        longest = max([len(heading), *(len(str(plain(row[index - 1]))) for row in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, longest + 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
