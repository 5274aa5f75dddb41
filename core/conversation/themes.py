"""The theme step: twelve buttons tapped in order of preference, with undo and descriptions.

Typing works as well as tapping: "9, 11, 3" answers at once (the form's own rule), "9" adds
one theme, "klaar", "ongedaan" and "uitleg" do what the buttons do.
"""

from __future__ import annotations

from core.conversation import steps
from core.conversation.model import Button, Keyboard
from core.conversation.turn import Turn, is_back, words
from core.form import FORM
from core.preferences import split_preferences
from core.validators import ascii_number

DONE_WORDS = frozenset({"klaar", "done", "ok", "oké", "verder", "next", "gedaan"})
UNDO_WORDS = frozenset({"ongedaan", "ongedaan maken", "undo", "wis", "wis laatste"})
INFO_WORDS = frozenset({"uitleg", "info", "meer info", "help thema", "beschrijving"})


def picks(turn: Turn) -> list[int]:
    if "picks" not in turn.state:
        turn.state["picks"] = list(turn.values.get("preferences") or [])
    return [int(n) for n in turn.state["picks"]]


def text(turn: Turn, final: bool = False) -> str:
    chosen = picks(turn)
    campaign = turn.env.campaign
    lines = [steps.progress(turn, "preferences")]
    if not final:
        lines.append(FORM.get("preferences").prompt(turn.language))
        lines.append("")
        lines += [f"{theme.number}. {theme.title(turn.language)}" for theme in turn.env.themes]
        lines.append("")
    if chosen:
        titles = turn.env.themes.titles(chosen, turn.language)
        lines.append(turn.t("themes.chosen"))
        lines += [f"  {i}. {title}" for i, title in enumerate(titles, 1)]
    else:
        lines.append(turn.t("themes.none_yet"))
    if not final:
        lines.append("")
        lines.append(
            turn.t("themes.how", minimum=campaign.min_preferences, maximum=campaign.max_preferences)
        )
    return "\n".join(line for line in lines if line is not None).strip()


def keyboard(turn: Turn) -> Keyboard:
    chosen = picks(turn)
    buttons = []
    for theme in turn.env.themes:
        label = str(theme.number)
        if theme.number in chosen:
            label = f"{theme.number} ✓{chosen.index(theme.number) + 1}"
        buttons.append(Button(label, f"t:{theme.number:02d}"))
    rows = [tuple(buttons[i : i + 4]) for i in range(0, len(buttons), 4)]
    rows.append((Button(turn.t("button.undo"), "t:undo"), Button(turn.t("button.info"), "t:info")))
    nav = steps.nav_row(turn, "preferences")
    last = (*(nav[0] if nav else ()), Button(turn.t("button.done"), "t:done"))
    rows.append(last)
    return tuple(rows)


def show(turn: Turn, edit: bool = False) -> None:
    if edit:
        turn.edit(text(turn), keyboard(turn))
    else:
        turn.say(text(turn), keyboard(turn))


def tap(turn: Turn, data: str) -> None:
    """A theme button, undo, info or done (tapped, or typed: then nothing is edited)."""
    chosen = picks(turn)
    campaign = turn.env.campaign
    action = data.removeprefix("t:")
    if action == "info":
        describe(turn)
        show(turn)
        return
    if action == "done":
        _finish(turn)
        return
    if action == "undo":
        if not chosen:
            _refuse(turn, turn.t("themes.nothing_to_undo"))
            return
        chosen.pop()
    elif (number := ascii_number(action)) is not None and turn.env.themes.get(number) is not None:
        if number in chosen:
            chosen.remove(number)
        elif len(chosen) >= campaign.max_preferences:
            _refuse(turn, turn.t("themes.full", maximum=campaign.max_preferences))
            return
        else:
            chosen.append(number)
    else:
        _refuse(turn, turn.t("stale"))
        return
    turn.state["picks"] = chosen
    show(turn, edit=turn.tapped)


def answer(turn: Turn, typed: str) -> None:
    said = words(typed)
    if is_back(typed):
        steps.back(turn)
    elif said in DONE_WORDS:
        tap(turn, "t:done")
    elif said in UNDO_WORDS:
        tap(turn, "t:undo")
    elif said in INFO_WORDS:
        tap(turn, "t:info")
    elif (
        len(split_preferences(typed, turn.env.themes.all_titles())) == 1
        and (theme := _one_theme(turn, typed)) is not None
    ):
        tap(turn, f"t:{theme}")
    else:
        turn.state.pop("picks", None)
        steps.answer_field(turn, "preferences", typed)


def _one_theme(turn: Turn, typed: str) -> str | None:
    """ "9", "thema 9" or a title: one theme to add; "9 11" is a list, not theme 9."""
    if len(typed.split()) > 1 and sum(ascii_number(part) is not None for part in typed.split()) > 1:
        return None
    theme = turn.env.themes.find(typed)
    return f"{theme.number:02d}" if theme else None


def describe(turn: Turn) -> None:
    blocks = []
    for theme in turn.env.themes:
        description = " ".join(theme.description(turn.language).split())
        blocks.append(f"{theme.number}. {theme.title(turn.language)}\n{description}")
    turn.say("\n\n".join(blocks))  # the channel splits it within its limits


def _finish(turn: Turn) -> None:
    chosen = picks(turn)
    minimum = turn.env.campaign.min_preferences
    if len(chosen) < minimum:
        _refuse(turn, turn.t("themes.too_few", minimum=minimum, count=len(chosen)))
        return
    if turn.tapped:
        turn.edit(text(turn, final=True))
    turn.state.pop("picks", None)
    steps.answer_field(turn, "preferences", [str(n) for n in chosen])


def _refuse(turn: Turn, message: str) -> None:
    """A tap that changes nothing is answered with a toast, and the message is left alone."""
    if turn.tapped:
        turn.toast = message
    else:
        steps.fail(turn, message)
