"""The assignment report as a document: an HTML page from a Jinja2 template with an A4 print
stylesheet (app/templates/report/), and the same page as PDF rendered by WeasyPrint."""

from __future__ import annotations

import html
from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from core.report_view import ReportView


@cache
def _jinja() -> Environment:
    return Environment(
        loader=PackageLoader("app", "templates/report"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _css() -> str:
    return (resources.files("app") / "templates" / "report" / "report.css").read_text("utf-8")


def render_html(view: ReportView, run_id: int) -> str:
    profile_chart = bars(
        view.t("report.charts.profile"), [(label, [(n, "#2b6cb0")]) for label, n in view.profile]
    )
    theme_chart = bars(
        view.t("report.charts.themes"),
        [
            (
                f"{view.t('report.themes.theme')} {number}",
                [(demand, "#a0aec0"), (capacity, "#68d391"), (placed, "#2b6cb0")],
            )
            for number, demand, capacity, placed in view.chart_themes
        ],
        row_height=30,
    )
    return (
        _jinja()
        .get_template("report.html.j2")
        .render(
            v=view,
            run_id=run_id,
            css=Markup(_css()),
            profile_chart=Markup(profile_chart),
            theme_chart=Markup(theme_chart),
        )
    )


def render_pdf(page: str) -> bytes:
    """The HTML page as a PDF (A4, the print stylesheet). WeasyPrint needs Debian's Pango."""
    from weasyprint import HTML  # imported here: it loads Pango, which only the report needs

    pdf: bytes = HTML(string=page).write_pdf()
    return pdf


def bars(
    title: str,
    rows: list[tuple[str, list[tuple[int, str]]]],
    width: int = 640,
    row_height: int = 22,
) -> str:
    """A horizontal bar chart in plain SVG, readable in any browser and in the PDF."""
    peak = max([v for _, values in rows for v, _ in values] or [1]) or 1
    height = 28 + row_height * len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, values) in enumerate(rows):
        y = 28 + row_height * i
        thickness = (row_height - 4) // len(values)
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{html.escape(label)}</text>')
        for j, (value, colour) in enumerate(values):
            bar = int((width - 240) * value / peak)
            parts.append(
                f'<rect x="150" y="{y + 2 + j * thickness}" width="{bar}" '
                f'height="{thickness - 1}" fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{154 + bar}" y="{y + thickness + j * thickness}" '
                f'font-size="10">{value}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
