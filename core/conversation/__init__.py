"""The guided registration chat, independent of any chat library: events in, answers out.

The steps come from core's registration form; the state lives in the draft (values, step and
state), so any instance can answer any update and a restart loses nothing.
"""

from core.conversation.flow import ChatOptions, Conversation
from core.conversation.model import Answer, Button, ChatEvent, EventKind, Reply

__all__ = [
    "Answer",
    "Button",
    "ChatEvent",
    "ChatOptions",
    "Conversation",
    "EventKind",
    "Reply",
]
