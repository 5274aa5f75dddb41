"""The registration chat on python-telegram-bot: each update becomes one transaction of core's
conversation (in a worker thread, so the event loop never waits for the database), then its
answer is sent: the tap answered first, edits of the tapped message, new messages."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes, TypeHandler

from bot.decode import decode
from bot.flood import FloodGuard, Verdict
from bot.limits import MAX_TOAST, check_data, split_text
from bot.ptb import AnyApplication
from core.chat_texts import t
from core.conversation import Answer, ChatEvent, Conversation, EventKind, Reply
from core.conversation.model import Keyboard
from core.model import InboundOutcome
from core.ports import Transaction
from core.texts import normalise_language

log = logging.getLogger("leertraject.bot")


class ChatBot:
    def __init__(
        self, conversation: Conversation, transaction: Transaction[Any], flood: FloodGuard
    ) -> None:
        self.conversation = conversation
        self.transaction = transaction
        self.flood = flood
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.handled = 0  # updates handled (duplicates included); for tests and benchmarks
        # Updates whose handling could not be committed: not confirmed to Telegram, which
        # delivers them again (bot.polling, the webhook's answer); apologised for once.
        self.uncommitted: set[int] = set()
        self.throttled = 0

    def install(self, application: AnyApplication) -> None:
        application.add_handler(TypeHandler(Update, self.on_update))
        application.add_error_handler(self.on_error)

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        event = decode(update)
        if event is None:
            if update.callback_query is not None:
                await _quietly(update.callback_query.answer())
            return
        blocked = event.kind in (EventKind.BLOCKED, EventKind.UNBLOCKED)
        verdict = Verdict.ADMIT if blocked else self.flood.admit(event.user_id)
        if verdict is not Verdict.ADMIT:
            await self._slow_down(update, event, verdict)
            self.throttled += 1
            return
        # One update of a chat at a time, in the order they came, answer included (so the
        # person sees the answers in that order too); the row lock in the database does the
        # same between instances.
        async with self._lock(event.user_id):
            try:
                answer: Answer = await asyncio.to_thread(
                    self.transaction, lambda uow: self.conversation.handle(uow, event)
                )
            except Exception:
                log.exception("update %s could not be handled", event.update_id)
                if event.update_id not in self.uncommitted:
                    await self._apologise(update, event)
                self.uncommitted.add(event.update_id)
                return
            retried = event.update_id in self.uncommitted  # its tap was answered already
            self.uncommitted.discard(event.update_id)
            if not answer.duplicate and not blocked:
                await self.deliver(update, event, answer, tap_answered=retried)
        self.handled += 1

    async def deliver(
        self, update: Update, event: ChatEvent, answer: Answer, tap_answered: bool = False
    ) -> None:
        query = update.callback_query
        if query is not None and not tap_answered:
            await _quietly(query.answer(answer.toast[:MAX_TOAST] or None))
        bot = update.get_bot()
        for reply in answer.replies:
            if reply.edit and query is not None and query.message is not None:
                await self._edit(update, reply)
                continue
            if reply.edit:
                continue  # typed input has no tapped message to change
            for piece, keyboard in _pieces(reply):
                try:
                    await bot.send_message(event.user_id, piece, reply_markup=_markup(keyboard))
                except Forbidden:
                    log.info("chat %s blocked the bot while we answered", event.user_id)
                    return

    async def _edit(self, update: Update, reply: Reply) -> None:
        query = update.callback_query
        assert query is not None
        pieces = _pieces(reply)
        first, keyboard = pieces[0]
        try:
            await query.edit_message_text(first, reply_markup=_markup(keyboard))
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise
        for piece, more in pieces[1:]:
            await update.get_bot().send_message(
                update.effective_chat.id if update.effective_chat else 0,
                piece,
                reply_markup=_markup(more),
            )

    async def _slow_down(self, update: Update, event: ChatEvent, verdict: Verdict) -> None:
        """Too many updates: record this one as not handled (so a redelivery is not handled
        either), answer a tap as Telegram requires, and say "even geduld" once."""
        recorded = await asyncio.to_thread(
            self.transaction,
            lambda uow: self.conversation.record(uow, event, InboundOutcome.THROTTLED),
        )
        language = normalise_language(event.language_code)
        if update.callback_query is not None:
            await _quietly(update.callback_query.answer(t("flood", language)[:MAX_TOAST]))
        elif verdict is Verdict.WARN and recorded:
            await _quietly(update.get_bot().send_message(event.user_id, t("flood", language)))

    async def _apologise(self, update: Update, event: ChatEvent) -> None:
        """Nothing was stored (the transaction rolled back): say so, and answer the tap."""
        text = t("error", normalise_language(event.language_code))
        if update.callback_query is not None:
            await _quietly(update.callback_query.answer(text[:MAX_TOAST]))
        elif event.kind is not EventKind.BLOCKED:
            await _quietly(update.get_bot().send_message(event.user_id, text))

    def _lock(self, user_id: int) -> _ChatLock:
        return _ChatLock(self, user_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("handling a Telegram update failed", exc_info=context.error)
        if isinstance(update, Update):
            self.uncommitted.add(update.update_id)


class _ChatLock:
    """A per-chat asyncio lock that is forgotten when nobody holds or waits for it."""

    def __init__(self, owner: ChatBot, user_id: int) -> None:
        self.owner = owner
        self.user_id = user_id

    async def __aenter__(self) -> None:
        owner = self.owner
        owner._waiting[self.user_id] = owner._waiting.get(self.user_id, 0) + 1
        lock = owner._locks.setdefault(self.user_id, asyncio.Lock())
        await lock.acquire()

    async def __aexit__(self, *exc: object) -> None:
        owner = self.owner
        owner._locks[self.user_id].release()
        owner._waiting[self.user_id] -= 1
        if owner._waiting[self.user_id] == 0:
            del owner._waiting[self.user_id]
            del owner._locks[self.user_id]


def _pieces(reply: Reply) -> list[tuple[str, Keyboard]]:
    """Within Telegram's 4,096: split, with the buttons under the last piece."""
    parts = split_text(reply.text) or [" "]
    return [(part, reply.keyboard if i == len(parts) - 1 else ()) for i, part in enumerate(parts)]


def _markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=check_data(b.data)) for b in row]
            for row in keyboard
        ]
    )


async def _quietly(call: Any) -> None:
    """Answers that may fail without harm (a tap answered too late, a chat gone)."""
    try:
        await call
    except TelegramError as error:
        log.info("Telegram refused a courtesy call: %s", error)
