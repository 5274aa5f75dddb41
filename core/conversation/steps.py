"""The order of the chat's steps, taken from core's form: where a draft stands, what to ask
next, going back, and what happens after a field is answered or a try failed."""

from __future__ import annotations

from typing import Any

from core.conversation.model import Button, Keyboard
from core.conversation.turn import Step, Turn, is_back
from core.form import FORM
from core.model import Draft, Status
from core.usecases.drafts import set_field

CODE = "code"
SUMMARY = "summary"
NOT_EDITABLE_WHEN_INVITED = ("municipality", "contact_email")
FIELD_KEYS: tuple[str, ...] = tuple(f.key for f in FORM.fields)


def position(draft: Draft) -> str:
    """The step the conversation waits for: a form field key, "code" or "summary"."""
    if draft.state.get("mode") == CODE:
        return CODE
    editing = draft.state.get("editing")
    if editing:
        return str(editing)
    following = FORM.next_missing(draft.values, draft.skipped)
    return following.key if following else SUMMARY


def chat_steps(turn: Turn) -> list[str]:
    """The steps this person goes through, for "stap 3 van 9": the form without what the
    invitation answered, and the code step unless the address was already trusted."""
    prefilled = set(turn.state.get("prefilled", []))
    keys = [k for k in FIELD_KEYS if k != "language" and k not in prefilled]
    if "contact_email" in keys and (turn.state.get("code_used") or not turn.trusted()):
        keys.insert(keys.index("contact_email") + 1, CODE)
    return keys


def progress(turn: Turn, key: str) -> str:
    if turn.state.get("editing"):
        return turn.t("progress.editing")
    steps = chat_steps(turn)
    if key not in steps:
        return ""
    return turn.t("progress", step=steps.index(key) + 1, total=len(steps))


def route(turn: Turn) -> Step:
    """What the step the draft stands at does: its entry in the routes, or a form field's."""
    assert turn.draft is not None
    return turn.routes.get(position(turn.draft), FIELD)


def ask(turn: Turn) -> None:
    """Put the question of the current step (or the summary) in the answer."""
    route(turn).ask(turn)


def enter(turn: Turn, name: str) -> None:
    """Go to step `name` anew (the code step sends a code first), and ask its question."""
    step = turn.routes[name]
    (step.enter or step.ask)(turn)


def ask_field(turn: Turn) -> None:
    """The question of the form field the draft stands at, with its navigation buttons."""
    assert turn.draft is not None
    text, keyboard = question(turn, position(turn.draft))
    turn.say(text, keyboard)


def answer_typed(turn: Turn, typed: str) -> None:
    assert turn.draft is not None
    answer_field(turn, position(turn.draft), typed)


def field_keyboards(turn: Turn) -> list[Keyboard]:
    assert turn.draft is not None
    at = position(turn.draft)
    return [nav_row(turn, at, FORM.get(at).required)]


def field_help(turn: Turn) -> str:
    assert turn.draft is not None
    return FORM.get(position(turn.draft)).help(turn.language)


def question(turn: Turn, key: str) -> tuple[str, Keyboard]:
    form_field = FORM.get(key)
    lines = [progress(turn, key), form_field.prompt(turn.language)]
    if not form_field.required:
        lines.append(form_field.help(turn.language))
    current = turn.values.get(key)
    if turn.state.get("editing") == key and current is not None:
        lines.append(turn.t("current_value", value=display(turn, key, current)))
    return "\n".join(line for line in lines if line), nav_row(turn, key, form_field.required)


def nav_row(turn: Turn, key: str, required: bool = True) -> Keyboard:
    row: list[Button] = []
    if turn.state.get("editing"):
        row.append(Button(turn.t("button.to_summary"), "s:show"))
    else:
        steps = chat_steps(turn)
        if key in steps and steps.index(key) > 0:
            row.append(Button(turn.t("button.back"), "nav:back"))
    if not required:
        row.append(Button(turn.t("button.skip"), "nav:skip"))
    return (tuple(row),) if row else ()


