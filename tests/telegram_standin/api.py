"""Bot API methods other than chat messages, and the dispatcher that records calls,
violations and Telegram's error answers."""

from __future__ import annotations

import re
from typing import Any

from . import messages as _messages  # noqa: F401  (registers the message methods)
from .models import JSON, ApiError, CallbackAnswer, bad_request
from .params import HANDLERS, Params, method
from .rules import MAX_CALLBACK_ANSWER, MAX_COMMANDS, utf16_len
from .state import UPDATE_TYPES, StandInState

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_QUERY_GONE = "query is too old and response timeout expired or query ID is invalid"


def dispatch(st: StandInState, method_name: str, p: Params) -> tuple[int, JSON]:
    """Run one Bot API call; returns (HTTP status, JSON body) exactly as Telegram would."""
    st.record_call(method_name, p.summary())
    handler = HANDLERS.get(method_name.lower())
    try:
        if handler is None:
            raise ApiError(404, "Not Found", violation="unknown_method", detail="not emulated")
        if method_name.lower() == "getupdates":
            result = handler(st, p)  # waits on the condition, releasing the lock meanwhile
        else:
            with st.lock:
                result = handler(st, p)
        return 200, {"ok": True, "result": result}
    except ApiError as error:
        if error.violation:
            st.violate(error.violation, method_name, error.detail)
        return error.status, error.payload()


@method("getMe")
def get_me(st: StandInState, p: Params) -> JSON:
    return dict(st.bot_user)


@method("logOut", "close")
def log_out(st: StandInState, p: Params) -> bool:
    return True


@method("getUpdates")
def get_updates(st: StandInState, p: Params) -> list[JSON]:
    limit = p.int_("limit") or 100
    limit = min(max(limit, 1), 100)
    timeout = max(0.0, p.float_("timeout", 0.0))
    allowed = p.json_("allowed_updates")
    if allowed is not None:
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed updates list", "bad_json")
        # Telegram ignores names it does not know; so does the stand-in.
        allowed = [str(name) for name in allowed if name in UPDATE_TYPES]
    return st.get_updates(p.int_("offset"), limit, timeout, allowed)


@method("deleteWebhook")
def delete_webhook(st: StandInState, p: Params) -> bool:
    st.webhook = None
    if p.bool_("drop_pending_updates"):
        st.pending.clear()
        st.redeliver.clear()
    return True


@method("setWebhook")
def set_webhook(st: StandInState, p: Params) -> bool:
    url = p.str_("url") or ""
    if not url:
        return delete_webhook(st, p)
    if not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook", "bad_webhook")
    st.webhook = {"url": url, "allowed_updates": p.json_("allowed_updates")}
    if p.bool_("drop_pending_updates"):
        st.pending.clear()
    return True


@method("getWebhookInfo")
def get_webhook_info(st: StandInState, p: Params) -> JSON:
    info: JSON = {
        "url": st.webhook["url"] if st.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(st.pending),
    }
    if st.webhook and st.webhook.get("allowed_updates"):
        info["allowed_updates"] = st.webhook["allowed_updates"]
    return info


@method("answerCallbackQuery")
def answer_callback_query(st: StandInState, p: Params) -> bool:
    query_id = p.str_("callback_query_id") or ""
    record = st.callbacks.get(query_id)
    if record is None or record.delivered_at is None:
        raise bad_request(_QUERY_GONE, "callback_invalid", f"unknown callback query {query_id!r}")
    if record.answer is not None:
        raise bad_request(
            _QUERY_GONE, "callback_answered_twice", f"callback query {query_id} answered twice"
        )
    text = p.str_("text")
    if text and utf16_len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request(
            "MESSAGE_TOO_LONG",
            "callback_answer_too_long",
            f"answer text is {utf16_len(text)} characters; the limit is {MAX_CALLBACK_ANSWER}",
        )
    waited = st.clock() - record.delivered_at
    if waited > st.limits.callback_answer_timeout:
        detail = f"callback query {query_id} answered after {waited:.1f}s"
        raise bad_request(_QUERY_GONE, None if record.flagged else "callback_answer_late", detail)
    answer = CallbackAnswer(query_id, text, p.bool_("show_alert"), p.str_("url"))
    record.answer = answer
    chat = st.chats.get(record.chat_id)
    if chat is not None:
        chat.answers[query_id] = answer
        st.notify_chat(chat)
    return True


def _scope_key(scope: Any) -> str:
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object", "bad_json")
    kind = str(scope["type"])
    if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        return kind
    if kind in ("chat", "chat_administrators"):
        return f"{kind}:{scope.get('chat_id')}"
    if kind == "chat_member":
        return f"chat_member:{scope.get('chat_id')}:{scope.get('user_id')}"
    raise bad_request("wrong BotCommandScope type specified", "bad_json")


def _commands_key(p: Params) -> tuple[str, str]:
    language = p.str_("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified", "bad_language_code", language)
    return _scope_key(p.json_("scope")), language


@method("setMyCommands")
def set_my_commands(st: StandInState, p: Params) -> bool:
    key = _commands_key(p)
    commands = p.json_("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object", "bad_json")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH", "commands_invalid", f"{len(commands)} commands")
    stored: list[JSON] = []
    for entry in commands:
        name = str(entry.get("command", "")) if isinstance(entry, dict) else ""
        description = str(entry.get("description", "")) if isinstance(entry, dict) else ""
        if not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID", "commands_invalid", f"command {name!r}")
        if not 1 <= len(description) <= 256:
            raise bad_request(
                "BOT_COMMAND_DESCRIPTION_INVALID",
                "commands_invalid",
                f"/{name}: description must be 1-256 characters",
            )
        stored.append({"command": name, "description": description})
    if stored:
        st.commands[key] = stored
    else:
        st.commands.pop(key, None)
    return True


@method("getMyCommands")
def get_my_commands(st: StandInState, p: Params) -> list[JSON]:
    return [dict(c) for c in st.commands.get(_commands_key(p), [])]


@method("deleteMyCommands")
def delete_my_commands(st: StandInState, p: Params) -> bool:
    st.commands.pop(_commands_key(p), None)
    return True
