"""The assignment report staff publish and defend, in Dutch or English: an HTML document and
its PDF (app/report_document.py), Markdown for e-mail (app/report_markdown.py), and the
table as CSV and XLSX. All of it renders one view (core/report_view.py).

Files are written only after the run is committed (app/assigning.py), each through a
temporary file in the same folder and a rename, so a reader never sees half a report.
"""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.export import write_csv, write_xlsx
from app.report_document import render_html, render_pdf
from app.report_markdown import render_markdown
from core.assignment import wording
from core.campaign import Env
from core.i18n import t
from core.model import AssignmentRun
from core.report_view import build_view

BASENAME = {"nl": "toewijzing", "en": "assignment"}


def write_report(
    env: Env, run: AssignmentRun, demand: dict[int, int], directory: Path, language: str = "nl"
) -> list[Path]:
    """Write the report's files into `directory`; returns them, the HTML page first."""
    assert run.id is not None
    lang = "en" if language == "en" else "nl"
    directory.mkdir(parents=True, exist_ok=True)
    view = build_view(env, run, demand, lang)
    page = render_html(view, run.id)
    base = directory / BASENAME[lang]
    header, rows = table(env, run, lang)
    written = [
        _atomic(base.with_suffix(".html"), lambda p: p.write_text(page, encoding="utf-8")),
        _atomic(base.with_suffix(".pdf"), lambda p: p.write_bytes(render_pdf(page))),
        _atomic(
            base.with_suffix(".md"),
            lambda p: p.write_text(render_markdown(view, run.id or 0), encoding="utf-8"),
        ),
        _atomic(base.with_suffix(".csv"), lambda p: write_csv(p, header, rows)),
        _atomic(base.with_suffix(".xlsx"), lambda p: write_xlsx(p, header, rows)),
    ]
    return written


def attachments(
    env: Env, run: AssignmentRun, demand: dict[int, int], language: str = "nl"
) -> list[dict[str, str]]:
    """The report as e-mail attachments (PDF and XLSX, base64 in the outbox row's params): the
    staff e-mail at the deadline carries the report itself, never a path on the server."""
    with tempfile.TemporaryDirectory(prefix="leertraject-report-") as folder:
        files = write_report(env, run, demand, Path(folder), language)
        wanted = {".pdf": "application/pdf", ".xlsx": XLSX}
        return [
            {
                "filename": f"{f.stem}-run-{run.id}{f.suffix}",
                "content_type": wanted[f.suffix],
                "data": base64.b64encode(f.read_bytes()).decode("ascii"),
            }
            for f in files
            if f.suffix in wanted
        ]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _atomic(path: Path, write: Callable[[Path], object]) -> Path:
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def table(env: Env, run: AssignmentRun, lang: str) -> tuple[list[str], list[list[Any]]]:
    """One row per municipality: where it was placed and why not higher."""
    result = run.result
    name = env.municipality_name
    header = [
        t("report.table.reference", lang),
        t("report.groups.municipality", lang),
        t("report.themes.theme", lang),
        t("report.table.group", lang),
        t("report.groups.choice", lang),
        t("report.table.why", lang),
    ]
    explained = result.solution.explained()

    def why(participant: str) -> str:
        found = explained.get(participant)
        return "; ".join(wording.why_not(w, lang) for w in (found.why_not if found else ()))

    rows: list[list[Any]] = [
        [
            a.participant,
            name(a.participant),
            a.theme,
            a.group,
            wording.choice(a.theme, a.rank, lang),
            why(a.participant),
        ]
        for a in sorted(
            result.solution.assignments, key=lambda a: (a.theme, a.group, name(a.participant))
        )
    ]
    rows += [
        [
            u.participant,
            name(u.participant),
            "",
            "",
            t("report.table.not_placed", lang),
            wording.unassigned(u.reason, lang) + "; " + why(u.participant),
        ]
        for u in result.solution.unassigned
    ]
    return header, rows