def answer_field(turn: Turn, key: str, raw: Any) -> None:
    """A typed (or tapped) answer to a form field: the form's own rule decides."""
    if isinstance(raw, str) and is_back(raw):
        back(turn)
        return
    assert turn.draft is not None
    outcome = set_field(turn.draft, turn.env, key, raw)
    if outcome.errors:
        fail(turn, "\n".join(error.message(turn.language) for error in outcome.errors))
        return
    advance(turn, key)


def advance(turn: Turn, key: str) -> None:
    """After `key` was answered: tell what follows from it, then ask the next step."""
    state = turn.state
    state.pop("fails", None)
    editing = state.get("editing") == key
    if editing:
        state.pop("editing")
    if key == "municipality" and not editing:
        already_registered(turn)
    identity_changed = key in ("municipality", "contact_email")
    if identity_changed and turn.values.get("contact_email") and not turn.trusted():
        enter(turn, CODE)
        return
    ask(turn)


def already_registered(turn: Turn) -> None:
    """A second official of a registered municipality sees the current preferences, which
    become the starting point: changing them needs a proved address, and everyone is told."""
    registration = turn.uow.registrations.get(turn.values["municipality"])
    if registration is None or registration.status is not Status.SUBMITTED:
        return
    themes = turn.env.themes.titles(registration.preferences, turn.language)
    turn.say(
        turn.t(
            "already_registered.trusted" if turn.trusted() else "already_registered",
            municipality=turn.municipality_name(),
            reference=registration.reference,
            preferences="\n".join(f"{i}. {title}" for i, title in enumerate(themes, 1)),
        )
    )
    assert turn.draft is not None
    turn.values["preferences"] = list(registration.preferences)
    for key in ("beleidsprioriteiten", "realisaties", "acties"):
        value = getattr(registration, key)
        if value:
            turn.values[key] = value
        elif key not in turn.draft.skipped:
            turn.draft.skipped.append(key)


def back(turn: Turn) -> None:
    """One step back: the previous question is asked again (an edit returns to the summary)."""
    assert turn.draft is not None
    state = turn.state
    state.pop("fails", None)
    at = position(turn.draft)
    if state.get("editing"):
        state.pop("editing")
        state.pop("picks", None)
        ask(turn)
        return
    if at == CODE:
        state.pop("mode", None)
        turn.values.pop("contact_email", None)
        ask(turn)
        return
    steps = chat_steps(turn)
    if at not in steps or steps.index(at) == 0:
        turn.refuse(turn.t("back.first"))
        ask(turn)
        return
    previous = steps[steps.index(at) - 1]
    if previous == CODE:
        previous = "contact_email"
    if previous == "preferences":
        state["picks"] = list(turn.values.get("preferences") or [])
    turn.values.pop(previous, None)
    if previous in turn.draft.skipped:
        turn.draft.skipped.remove(previous)
    ask(turn)


def fail(turn: Turn, message: str, keyboard: Keyboard = ()) -> None:
    """A try that did not work: say why; at the third, offer help and the e-mail way."""
    assert turn.draft is not None
    at = position(turn.draft)
    fails = turn.state.get("fails") or {}
    if fails.get("at") != at:
        fails = {"at": at, "n": 0}
    fails["n"] += 1
    turn.state["fails"] = fails
    turn.say(message, keyboard)
    if fails["n"] == turn.options.fails_before_help:
        turn.say(turn.t("help.after_fails", help=route(turn).help(turn), **alternative(turn)))


def alternative(turn: Turn) -> dict[str, str]:
    return {"address": turn.options.intake_address or "VLAIO"}


def display(turn: Turn, key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if key == "municipality":
        return turn.env.municipality_name(str(value))
    if key == "preferences":
        titles = turn.env.themes.titles(value, turn.language)
        return "\n".join(f"{i}. {title}" for i, title in enumerate(titles, 1))
    if key == "language":
        return {"nl": "Nederlands", "en": "English"}.get(str(value), str(value))
    return str(value)


def editable(turn: Turn) -> list[str]:
    keys = [k for k in FIELD_KEYS if k != "language"]
    if turn.state.get("invited"):
        keys = [k for k in keys if k not in NOT_EDITABLE_WHEN_INVITED]
    return keys


# A plain form field: the form's question, answer and help, with back and skip buttons.
FIELD = Step(ask=ask_field, answer=answer_typed, keyboards=field_keyboards, help=field_help)
