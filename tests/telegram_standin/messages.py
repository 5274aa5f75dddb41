"""Bot API methods that put something in a chat: send, edit, delete, chat actions, documents."""

from __future__ import annotations

import itertools
import mimetypes
import time
from dataclasses import replace

from .entities import parse_formatted
from .models import JSON, ApiError, BotMessage, DocumentInfo, bad_request
from .params import Params, method
from .rules import check_reply_markup, check_text
from .state import ChatState, StandInState

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
MAX_UPLOAD = 50 * 1024 * 1024
_file_numbers = itertools.count(1)


def target_chat(st: StandInState, p: Params) -> ChatState:
    """The private chat named by ``chat_id``, if the bot may write there."""
    raw = p.str_("chat_id")
    if not raw:
        raise bad_request("chat_id is empty", "chat_not_found")
    try:
        chat_id = int(raw)
    except ValueError:
        raise bad_request("chat not found", "chat_not_found", f"chat_id {raw!r}") from None
    chat = st.chats.get(chat_id)
    if chat is None:
        raise bad_request("chat not found", "chat_not_found", f"no chat {chat_id}")
    if chat.blocked:
        raise ApiError(
            403,
            "Forbidden: bot was blocked by the user",
            violation="blocked_user",
            detail=f"chat {chat_id}: the user blocked the bot",
        )
    if not chat.started:
        raise ApiError(
            403,
            "Forbidden: bot can't initiate conversation with a user",
            violation="cant_initiate",
            detail=f"chat {chat_id}: the user never wrote to the bot",
        )
    return chat


def message_json(st: StandInState, chat: ChatState, message: BotMessage) -> JSON:
    """The Message object Telegram returns (and puts in callback queries)."""
    bot = st.bot_user
    raw: JSON = {
        "message_id": message.message_id,
        "from": {k: bot[k] for k in ("id", "is_bot", "first_name", "username")},
        "chat": dict(chat.chat),
        "date": message.date,
    }
    if message.edit_date is not None:
        raw["edit_date"] = message.edit_date
    if message.text is not None:
        raw["text"] = message.text
        if message.entities:
            raw["entities"] = [dict(e) for e in message.entities]
    if message.document is not None:
        doc = message.document
        raw["document"] = {
            "file_id": doc.file_id,
            "file_unique_id": doc.file_unique_id,
            "file_size": doc.file_size,
        }
        if doc.file_name:
            raw["document"]["file_name"] = doc.file_name
        if doc.mime_type:
            raw["document"]["mime_type"] = doc.mime_type
        if message.caption:
            raw["caption"] = message.caption
            if message.entities:
                raw["caption_entities"] = [dict(e) for e in message.entities]
    if message.link_preview_options:
        raw["link_preview_options"] = dict(message.link_preview_options)
    if message.reply_markup and "inline_keyboard" in message.reply_markup:
        # Only inline keyboards belong to a message; reply keyboards belong to the chat.
        raw["reply_markup"] = {"inline_keyboard": message.reply_markup["inline_keyboard"]}
    return raw


def _markup(p: Params) -> JSON | None:
    markup = p.json_("reply_markup")
    if markup is None:
        return None
    check_reply_markup(markup)
    result: JSON = markup
    return result


def _formatted(p: Params, text: str, entities_field: str) -> tuple[str, list[JSON]]:
    parse_mode = p.str_("parse_mode") or None
    if parse_mode is None and p.has(entities_field):
        explicit = p.json_(entities_field)
        return text, list(explicit) if isinstance(explicit, list) else []
    return parse_formatted(text, parse_mode)


def _preview(p: Params) -> JSON | None:
    options = p.json_("link_preview_options")
    if options is None and p.bool_("disable_web_page_preview"):
        options = {"is_disabled": True}
    return options if isinstance(options, dict) else None


def _apply_chat_keyboard(chat: ChatState, markup: JSON | None) -> None:
    if markup is None or "inline_keyboard" in markup:
        return
    if "keyboard" in markup:
        chat.reply_keyboard = markup
    elif markup.get("remove_keyboard"):
        chat.reply_keyboard = None


