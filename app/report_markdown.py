"""The assignment report as Markdown, for an e-mail body or a quick look in a terminal."""

from __future__ import annotations

from core.report_view import ReportView


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def render_markdown(view: ReportView, run_id: int) -> str:
    t = view.t
    lines = [f"# {view.title} – {t('report.run', run=run_id)}", ""]
    lines += [f"- {label}: {value}" for label, value in view.meta]
    lines += ["", f"## {t('report.rule.heading')}", "", t("report.rule.intro"), ""]
    lines += [f"{i}. {item}" for i, item in enumerate(view.rule, start=1)]
    lines += ["", *view.rule_notes, "", f"## {t('report.profile.heading')}", ""]
    lines += _table(
        [t("report.profile.choice"), t("report.profile.count")],
        [[label, n] for label, n in view.profile],
    )
    lines += [f"## {t('report.themes.heading')}", ""]
    lines += _table(list(view.theme_header), [list(row) for row in view.themes])
    lines += [f"## {t('report.groups.heading')}", ""]
    for g in view.groups:
        lines += [f"### {g.heading} ({g.size})", ""]
        lines += [f"- {t('report.groups.kernmeester')}: {g.kernmeesters}"]
        lines += [f"- {t('report.groups.kickoff')}: {g.kickoff}", ""]
        lines += [f"- {name} ({choice})" for name, choice in g.members] + [""]
    lines += [f"## {t('report.unassigned.heading')}", ""]
    lines += [f"- {name}: {reason}" for name, reason in view.unassigned] or [
        t("report.unassigned.none")
    ]
    if view.moved:
        lines += ["", f"## {t('report.moved.heading')}", ""] + [f"- {row}" for row in view.moved]
    lines += ["", f"## {t('report.municipalities.heading')}", ""]
    for m in view.municipalities:
        pinned = f" ({t('report.municipalities.pinned')})" if m.pinned else ""
        lines.append(f"- {m.name}: {m.got}{pinned}")
        lines += [f"  - {reason}" for reason in m.reasons]
    return "\n".join(lines) + "\n"
