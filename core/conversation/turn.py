"""One turn of the conversation: the event, the locked draft, and the answer being built."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.campaign import Env
from core.chat_texts import t
from core.conversation.model import Keyboard, Reply
from core.form import FORM
from core.model import Channel, Contact, Draft
from core.ports import UnitOfWork
from core.texts import normalise_language
from core.usecases.submit import Identity

YES = frozenset({"ja", "yes", "ok", "oké", "oke", "j", "y", "bevestigen", "bevestig", "confirm"})
NO = frozenset({"nee", "no", "neen", "n", "stop"})
BACK = frozenset({"terug", "back", "vorige", "previous"})


@dataclass(frozen=True)
class ChatOptions:
    """Channel settings the conversation needs: where the e-mail alternative goes."""

    intake_address: str = ""
    max_codes: int = 3  # codes one conversation may ask for (the first and two resends)
    fails_before_help: int = 3


@dataclass(frozen=True)
class Step:
    """What one step of the chat does (core/conversation/routes.py has one per step): ask its
    question, read a typed answer, take a tap on one of its buttons, show its buttons (typing
    a button's text does what tapping it does), and help after failed tries."""

    ask: Callable[[Turn], None]
    answer: Callable[[Turn, str], None]
    keyboards: Callable[[Turn], list[Keyboard]]
    help: Callable[[Turn], str]
    tap: Callable[[Turn, str], None] | None = None
    taps: frozenset[str] = frozenset()  # the callback-data prefixes of its buttons
    enter: Callable[[Turn], None] | None = None  # entering it anew (the code step sends a code)


@dataclass
class Turn:
    uow: UnitOfWork
    env: Env
    options: ChatOptions
    user_id: int
    language_code: str | None
    draft: Draft | None
    routes: Mapping[str, Step]  # step name -> what it does; a form field not in it: FIELD
    replies: list[Reply] = field(default_factory=list)
    toast: str = ""
    deleted: bool = False
    tapped: bool = False  # a button was tapped (not typed): its message can be edited

    @property
    def owner(self) -> str:
        return f"telegram:{self.user_id}"

    @property
    def language(self) -> str:
        if self.draft is not None:
            return self.draft.language
        linked = self.contacts()
        if linked:
            return normalise_language(linked[0].language)
        return normalise_language(self.language_code)

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.language, **params)

    def say(self, text: str, keyboard: Keyboard = ()) -> None:
        self.replies.append(Reply(text, keyboard))

    def edit(self, text: str, keyboard: Keyboard = ()) -> None:
        """Replace the message whose button was tapped; typed input gets a new message."""
        self.replies.append(Reply(text, keyboard, edit=self.tapped))

    def refuse(self, message: str) -> None:
        """A tap that changes nothing gets a toast (its message is left alone)."""
        if self.tapped:
            self.toast = message
        else:
            self.say(message)

    @property
    def state(self) -> dict[str, Any]:
        assert self.draft is not None
        return self.draft.state

    @property
    def values(self) -> dict[str, Any]:
        assert self.draft is not None
        return self.draft.values

    def contacts(self) -> list[Contact]:
        """The contacts this Telegram account is linked to (not erased)."""
        return [c for c in self.uow.contacts.by_telegram(self.user_id) if not c.erased]

    def new_draft(self, language: str) -> Draft:
        now = self.env.clock.now()
        first = FORM.next_missing({"language": language})
        self.draft = Draft(
            self.owner,
            Channel.TELEGRAM,
            language,
            {"language": language},
            first.key if first else None,
            now,
        )
        self.deleted = False
        return self.draft

    def drop_draft(self) -> None:
        self.language_code = self.language  # the rest of this answer keeps its language
        if self.draft is not None:
            self.uow.drafts.delete(self.owner)
        self.draft = None
        self.deleted = True

    def identity(self) -> Identity:
        token = self.state.get("token") if self.draft is not None else None
        proven = str(self.state.get("proven") or "") if self.draft is not None else ""
        if proven and proven == str(self.values.get("contact_email") or "").lower():
            return Identity(
                Channel.TELEGRAM,
                email=proven,
                email_trusted=True,
                token=token,
                telegram_user_id=self.user_id,
                proven=True,
            )
        return Identity(Channel.TELEGRAM, token=token, telegram_user_id=self.user_id)

    def trusted(self) -> bool:
        """Whether this account may speak for the draft's municipality with the draft's address:
        it came through that contact's invitation link, or proved the address before."""
        if self.draft is None:
            return False
        municipality = self.values.get("municipality")
        email = str(self.values.get("contact_email") or "").lower()
        if not municipality or not email:
            return False
        token = self.state.get("token")
        if self.state.get("proven") == email:  # proven with a code; approval still needed
            return True
        for contact in self.uow.contacts.for_municipality(municipality):
            if contact.erased or contact.email.lower() != email:
                continue
            if token and contact.token == token:
                return True
            if contact.trusted and contact.telegram_user_id == self.user_id:
                return True
        return False

    def municipality_name(self) -> str:
        refnis = self.values.get("municipality") if self.draft is not None else None
        return self.env.municipality_name(refnis) if refnis else ""


def words(text: str) -> str:
    """What was typed, lower case and without punctuation at the ends: for yes/no/back."""
    return re.sub(r"^[\W_]+|[\W_]+$", "", text.strip().lower())


def is_yes(text: str) -> bool:
    return words(text) in YES


def is_no(text: str) -> bool:
    return words(text) in NO


def is_back(text: str) -> bool:
    return words(text) in BACK or text.strip() in ("<", "«")
