"""The municipality step: a name or postal code typed, at most eight buttons to choose from,
a clear winner confirmed with one tap (or by typing "ja" or its number)."""

from __future__ import annotations

from core.conversation import steps
from core.conversation.model import Button, Keyboard
from core.conversation.turn import Turn, is_back, is_no, is_yes
from core.municipalities import LookupStatus
from core.validators import ascii_number

MAX_BUTTONS = 8


def answer(turn: Turn, typed: str) -> None:
    candidates = [str(c) for c in turn.state.get("candidates", [])]
    choice = ascii_number(typed.strip().rstrip("."))
    if candidates and choice is not None and 1 <= choice <= min(len(candidates), 9):
        choose(turn, candidates[choice - 1])
        return
    if len(candidates) == 1 and is_yes(typed):
        choose(turn, candidates[0])
        return
    if candidates and is_no(typed):
        turn.state.pop("candidates", None)
        steps.ask(turn)
        return
    if is_back(typed):
        steps.back(turn)
        return
    _look_up(turn, typed)


def tap(turn: Turn, data: str) -> None:
    refnis = data.removeprefix("m:")
    if refnis == "-":
        turn.state.pop("candidates", None)
        if turn.tapped:
            turn.edit(turn.t("municipality.type_again"))
        steps.ask(turn)
        return
    choose(turn, refnis)


def choose(turn: Turn, refnis: str) -> None:
    found = turn.env.municipalities.get(refnis)
    if found is None or not found.in_flanders:
        turn.refuse(turn.t("stale"))
        return
    turn.state.pop("candidates", None)
    if turn.tapped:
        turn.edit(turn.t("municipality.chosen", name=found.name))
    steps.answer_field(turn, "municipality", refnis)


def keyboard(turn: Turn) -> Keyboard:
    """The buttons for the candidates in the draft's state (as last shown)."""
    found = [turn.env.municipalities.get(str(r)) for r in turn.state.get("candidates", [])]
    options = [m for m in found if m is not None]
    if len(options) == 1:
        return (
            (Button(f"✓ {options[0].name}", f"m:{options[0].refnis}"),),
            (Button(turn.t("button.other_municipality"), "m:-"),),
        )
    rows = [(Button(f"{i}. {m.name}", f"m:{m.refnis}"),) for i, m in enumerate(options, 1)]
    if rows:
        rows.append((Button(turn.t("button.none_of_these"), "m:-"),))
    return tuple(rows)


def _look_up(turn: Turn, typed: str) -> None:
    directory = turn.env.municipalities
    found = directory.lookup(typed)
    if found.status is LookupStatus.FOUND and found.municipality is not None:
        winner = found.municipality
        turn.state["candidates"] = [winner.refnis]
        question = turn.t("municipality.confirm", name=winner.name, province=winner.province)
        turn.say(question, keyboard(turn))
        return
    if found.status is LookupStatus.OUTSIDE_FLANDERS:
        turn.state.pop("candidates", None)
        steps.answer_field(turn, "municipality", typed)  # the form says why
        return
    options = directory.search(typed, MAX_BUTTONS)
    if not options:
        turn.state.pop("candidates", None)
        steps.answer_field(turn, "municipality", typed)
        return
    turn.state["candidates"] = [m.refnis for m in options]
    names = "\n".join(f"{i}. {m.name} ({m.province})" for i, m in enumerate(options, 1))
    turn.say(turn.t("municipality.choose", value=typed.strip(), names=names), keyboard(turn))
