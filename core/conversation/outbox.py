"""Outbox rows for chats: the chat version of each kind of message, and what happens when a
chat cannot take it (the person blocked the bot): the contact is marked unreachable on
Telegram and gets the same message by e-mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.audit import log_action
from core.chat_texts import has, render, t
from core.model import Actor, ActorKind, Channel, OutboxMessage
from core.ports import UnitOfWork
from core.themes import ThemeCatalog


def chat_text(message: OutboxMessage, themes: ThemeCatalog) -> str | None:
    """The message as a chat shows it, or None for kinds that only exist as e-mail."""
    key = f"outbox.{message.kind}"
    if not has(key):
        return None
    language = "en" if message.language == "en" else "nl"
    params: dict[str, Any] = dict(message.params)
    titles = themes.titles(params.get("preferences") or [], language)
    params["themes"] = "\n".join(f"{i}. {title}" for i, title in enumerate(titles, 1))
    changed_by = params.get("changed_by")
    params["by"] = t("outbox.by", language, name=changed_by) if changed_by else ""
    return render(key, language, params)


def mark_unreachable(uow: UnitOfWork, now: datetime, message: OutboxMessage) -> None:
    """Telegram refused the chat (blocked): core.notify will not queue chat messages for this
    contact any more, until the person writes to the bot again."""
    contact = uow.contacts.get(message.contact_id) if message.contact_id is not None else None
    if contact is None or contact.telegram_unreachable:
        return
    contact.telegram_unreachable = True
    uow.contacts.update(contact)
    actor = Actor(ActorKind.SYSTEM, Channel.TELEGRAM, name="chat-sender")
    log_action(uow, now, actor, "contact.telegram_unreachable", f"contact:{contact.id}")


def by_email_instead(
    uow: UnitOfWork, now: datetime, message: OutboxMessage
) -> OutboxMessage | None:
    """The same message by e-mail, once (its dedup key is the e-mail twin of the chat one)."""
    contact = uow.contacts.get(message.contact_id) if message.contact_id is not None else None
    if contact is None or contact.erased or not contact.email:
        return None
    key = message.dedup_key
    key = key.removesuffix(":telegram") + ":email" if key.endswith(":telegram") else f"{key}:email"
    copy = OutboxMessage(
        channel=Channel.EMAIL,
        recipient=contact.email,
        language=message.language,
        kind=message.kind,
        params=dict(message.params),
        dedup_key=key,
        created_at=now,
        contact_id=contact.id,
    )
    return copy if uow.outbox.add(copy) else None
