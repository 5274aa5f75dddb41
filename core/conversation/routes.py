"""The chat's routing in one table: for each step that is more than a plain form field, what
it does (core/conversation/turn.py: Step). Built once; every turn carries it, so the steps
reach each other through it and never import each other in a circle."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from core.conversation import code, municipality, steps, summary, themes
from core.conversation.turn import Step, Turn


def _preferences_help(turn: Turn) -> str:
    campaign = turn.env.campaign
    return turn.t(
        "help.preferences", minimum=campaign.min_preferences, maximum=campaign.max_preferences
    )


ROUTES: Mapping[str, Step] = MappingProxyType(
    {
        "municipality": Step(
            ask=steps.ask_field,
            answer=municipality.answer,
            keyboards=lambda turn: [municipality.keyboard(turn)],
            help=steps.field_help,
            tap=municipality.tap,
            taps=frozenset({"m"}),
        ),
        "preferences": Step(
            ask=themes.show,
            answer=themes.answer,
            keyboards=lambda turn: [themes.keyboard(turn)],
            help=_preferences_help,
            tap=themes.tap,
            taps=frozenset({"t"}),
        ),
        steps.CODE: Step(
            ask=code.prompt,
            answer=code.answer,
            keyboards=lambda turn: [code.keyboard(turn)],
            help=lambda turn: turn.t("help.code"),
            tap=code.tap,
            taps=frozenset({"c"}),
            enter=code.start,
        ),
        steps.SUMMARY: Step(
            ask=summary.show,
            answer=summary.answer,
            keyboards=lambda turn: [summary.keyboard(turn), summary.edit_keyboard(turn)],
            help=lambda turn: turn.t("help.summary"),
            tap=summary.tap,
            taps=frozenset({"s", "e"}),
        ),
    }
)
