"""What the assignment report says, in one language, as plain values: the Markdown for
e-mail and the HTML/PDF document (app/report_document.py) both render this one view, so
they can never tell different stories. Every text comes from the `report` catalog."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from core.assignment import RunResult, wording
from core.campaign import Env
from core.clock import format_local
from core.i18n import t
from core.model import AssignmentRun


@dataclass
class GroupView:
    heading: str
    size: int
    kernmeesters: str
    kickoff: str
    members: list[tuple[str, str]]  # municipality, its choice


@dataclass
class MunicipalityView:
    name: str
    got: str
    own_list: str
    pinned: bool
    reasons: list[str]


@dataclass
class ReportView:
    language: str
    title: str
    meta: list[tuple[str, str]]
    rule: list[str]
    rule_notes: list[str]
    profile: list[tuple[str, int]]
    theme_header: list[str]
    themes: list[list[Any]]
    groups: list[GroupView]
    unassigned: list[tuple[str, str]]
    moved: list[str]
    municipalities: list[MunicipalityView]
    chart_themes: list[tuple[str, int, int, int]] = field(default_factory=list)

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.language, **params)


def build_view(
    env: Env, run: AssignmentRun, demand: dict[int, int], language: str = "nl"
) -> ReportView:
    lang = "en" if language == "en" else "nl"
    result = run.result
    solution = result.solution
    name = env.municipality_name
    profile = list(solution.profile)
    sizes = Counter(a.theme for a in solution.assignments)
    groups_per_theme = Counter(g.theme for g in solution.groups)
    themes = _themes(env, demand, sizes, groups_per_theme, lang)
    return ReportView(
        language=lang,
        title=t("report.title", lang),
        meta=_meta(run, lang, profile),
        rule=_rule(result, lang),
        rule_notes=_rule_notes(env, result, lang),
        profile=_profile_rows(profile, lang),
        theme_header=[
            t(f"report.themes.{k}", lang)
            for k in ("theme", "title", "demand", "capacity", "placed", "groups")
        ],
        themes=themes,
        groups=_groups(env, result, lang),
        unassigned=[
            (name(u.participant), wording.unassigned(u.reason, lang))
            for u in sorted(solution.unassigned, key=lambda u: name(u.participant))
        ],
        moved=[
            t(
                "report.moved.row",
                lang,
                municipality=name(participant),
                before=before,
                after=after if after is not None else "-",
            )
            for participant, before, after in solution.moved
        ],
        municipalities=_municipalities(env, result, lang),
        chart_themes=[
            (
                str(theme.number),
                demand.get(theme.number, 0),
                theme.max_groups * theme.max_size,
                sizes.get(theme.number, 0),
            )
            for theme in env.themes
        ],
    )


def _themes(
    env: Env, demand: dict[int, int], sizes: Counter[int], groups: Counter[int], lang: str
) -> list[list[Any]]:
    return [
        [
            theme.number,
            theme.title(lang),
            demand.get(theme.number, 0),
            t(
                "report.themes.capacity_value",
                lang,
                groups=theme.max_groups,
                min=theme.min_size,
                max=theme.max_size,
            ),
            sizes.get(theme.number, 0),
            groups.get(theme.number, 0),
        ]
        for theme in env.themes
    ]


def _meta(run: AssignmentRun, lang: str, profile: list[int]) -> list[tuple[str, str]]:
    result = run.result
    placed, unassigned = result.placed, result.participants - result.placed
    objective = result.objective_rule
    rows = [
        (t("report.status", lang), t(f"report.status.{result.solution.status}", lang)),
        (
            t("report.computed", lang),
            t(
                "report.computed_value",
                lang,
                at=format_local(run.created_at),
                by=run.created_by,
                seconds=round(result.solution.seconds, 4),
            ),
        ),
        (
            t("report.published", lang),
            format_local(run.published_at) if run.published_at else t("report.not_published", lang),
        ),
        (
            t("report.placed", lang),
            t(
                "report.placed_value",
                lang,
                placed=placed,
                total=placed + unassigned,
                outside=profile[-1] if profile else 0,
                unassigned=unassigned,
            ),
        ),
        (t("report.objective", lang), t(f"report.objective.{objective}", lang)),
        (t("report.seed", lang), str(run.seed)),
        (t("report.input_hash", lang), run.input_hash),
    ]
    return rows


def _rule(result: RunResult, lang: str) -> list[str]:
    ranks = "report.rule.4.sum" if result.objective_rule == "sum-of-ranks" else "report.rule.4"
    return [
        t(k, lang)
        for k in (
            "report.rule.1",
            "report.rule.2",
            "report.rule.3",
            ranks,
            "report.rule.5",
            "report.rule.6",
        )
    ]


def _rule_notes(env: Env, result: RunResult, lang: str) -> list[str]:
    most = max((theme.max_groups for theme in env.themes), default=0)
    notes = [t("report.rule.groups", lang, max=most)]
    if result.order == "ranks-first":
        notes.append(t("report.rule.legacy", lang))
    return notes


def _profile_rows(profile: list[int], lang: str) -> list[tuple[str, int]]:
    rows = [(t("report.profile.rank", lang, rank=r), n) for r, n in enumerate(profile[:-1], 1)]
    return [*rows, (t("report.profile.outside", lang), profile[-1] if profile else 0)]


def _groups(env: Env, result: RunResult, lang: str) -> list[GroupView]:
    members: dict[tuple[int, str], list[tuple[str, str]]] = defaultdict(list)
    for a in result.solution.assignments:
        members[(a.theme, a.group)].append(
            (env.municipality_name(a.participant), wording.choice(a.theme, a.rank, lang))
        )
    out = []
    for (number, group), people in sorted(members.items()):
        theme = env.themes.get(number)
        kernmeesters = (
            ", ".join(f"{k.name} ({k.email})" for k in theme.kernmeesters) if theme else ""
        )
        kickoff = ""
        if theme and theme.kickoff_at:
            kickoff = format_local(theme.kickoff_at) + (
                f", {theme.kickoff_place}" if theme.kickoff_place else ""
            )
        out.append(
            GroupView(
                heading=t("report.groups.group", lang, theme=number, group=group)
                + (f": {theme.title(lang)}" if theme else ""),
                size=len(people),
                kernmeesters=kernmeesters or t("report.groups.kernmeester_unknown", lang),
                kickoff=kickoff or t("report.groups.kickoff_unknown", lang),
                members=sorted(people),
            )
        )
    return out


def _municipalities(env: Env, result: RunResult, lang: str) -> list[MunicipalityView]:
    preferences = result.preferences
    out = [
        MunicipalityView(
            name=env.municipality_name(e.participant),
            got=wording.choice(e.theme, e.rank, lang),
            own_list=", ".join(str(p) for p in preferences.get(e.participant, ())),
            pinned=e.pinned,
            reasons=[wording.why_not(w, lang) for w in e.why_not],
        )
        for e in result.solution.explanations
    ]
    return sorted(out, key=lambda m: m.name)
