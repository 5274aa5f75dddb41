"""One update in, one answer out, inside one transaction: lock the chat's draft, handle the
update once (its id goes into the inbound ledger), route it to the step it belongs to."""

from __future__ import annotations

from core.campaign import Env
from core.conversation import commands, steps
from core.conversation.model import Answer, ChatEvent, EventKind
from core.conversation.routes import ROUTES
from core.conversation.turn import ChatOptions, Turn, words
from core.form import FORM
from core.model import Channel, InboundOutcome
from core.ports import UnitOfWork
from core.usecases import inbound

__all__ = ["ChatOptions", "Conversation"]


class Conversation:
    """The guided registration chat. `handle` is the whole work of one transaction."""

    def __init__(self, env: Env, options: ChatOptions | None = None) -> None:
        self.env = env
        self.options = options or ChatOptions()

    def handle(self, uow: UnitOfWork, event: ChatEvent) -> Answer:
        # Lock first, then look in the ledger: a second delivery of the same update waits for
        # the first to commit and then finds it there.
        draft = uow.drafts.get_for_update(f"telegram:{event.user_id}")
        if inbound.seen(uow, Channel.TELEGRAM, str(event.update_id)) is not None:
            return Answer(duplicate=True, outcome=InboundOutcome.DUPLICATE)
        turn = Turn(uow, self.env, self.options, event.user_id, event.language_code, draft, ROUTES)
        outcome = self._route(turn, event)
        quiet = event.kind in (EventKind.BLOCKED, EventKind.UNBLOCKED)  # not the person's step
        if turn.draft is not None and not turn.deleted and not quiet:
            turn.draft.step = steps.position(turn.draft)
            turn.draft.updated_at = self.env.clock.now()
            uow.drafts.save(turn.draft)
        self._record(uow, event, outcome)
        return Answer(turn.replies, toast=turn.toast, outcome=outcome)

    def record(self, uow: UnitOfWork, event: ChatEvent, outcome: InboundOutcome) -> bool:
        """An update not handled (a flood): recorded, so that its redelivery is not handled
        either. False if it was in the ledger already."""
        if inbound.seen(uow, Channel.TELEGRAM, str(event.update_id)) is not None:
            return False
        self._record(uow, event, outcome)
        return True

    def _record(self, uow: UnitOfWork, event: ChatEvent, outcome: InboundOutcome) -> None:
        detail = {"kind": event.kind.value}  # never what was typed: the ledger is no transcript
        inbound.record(uow, self.env, Channel.TELEGRAM, str(event.update_id), outcome, detail)

    def _route(self, turn: Turn, event: ChatEvent) -> InboundOutcome:
        if event.kind in (EventKind.BLOCKED, EventKind.UNBLOCKED):
            _reachable(turn, event.kind is EventKind.UNBLOCKED)
            return InboundOutcome(event.kind.value)
        if event.kind is EventKind.COMMAND:
            commands.run(turn, event.command, event.text)
        elif event.kind is EventKind.TAP:
            turn.tapped = True
            _tap(turn, event.data)
        else:
            _text(turn, event.text)
        return InboundOutcome.HANDLED


def _text(turn: Turn, typed: str) -> None:
    if turn.draft is None:
        commands.start(turn)
        return
    if not typed.strip():  # a sticker, a photo, a voice message: nothing to read
        turn.say(turn.t("text.only"))
        steps.ask(turn)
        return
    if commands.answer_confirmation(turn, typed):
        return
    if turn.env.deadline_passed():
        commands.closed(turn)
        return
    button = _typed_button(turn, typed)
    if button is not None:  # typing a button's text does what tapping it does
        _tap(turn, button)
        return
    steps.route(turn).answer(turn, typed)


def _tap(turn: Turn, data: str) -> None:
    prefix, _, rest = data.partition(":")
    if prefix in ("y", "n"):
        commands.confirmed(turn, rest, prefix == "y")
        return
    if prefix == "lang":
        commands.set_language(turn, rest)
        return
    if data == "go:edit":
        commands.edit(turn)
        return
    if turn.draft is None:
        turn.toast = turn.t("stale")
        return
    if turn.env.deadline_passed():
        turn.toast = turn.t("closed.short")
        commands.closed(turn)
        return
    turn.state.pop("confirm", None)
    at = steps.position(turn.draft)
    step = steps.route(turn)
    if data == "nav:back":
        steps.back(turn)
    elif data == "nav:skip" and at in steps.FIELD_KEYS and not FORM.get(at).required:
        steps.answer_field(turn, at, "-")
    elif data == "s:show" and turn.state.get("editing"):
        steps.back(turn)
    elif step.tap is not None and prefix in step.taps:
        step.tap(turn, data)
    else:
        turn.toast = turn.t("stale")
        steps.ask(turn)


def _typed_button(turn: Turn, typed: str) -> str | None:
    """The callback data of the button on screen whose text was typed, if any."""
    said = words(typed)
    for keyboard in steps.route(turn).keyboards(turn):
        for row in keyboard:
            for button in row:
                if said and words(button.text) == said:
                    return button.data
    return None


def _reachable(turn: Turn, reachable: bool) -> None:
    """Telegram says the person blocked (or unblocked) the bot: chat messages wait, e-mail
    takes over (core.notify skips unreachable chats)."""
    for contact in turn.uow.contacts.by_telegram(turn.user_id):
        if contact.telegram_unreachable == (not reachable):
            continue
        contact.telegram_unreachable = not reachable
        turn.uow.contacts.update(contact)
