"""A faithful local stand-in of the Telegram Bot API for tests and benchmarks.

python-telegram-bot talks to it over real HTTP (``ApplicationBuilder().base_url(...)``);
scripted users produce updates; the stand-in enforces Telegram's rules and records every
broken one as a violation. See docs/telegram-standin.md.
"""

from .models import BotMessage, CallbackAnswer, DocumentInfo, Violation
from .rules import Limits, ManualClock
from .runner import BotThread
from .server import DEFAULT_TOKEN, TelegramStandIn
from .users import ScriptedUser, command_entities

__all__ = [
    "DEFAULT_TOKEN",
    "BotMessage",
    "BotThread",
    "CallbackAnswer",
    "DocumentInfo",
    "Limits",
    "ManualClock",
    "ScriptedUser",
    "TelegramStandIn",
    "Violation",
    "command_entities",
]
