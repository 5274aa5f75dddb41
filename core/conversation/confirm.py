"""/bevestig <e-mail> <code>: someone who registered by e-mail confirms the code in the chat.

The code e-mail says so; typing it here links this Telegram account to the contact too.
"""

from __future__ import annotations

import re

from core.conversation.turn import Turn
from core.usecases.submit import Result
from core.usecases.verification import verify

_CODE = re.compile(r"^\d{6}$", re.ASCII)  # ASCII digits only


def confirm(turn: Turn, argument: str) -> None:
    words = argument.split()
    email = next((w.strip("<>,;").lower() for w in words if "@" in w), None)
    code = next((w for w in words if _CODE.match(w)), None)
    if email is None or code is None:
        turn.say(turn.t("confirm.usage"))
        return
    outcome = verify(turn.uow, turn.env, email, code, telegram_user_id=turn.user_id)
    if outcome.result is Result.REJECTED:
        turn.say(outcome.errors[0].message(turn.language))
        return
    registration = outcome.registration
    reference = registration.reference if registration else ""
    if outcome.result is Result.PENDING_APPROVAL and registration is not None:
        name = turn.env.municipality_name(registration.municipality)
        turn.say(turn.t("confirm.pending_approval", email=email, municipality=name))
        return
    turn.say(turn.t("confirm.done", email=email, reference=reference))
