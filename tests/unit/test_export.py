"""The export's formula guard: a cell a spreadsheet would run is text, in CSV and in XLSX."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.export import write_csv, write_xlsx

DANGEROUS = {
    "=": '=HYPERLINK("http://evil.example","klik")',
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3",
    "@": "@SUM(A1:A9)",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}
HARMLESS = ["Gent", "9 - Leegstand", "an@gent.be"]


@pytest.mark.parametrize("start", list(DANGEROUS))
def test_a_dangerous_cell_is_text_in_csv_and_xlsx(tmp_path: Path, start: str) -> None:
    value = DANGEROUS[start]
    header, rows = ["Beleidsprioriteiten", "Gemeente"], [[value, "Gent"]]
    write_csv(tmp_path / "export.csv", header, rows)
    with (tmp_path / "export.csv").open(encoding="utf-8-sig", newline="") as handle:
        [_, [cell, plain]] = list(csv.reader(handle, delimiter=";"))
    assert cell == "'" + value and plain == "Gent"
    write_xlsx(tmp_path / "export.xlsx", header, rows)
    sheet = load_workbook(tmp_path / "export.xlsx").active
    assert sheet is not None
    written = sheet.cell(2, 1)
    # XML reads a carriage return back as a line feed; the guard is the leading apostrophe.
    assert written.data_type == "s" and written.value == "'" + value.replace("\r", "\n")


def test_harmless_cells_and_times_are_left_as_they_are(tmp_path: Path) -> None:
    moment = datetime(2027, 1, 15, 16, 0, tzinfo=UTC)
    write_csv(tmp_path / "export.csv", ["a", "b", "c", "t"], [[*HARMLESS, moment]])
    text = (tmp_path / "export.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[1] == "Gent;9 - Leegstand;an@gent.be;2027-01-15T17:00:00+01:00"
