"""Telegram updates to the conversation's events: only private chats, text, taps, commands,
and the person blocking or unblocking the bot; everything else is not for us."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType, MessageEntityType

from core.conversation import ChatEvent, EventKind


def decode(update: Update) -> ChatEvent | None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or user.is_bot or chat is None or chat.type != ChatType.PRIVATE:
        return None
    update_id, user_id, language = update.update_id, user.id, user.language_code
    if update.callback_query is not None:
        data = update.callback_query.data or ""
        return ChatEvent(update_id, user_id, EventKind.TAP, data=data, language_code=language)
    if update.my_chat_member is not None:
        status = update.my_chat_member.new_chat_member.status
        blocked = status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
        kind = EventKind.BLOCKED if blocked else EventKind.UNBLOCKED
        return ChatEvent(update_id, user_id, kind, language_code=language)
    message = update.message
    if message is None:
        return None  # edited messages, channel posts, ...
    text = message.text or message.caption or ""
    entities = message.entities or ()
    first = entities[0] if entities else None
    if first is not None and first.type == MessageEntityType.BOT_COMMAND and first.offset == 0:
        command = text[1 : first.length].split("@", 1)[0]
        argument = text[first.length :].strip()
        kind = EventKind.COMMAND
        return ChatEvent(update_id, user_id, kind, argument, command, language_code=language)
    return ChatEvent(update_id, user_id, EventKind.TEXT, text, language_code=language)