def _replied(chat: ChatState, p: Params) -> JSON | None:
    """The message this one answers (reply_parameters or the older reply_to_message_id)."""
    parameters = p.json_("reply_parameters")
    if isinstance(parameters, dict):
        message_id, lenient = (
            parameters.get("message_id"),
            parameters.get("allow_sending_without_reply"),
        )
    else:
        message_id, lenient = p.int_("reply_to_message_id"), p.bool_("allow_sending_without_reply")
    if message_id is None:
        return None
    bot_message = chat.bot_messages.get(int(message_id))
    if bot_message is not None and not bot_message.deleted:
        return {k: v for k, v in bot_message.raw.items() if k != "reply_to_message"}
    if int(message_id) in chat.user_messages:
        original = chat.user_messages[int(message_id)]
        return {k: v for k, v in original.items() if k != "reply_to_message"}
    if lenient:
        return None
    raise bad_request("message to be replied not found", "reply_not_found", f"message {message_id}")


def _send(st: StandInState, chat: ChatState, message: BotMessage, p: Params) -> JSON:
    replied = _replied(chat, p)
    st.rate.check_and_take(chat.chat_id)
    raw = message_json(st, chat, message)
    if replied is not None:
        raw["reply_to_message"] = replied
    message = replace(message, raw=raw)
    _apply_chat_keyboard(chat, message.reply_markup)
    st.store_bot_message(chat, message)
    return message.raw


@method("sendMessage")
def send_message(st: StandInState, p: Params) -> JSON:
    chat = target_chat(st, p)
    text = p.str_("text") or ""
    if not text.strip():
        raise bad_request("message text is empty", "text_empty", f"chat {chat.chat_id}")
    plain, entities = _formatted(p, text, "entities")
    if not plain.strip():
        raise bad_request("message text is empty", "text_empty", f"chat {chat.chat_id}")
    check_text(plain, method="sendMessage")
    markup = _markup(p)
    message = BotMessage(
        chat_id=chat.chat_id,
        message_id=chat.new_message_id(),
        date=int(time.time()),
        text=plain,
        parse_mode=p.str_("parse_mode") or None,
        entities=tuple(entities),
        reply_markup=markup,
        link_preview_options=_preview(p),
    )
    return _send(st, chat, message, p)


@method("sendDocument")
def send_document(st: StandInState, p: Params) -> JSON:
    chat = target_chat(st, p)
    document = _document(st, p)
    caption = p.str_("caption") or ""
    plain, entities = _formatted(p, caption, "caption_entities")
    check_text(plain, method="sendDocument", is_caption=True)
    message = BotMessage(
        chat_id=chat.chat_id,
        message_id=chat.new_message_id(),
        date=int(time.time()),
        text=None,
        caption=plain or None,
        parse_mode=p.str_("parse_mode") or None,
        entities=tuple(entities),
        reply_markup=_markup(p),
        document=document,
    )
    return _send(st, chat, message, p)


def _document(st: StandInState, p: Params) -> DocumentInfo:
    upload = p.files.get("document")
    reference = p.str_("document") or ""
    if upload is None and reference.startswith("attach://"):
        upload = p.files.get(reference.removeprefix("attach://"))
    if upload is None:
        known = st.files.get(reference)
        if known is None:
            raise bad_request("wrong file identifier/HTTP URL specified", "bad_file", reference)
        return known
    if not upload.data:
        raise bad_request("file must be non-empty", "empty_file", str(upload.filename))
    if len(upload.data) > MAX_UPLOAD:
        raise ApiError(413, "Request Entity Too Large", violation="file_too_large")
    number = next(_file_numbers)
    mime = upload.content_type
    if not mime or mime == "application/octet-stream":
        mime = mimetypes.guess_type(upload.filename or "")[0] or mime
    info = DocumentInfo(
        file_id=f"BQACAgQAAxkBAAI{number:06d}standin",
        file_unique_id=f"AgAD{number:06d}",
        file_name=upload.filename,
        mime_type=mime,
        data=upload.data,
    )
    st.files[info.file_id] = info
    return info


