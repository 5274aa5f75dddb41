"""Scripted users: what a person does in the Telegram app, as updates for the bot."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from .models import JSON, BotMessage, CallbackAnswer
from .rules import utf16_len
from .state import CallbackRecord, ChatState, StandInState

Predicate = Callable[[BotMessage], bool]
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def command_entities(text: str) -> list[JSON]:
    """bot_command entities the Telegram app attaches to a message like "/start TOKEN"."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match[0]),
        }
        for match in _COMMAND.finditer(text)
    ]


class ScriptedUser:
    """One person in a private chat with the bot. All methods are thread-safe."""

    def __init__(self, state: StandInState, user: JSON) -> None:
        self._st = state
        self.json = user
        self.id: int = user["id"]
        self._chat: ChatState = state.ensure_chat(user)
        self._cursor = 0  # index into the chat's events: replies before it are consumed
        self._last_query: str | None = None

    @property
    def chat_id(self) -> int:
        return self.id

    def __repr__(self) -> str:
        return f"ScriptedUser(id={self.id}, first_name={self.json.get('first_name')!r})"

    # -- actions -----------------------------------------------------------------------------

    def send_text(self, text: str, reply_to: BotMessage | int | None = None) -> JSON:
        """Type and send ``text``; returns the update the bot will receive."""
        with self._st.lock:
            chat = self._active_chat()
            chat.started = True
            message: JSON = {
                "message_id": chat.new_message_id(),
                "from": dict(self.json),
                "chat": dict(chat.chat),
                "date": int(time.time()),
                "text": text,
            }
            entities = command_entities(text)
            if entities:
                message["entities"] = entities
            if reply_to is not None:
                reply_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
                original = chat.bot_messages.get(reply_id)
                if original is None:
                    raise LookupError(f"chat {self.id} has no bot message {reply_id} to reply to")
                message["reply_to_message"] = original.raw
            chat.user_messages[message["message_id"]] = message
            self._cursor = len(chat.events)
            update: JSON = {"message": message}
            self._st.enqueue(update)
            return update

    def tap(self, button: str, message: BotMessage | int | None = None) -> JSON:
        """Tap the inline button with this text or callback_data on the latest bot message
        that has an inline keyboard (or on ``message``); returns the callback_query update."""
        with self._st.lock:
            chat = self._active_chat()
            target = self._keyboard_message(chat, message)
            found = target.find_button(button)
            if found is None:
                raise LookupError(
                    f"user {self.id}: no button {button!r} on bot message {target.message_id} "
                    f"({target.text!r}); its buttons are {target.buttons} "
                    f"with callback_data {target.callback_data}"
                )
            if "callback_data" not in found:
                raise LookupError(f"button {found['text']!r} is not a callback button: {found}")
            query_id = str(next(self._st.query_ids))
            query: JSON = {
                "id": query_id,
                "from": dict(self.json),
                "message": target.raw,
                "chat_instance": str(-(10**12) - self.id),
                "data": found["callback_data"],
            }
            record = CallbackRecord(query_id, self.id, 0, str(found["callback_data"]))
            self._st.callbacks[query_id] = record
            self._cursor = len(chat.events)
            self._last_query = query_id
            update: JSON = {"callback_query": query}
            record.update_id = self._st.enqueue(update)
            return update

    def block(self) -> None:
        """Block the bot: Telegram tells the bot with a my_chat_member update."""
        self._set_blocked(True)

    def unblock(self) -> None:
        self._set_blocked(False)

    # -- what the user sees --------------------------------------------------------------------

    def messages(self) -> list[BotMessage]:
        """The bot's messages in this chat as they look now (after edits, without deleted)."""
        with self._st.lock:
            return [m for m in self._chat.bot_messages.values() if not m.deleted]

    def last_message(self) -> BotMessage | None:
        shown = self.messages()
        return shown[-1] if shown else None

    def reply_keyboard(self) -> list[list[str]] | None:
        """The reply keyboard the bot currently shows under the input field."""
        with self._st.lock:
            markup = self._chat.reply_keyboard
            if markup is None:
                return None
            return [
                [b if isinstance(b, str) else str(b.get("text")) for b in row]
                for row in markup["keyboard"]
            ]

    def callback_answers(self) -> list[CallbackAnswer]:
        with self._st.lock:
            return list(self._chat.answers.values())

    def chat_actions(self) -> list[str]:
        with self._st.lock:
            return [action for chat_id, action in self._st.chat_actions if chat_id == self.id]

    # -- waiting ---------------------------------------------------------------------------------

    def wait_for_reply(
        self, predicate: Predicate | None = None, timeout: float = 5.0
    ) -> BotMessage:
        """Block until the bot sends or edits a message here after this user's last action
        (skipping replies already returned); returns the message as it was then."""
        found: list[BotMessage] = []
        ready = self._reply_ready(predicate, found)
        if not self._st.wait_chat(self._chat, ready, timeout):
            raise self._timeout("a reply", timeout)
        return found[0]

    async def areply(self, predicate: Predicate | None = None, timeout: float = 5.0) -> BotMessage:
        """``wait_for_reply`` for async tests: waits without blocking the event loop."""
        found: list[BotMessage] = []
        ready = self._reply_ready(predicate, found)
        if not await self._st.await_ready(self._chat.async_waiters, ready, timeout):
            raise self._timeout("a reply", timeout)
        return found[0]

    def wait_for_answer(self, timeout: float = 5.0) -> CallbackAnswer:
        """Block until the bot answered this user's last tap."""
        query_id = self._last_query
        if query_id is None:
            raise LookupError(f"user {self.id} has not tapped anything")
        if not self._st.wait_chat(self._chat, lambda: query_id in self._chat.answers, timeout):
            raise self._timeout(f"the answer to callback query {query_id}", timeout)
        return self._chat.answers[query_id]

    async def aanswer(self, timeout: float = 5.0) -> CallbackAnswer:
        query_id = self._last_query
        if query_id is None:
            raise LookupError(f"user {self.id} has not tapped anything")
        answered = await self._st.await_ready(
            self._chat.async_waiters, lambda: query_id in self._chat.answers, timeout
        )
        if not answered:
            raise self._timeout(f"the answer to callback query {query_id}", timeout)
        return self._chat.answers[query_id]

    # -- internals -----------------------------------------------------------------------------

    def _reply_ready(
        self, predicate: Predicate | None, found: list[BotMessage]
    ) -> Callable[[], bool]:
        def ready() -> bool:  # called with the lock held
            events = self._chat.events
            for index in range(self._cursor, len(events)):
                if predicate is None or predicate(events[index]):
                    self._cursor = index + 1
                    found.append(events[index])
                    return True
            return False

        return ready

    def _timeout(self, what: str, timeout: float) -> TimeoutError:
        with self._st.lock:
            shown = [m for m in self._chat.bot_messages.values() if not m.deleted]
            violations = [str(v) for v in self._st.violations]
        return TimeoutError(
            f"user {self.id}: no {what} within {timeout:g}s of its last action. "
            f"Bot messages in this chat: {shown}. Violations so far: {violations}"
        )

    def _active_chat(self) -> ChatState:
        if self._chat.blocked:
            raise RuntimeError(f"user {self.id} has blocked the bot; call unblock() first")
        return self._chat

    def _keyboard_message(self, chat: ChatState, message: BotMessage | int | None) -> BotMessage:
        if message is not None:
            message_id = message if isinstance(message, int) else message.message_id
            target = chat.bot_messages.get(message_id)
            if target is None or target.deleted:
                raise LookupError(f"chat {self.id} has no bot message {message_id}")
            return target
        for candidate in reversed(chat.bot_messages.values()):
            if not candidate.deleted and candidate.inline_keyboard:
                return candidate
        raise LookupError(f"user {self.id}: no bot message with an inline keyboard in this chat")

    def _set_blocked(self, blocked: bool) -> None:
        with self._st.lock:
            chat = self._chat
            if chat.blocked == blocked:
                return
            chat.blocked = blocked
            bot = {k: self._st.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
            member: JSON = {"status": "member", "user": bot}
            kicked: JSON = {"status": "kicked", "user": bot, "until_date": 0}
            old, new = (member, kicked) if blocked else (kicked, member)
            self._st.enqueue(
                {
                    "my_chat_member": {
                        "chat": dict(chat.chat),
                        "from": dict(self.json),
                        "date": int(time.time()),
                        "old_chat_member": old,
                        "new_chat_member": new,
                    }
                }
            )
