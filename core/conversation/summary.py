"""The summary: everything on one screen (split when longer than Telegram allows), then
"Bevestigen" submits through core's use case and "Wijzigen" edits one field and comes back."""

from __future__ import annotations

from core.clock import format_local
from core.conversation import steps
from core.conversation.model import Button, Keyboard
from core.conversation.turn import Turn, is_yes, words
from core.form import FORM
from core.model import Channel
from core.usecases.drafts import submit_draft
from core.usecases.submit import Outcome, Result

EDIT_WORDS = frozenset({"wijzigen", "wijzig", "aanpassen", "edit", "change"})


def summary_text(turn: Turn) -> str:
    lines = [turn.t("summary.title"), ""]
    for key in steps.FIELD_KEYS:
        if key == "language":
            continue
        label = FORM.get(key).label(turn.language)
        value = steps.display(turn, key, turn.values.get(key))
        long = "\n" in value or len(value) > 60
        lines.append(f"{label}:\n{value}" if long else f"{label}: {value}")
    lines += ["", turn.t("summary.question")]
    return "\n".join(lines)


def keyboard(turn: Turn) -> Keyboard:
    return (
        (Button(turn.t("button.confirm"), "s:ok"),),
        (Button(turn.t("button.edit"), "s:edit"),),
    )


def show(turn: Turn) -> None:
    turn.say(summary_text(turn), keyboard(turn))  # the channel splits a long one


def edit_keyboard(turn: Turn) -> Keyboard:
    rows = [
        (Button(FORM.get(key).label(turn.language), f"e:{key}"),) for key in steps.editable(turn)
    ]
    rows.append((Button(turn.t("button.to_summary"), "s:show"),))
    return tuple(rows)


def edit_menu(turn: Turn) -> None:
    turn.say(turn.t("summary.which"), edit_keyboard(turn))


def start_edit(turn: Turn, key: str) -> None:
    if key not in steps.editable(turn):
        turn.toast = turn.t("summary.not_editable")
        return
    turn.state["editing"] = key
    turn.state.pop("fails", None)
    if key == "preferences":
        turn.state["picks"] = list(turn.values.get("preferences") or [])
    steps.ask(turn)


def tap(turn: Turn, data: str) -> None:
    if data == "s:ok":
        confirm(turn)
    elif data == "s:show":
        show(turn)
    elif data == "s:edit":
        edit_menu(turn)
    elif data.startswith("e:"):
        start_edit(turn, data.removeprefix("e:"))


def answer(turn: Turn, typed: str) -> None:
    said = words(typed)
    if is_yes(typed):
        confirm(turn)
        return
    if said in EDIT_WORDS:
        edit_menu(turn)
        return
    for key in steps.editable(turn):
        form_field = FORM.get(key)
        labels = {label.lower() for label in (*form_field.labels_nl, *form_field.labels_en)}
        if said in labels or said == key:
            start_edit(turn, key)
            return
    steps.fail(turn, turn.t("summary.hint"), keyboard(turn))


def confirm(turn: Turn) -> None:
    """Submit through core; the person who confirmed here gets the answer here."""
    if not turn.trusted():
        steps.enter(turn, steps.CODE)
        return
    assert turn.draft is not None
    turn.draft.step = steps.SUMMARY
    turn.uow.drafts.save(turn.draft)
    outcome = submit_draft(turn.uow, turn.env, turn.owner, turn.identity())
    if outcome is None or outcome.result is Result.REJECTED:
        _rejected(turn, outcome)
        return
    turn.draft = None
    turn.deleted = True
    registration = outcome.registration
    assert registration is not None
    _answered_here(turn, outcome)
    key = "done.updated" if outcome.result is Result.UPDATED else "done.accepted"
    if outcome.result is Result.PENDING_APPROVAL:
        key = "done.pending_approval"
    titles = turn.env.themes.titles(registration.preferences, turn.language)
    turn.say(
        turn.t(
            key,
            municipality=turn.env.municipality_name(registration.municipality),
            reference=registration.reference,
            preferences="\n".join(f"{i}. {title}" for i, title in enumerate(titles, 1)),
            email=outcome.contact.email if outcome.contact else "",
            deadline=_deadline(turn),
        )
    )


def _rejected(turn: Turn, outcome: Outcome | None) -> None:
    errors = outcome.errors if outcome else []
    if not errors:
        show(turn)
        return
    turn.say("\n".join(error.message(turn.language) for error in errors))
    field_keys = [e.field for e in errors if e.field in steps.FIELD_KEYS]
    if field_keys:
        start_edit(turn, field_keys[0])


def _answered_here(turn: Turn, outcome: Outcome) -> None:
    """The chat copy for the person who just confirmed is this answer: mark it sent."""
    now = turn.env.clock.now()
    for message in outcome.queued:
        mine = message.channel is Channel.TELEGRAM and message.recipient == str(turn.user_id)
        if mine and message.id is not None:
            turn.uow.outbox.mark_sent(message.id, now, "chat:answered")


def _deadline(turn: Turn) -> str:
    return format_local(turn.env.campaign.deadline)