def _message_to_edit(st: StandInState, p: Params) -> tuple[ChatState, BotMessage]:
    if p.has("inline_message_id"):
        raise bad_request("inline messages are not emulated", "unsupported")
    chat = target_chat(st, p)
    message_id = p.int_("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified", "message_not_found")
    current = chat.bot_messages.get(message_id)
    if current is None or current.deleted:
        if message_id in chat.user_messages:
            raise bad_request("message can't be edited", "message_cant_be_edited")
        raise bad_request(
            "message to edit not found",
            "message_not_found",
            f"chat {chat.chat_id} has no bot message {message_id}",
        )
    return chat, current


def _inline_markup(p: Params) -> JSON | None:
    markup = _markup(p)
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected", "keyboard_invalid")
    return markup


def _inline_of(message: BotMessage) -> JSON | None:
    markup = message.reply_markup
    return markup if markup is not None and "inline_keyboard" in markup else None


def _not_modified(chat: ChatState, current: BotMessage) -> ApiError:
    return bad_request(
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message",
        "not_modified",
        f"chat {chat.chat_id} message {current.message_id}: identical edit",
    )


def _store_edit(st: StandInState, chat: ChatState, edited: BotMessage) -> JSON:
    edited = replace(edited, edit_count=edited.edit_count + 1, edit_date=int(time.time()))
    raw = message_json(st, chat, edited)
    if "reply_to_message" in edited.raw:
        raw["reply_to_message"] = edited.raw["reply_to_message"]
    edited = replace(edited, raw=raw)
    st.store_bot_message(chat, edited)
    return edited.raw


@method("editMessageText")
def edit_message_text(st: StandInState, p: Params) -> JSON:
    chat, current = _message_to_edit(st, p)
    text = p.str_("text") or ""
    if not text.strip():
        raise bad_request("message text is empty", "text_empty", f"chat {chat.chat_id}")
    if current.text is None:
        raise bad_request("there is no text in the message to edit", "bad_edit")
    plain, entities = _formatted(p, text, "entities")
    if not plain.strip():
        raise bad_request("message text is empty", "text_empty", f"chat {chat.chat_id}")
    check_text(plain, method="editMessageText")
    # Leaving reply_markup out removes the inline keyboard, as on Telegram.
    markup = _inline_markup(p)
    same_text = plain == current.text and tuple(entities) == current.entities
    if same_text and markup == _inline_of(current):
        raise _not_modified(chat, current)
    edited = replace(
        current,
        text=plain,
        entities=tuple(entities),
        parse_mode=p.str_("parse_mode") or None,
        reply_markup=markup,
        link_preview_options=_preview(p) or current.link_preview_options,
    )
    return _store_edit(st, chat, edited)


@method("editMessageReplyMarkup")
def edit_message_reply_markup(st: StandInState, p: Params) -> JSON:
    chat, current = _message_to_edit(st, p)
    markup = _inline_markup(p)
    if markup == _inline_of(current):
        raise _not_modified(chat, current)
    return _store_edit(st, chat, replace(current, reply_markup=markup))


@method("deleteMessage")
def delete_message(st: StandInState, p: Params) -> bool:
    chat = target_chat(st, p)
    message_id = p.int_("message_id")
    current = chat.bot_messages.get(message_id or 0)
    if current is not None and not current.deleted:
        chat.bot_messages[current.message_id] = replace(current, deleted=True)
        st.notify_chat(chat)
        return True
    if message_id in chat.user_messages:
        del chat.user_messages[message_id]
        return True
    raise bad_request("message to delete not found", "message_not_found")


@method("sendChatAction")
def send_chat_action(st: StandInState, p: Params) -> bool:
    chat = target_chat(st, p)
    action = p.str_("action") or ""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request", "bad_chat_action", repr(action))
    st.chat_actions.append((chat.chat_id, action))
    return True
