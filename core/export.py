"""Tables staff take to Excel: Belgian CSV and the guard against formula injection.

Shared by `leertraject export` (app/export.py, which also writes XLSX) and the console's
"CSV" and "XLSX" links. CSV is semicolon-separated UTF-8 with BOM, what Excel in Belgium opens
correctly, with ISO 8601 times (Brussels time with its offset). A cell that starts with
= + - @ (or a tab or carriage return) gets a leading apostrophe, so no spreadsheet runs it.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from core import i18n
from core.clock import local

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def plain(value: Any) -> Any:
    """A CSV cell: times in ISO 8601, Brussels time with its offset."""
    if isinstance(value, datetime):
        return local(value).isoformat(timespec="seconds")
    return "" if value is None else value


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(plain(v)) for v in row])
    return buffer.getvalue()


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    """The file as Excel in Belgium expects it: with a BOM."""
    return ("\ufeff" + csv_text(header, rows)).encode("utf-8")


def word(kind: str, value: str, language: str) -> str:
    """A status, outcome, channel or message kind as staff read it (`cli.<kind>.<value>`), in
    exports and on the console's pages."""
    key = f"cli.{kind}.{value}"
    return i18n.t(key if i18n.has(key) else f"cli.{kind}.other", language)
