"""The assignment report staff publish and defend: Markdown, HTML with charts, CSV and XLSX."""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path
from typing import Any

from app.export import write_csv, write_xlsx
from core.assignment import wording
from core.campaign import Env
from core.clock import format_local
from core.model import AssignmentRun

RULE = (
    "De toewijzing volgt een vaste, openbare regel, in deze volgorde: (1) zoveel mogelijk "
    "gemeenten krijgen een thema; (2) zoveel mogelijk eerste keuzes, dan zoveel mogelijk "
    "tweede keuzes, enzovoort (een thema buiten iemands lijst telt na de laatste keuze); "
    "(3) de hoogste totale inhoudelijke score die VLAIO toekende; (4) bij volledige "
    "gelijkheid beslist een vaste trekking uit de seed, onafhankelijk van de volgorde van "
    "de inschrijvingen. Elke groep telt tussen het minimum en maximum van het thema."
)


def why_not(env: Env, item: dict[str, Any]) -> str:
    return wording.why_not(item, "nl")


def _bars(
    title: str,
    rows: list[tuple[str, list[tuple[int, str]]]],
    width: int = 640,
    row_height: int = 22,
) -> str:
    """A horizontal bar chart in plain SVG: readable in any mail client or browser."""
    peak = max([v for _, values in rows for v, _ in values] or [1]) or 1
    height = 28 + row_height * len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, values) in enumerate(rows):
        y = 28 + row_height * i
        thickness = (row_height - 4) // len(values)
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{html.escape(label)}</text>')
        for j, (value, colour) in enumerate(values):
            bar = int((width - 220) * value / peak)
            parts.append(
                f'<rect x="110" y="{y + 2 + j * thickness}" width="{bar}" '
                f'height="{thickness - 1}" fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{114 + bar}" y="{y + thickness + j * thickness}" '
                f'font-size="10">{value}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def write_report(
    env: Env, run: AssignmentRun, demand: dict[int, int], directory: Path
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    result = run.result
    name = env.municipality_name
    profile = result["profile"]
    labels = [f"{n}e keuze" for n in range(1, len(profile))] + ["buiten de lijst"]
    groups: dict[tuple[int, str], list[str]] = {}
    for a in result["assignments"]:
        groups.setdefault((a["theme"], a["group"]), []).append(name(a["participant"]))
    sizes = Counter(a["theme"] for a in result["assignments"])
    lines = [
        f"# Toewijzing collectieve leertrajecten – run {run.id}",
        "",
        f"- Status van de oplossing: **{result['status']}**"
        + (f" (gap: {result['gap']})" if result.get("gap") else ""),
        f"- Berekend: {format_local(run.created_at)} door {run.created_by}, "
        f"in {result['seconds']} s",
        f"- Seed: {run.seed}; doel: {result.get('objective_rule', 'rank-maximal')}; "
        f"invoer-hash: `{run.input_hash}`",
        f"- Geplaatst: {len(result['assignments'])}, niet geplaatst: {len(result['unassigned'])}",
        "",
        "## De regel",
        "",
        RULE,
        "",
        "## Profiel",
        "",
        "| keuze | gemeenten |",
        "|---|---|",
        *[f"| {label} | {count} |" for label, count in zip(labels, profile, strict=True)],
        "",
        "## Vraag en capaciteit per thema",
        "",
        "| thema | titel | gekozen (ergens in de lijst) | geplaatst | capaciteit |",
        "|---|---|---|---|---|",
    ]
    for t in env.themes:
        lines.append(
            f"| {t.number} | {t.title_nl} | {demand.get(t.number, 0)} | {sizes.get(t.number, 0)} "
            f"| {t.max_groups} × {t.min_size}-{t.max_size} |"
        )
    lines += ["", "## Groepen", ""]
    for (theme, group), members in sorted(groups.items()):
        lines.append(f"### Thema {theme} – groep {group} ({len(members)})")
        lines.append("")
        lines += [f"- {m}" for m in sorted(members)]
        lines.append("")
    lines += ["## Niet geplaatst", ""]
    lines += [f"- {name(u['participant'])}: {u['reason']}" for u in result["unassigned"]] or [
        "(niemand)"
    ]
    lines += ["", "## Waarom deze toewijzing", ""]
    for e in result.get("explanations", []):
        reasons = "; ".join(why_not(env, w) for w in e["why_not"])
        got = (
            f"thema {e['theme']} ({e['rank']}e keuze)"
            if e["theme"] and e["rank"]
            else (f"thema {e['theme']} (buiten de lijst)" if e["theme"] else "geen thema")
        )
        extra = " – vastgezet door VLAIO" if e.get("pinned") else ""
        lines.append(
            f"- **{name(e['participant'])}**: {got}{extra}"
            + (f". Niet hoger: {reasons}" if reasons else "")
        )
    markdown = "\n".join(lines) + "\n"
    md_path = directory / "toewijzing.md"
    md_path.write_text(markdown, encoding="utf-8")

    charts = _bars(
        "Profiel: hoeveel gemeenten kregen hun hoeveelste keuze",
        [(label, [(count, "#2b6cb0")]) for label, count in zip(labels, profile, strict=True)],
    )
    charts += _bars(
        "Per thema: vraag (grijs), capaciteit (groen) en geplaatst (blauw)",
        [
            (
                f"thema {t.number}",
                [
                    (demand.get(t.number, 0), "#a0aec0"),
                    (t.max_groups * t.max_size, "#68d391"),
                    (sizes.get(t.number, 0), "#2b6cb0"),
                ],
            )
            for t in env.themes
        ],
        row_height=30,
    )
    body = "".join(
        f"<p>{html.escape(line)}</p>"
        if line and not line.startswith(("|", "#", "-"))
        else f"<pre>{html.escape(line)}</pre>"
        if line.startswith("|")
        else f"<h3>{html.escape(line.lstrip('# '))}</h3>"
        if line.startswith("#")
        else f"<li>{html.escape(line[2:])}</li>"
        if line.startswith("- ")
        else ""
        for line in lines
    )
    html_path = directory / "toewijzing.html"
    html_path.write_text(
        '<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">'
        f"<title>Toewijzing run {run.id}</title></head>"
        f'<body style="font-family: Arial, sans-serif; max-width: 900px">{charts}{body}'
        "</body></html>\n",
        encoding="utf-8",
    )

    header = ["NIS-code", "Gemeente", "Thema", "Groep", "Keuze", "Waarom niet hoger"]
    explanations = {e["participant"]: e for e in result.get("explanations", [])}
    rows: list[list[Any]] = [
        [
            a["participant"],
            name(a["participant"]),
            a["theme"],
            a["group"],
            a["rank"] or "buiten de lijst",
            "; ".join(
                why_not(env, w) for w in explanations.get(a["participant"], {}).get("why_not", [])
            ),
        ]
        for a in sorted(
            result["assignments"], key=lambda a: (a["theme"], a["group"], name(a["participant"]))
        )
    ]
    rows += [
        [u["participant"], name(u["participant"]), "", "", "niet geplaatst", u["reason"]]
        for u in result["unassigned"]
    ]
    csv_path, xlsx_path = directory / "toewijzing.csv", directory / "toewijzing.xlsx"
    write_csv(csv_path, header, rows)
    write_xlsx(xlsx_path, header, rows)
    return [md_path, html_path, csv_path, xlsx_path]
