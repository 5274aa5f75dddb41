"""The code step: a six-digit code to the work address, typed back in the chat.

The code goes out through the e-mail outbox (core.usecases.submit.send_address_code), is
valid for the campaign's minutes and tries, and a conversation may ask for a few only.
"""

from __future__ import annotations

import re

from core.conversation import steps
from core.conversation.model import Button, Keyboard
from core.conversation.turn import Turn, is_back, words
from core.usecases.submit import Result
from core.usecases.verification import confirm_address, send_address_code

NEW_CODE_WORDS = frozenset({"nieuwe code", "new code", "opnieuw", "again", "resend"})
_CODE = re.compile(r"^\s*(\d[\d\s.-]{4,10}\d)\s*$", re.ASCII)  # ASCII digits only


def start(turn: Turn) -> None:
    """Send a (new) code to the draft's address and ask for it; a few per conversation."""
    state = turn.state
    state["mode"] = steps.CODE
    state.pop("fails", None)
    sent = int(state.get("codes", 0))
    if sent >= turn.options.max_codes:
        turn.say(turn.t("code.limit", **steps.alternative(turn)), keyboard(turn, new=False))
        return
    refused = send_address_code(turn.uow, turn.env, turn.values, turn.user_id).error
    if refused is not None:  # the address's limits, whoever asked
        turn.say(refused.message(turn.language), keyboard(turn, new=False))
        return
    state["codes"] = sent + 1
    state["code_used"] = True
    prompt(turn)


def prompt(turn: Turn) -> None:
    minutes = int(turn.env.campaign.verification_valid.total_seconds() // 60)
    text = "\n".join(
        [
            steps.progress(turn, steps.CODE),
            turn.t("code.sent", email=turn.values.get("contact_email", ""), minutes=minutes),
        ]
    )
    turn.say(text, keyboard(turn))


def answer(turn: Turn, text: str) -> None:
    if turn.trusted():  # confirmed meanwhile, by replying to the e-mail with the code
        _done(turn)
        return
    if is_back(text):
        steps.back(turn)
        return
    if words(text) in NEW_CODE_WORDS:
        start(turn)
        return
    match = _CODE.match(text)
    digits = re.sub(r"\D", "", match.group(1)) if match else ""
    if len(digits) != 6:
        steps.fail(turn, turn.t("code.format"))
        return
    email = str(turn.values.get("contact_email", ""))
    outcome = confirm_address(turn.uow, turn.env, email, digits, turn.user_id)
    if outcome.result is Result.ACCEPTED:
        if outcome.values.get("proven"):  # a newcomer to a guarded municipality
            turn.state["proven"] = outcome.values["proven"]
        _done(turn)
        return
    code = outcome.errors[0].code
    if code == "verification.locked":
        steps.fail(turn, outcome.errors[0].message(turn.language), keyboard(turn, new=False))
    elif code == "verification.too_many_attempts":
        steps.fail(turn, turn.t("code.too_many"), keyboard(turn))
    elif "attempts_left" in outcome.values:
        steps.fail(turn, turn.t("code.wrong", left=outcome.values["attempts_left"]))
    else:
        steps.fail(turn, turn.t("code.expired"), keyboard(turn))


def tap(turn: Turn, data: str) -> None:
    if data == "c:new":
        start(turn)


def _done(turn: Turn) -> None:
    turn.state.pop("mode", None)
    turn.state.pop("fails", None)
    turn.say(turn.t("code.ok", email=turn.values.get("contact_email", "")))
    steps.ask(turn)


def keyboard(turn: Turn, new: bool = True) -> Keyboard:
    rows: list[tuple[Button, ...]] = []
    if new:
        rows.append((Button(turn.t("button.new_code"), "c:new"),))
    rows.append((Button(turn.t("button.other_address"), "nav:back"),))
    return tuple(rows)
