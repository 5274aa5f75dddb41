"""Outbox rows to e-mails: subject, text and HTML from the Jinja2 templates, in the contact's
language, with the headers that keep robots from answering and let replies thread.

One template per kind (mail/templates/<kind>.j2) holds the layout of the text; its sentences
come from core's gettext catalogs through the template global `t(key, **params)`, which
fills a sentence's placeholders from the template's variables (and any given params) in the
language being rendered (core/i18n.py: domain "mail", and "core" for the wording the e-mails
share with the chat)."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, pass_context
from jinja2.runtime import Context

from core import i18n
from core.model import OutboxMessage
from core.themes import ThemeCatalog
from mail.ics import kickoff_ics
from mail.replies import filled_template

LOOP_HEADER = "X-Leertraject-Loop"
_PLACEHOLDER = "\x00TEMPLATE\x00"


@dataclass(frozen=True)
class Sender:
    address: str
    name: str

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1]


class Renderer:
    def __init__(
        self,
        themes: ThemeCatalog,
        sender: Sender,
        bot_username: str = "",
        *,
        bot_enabled: bool = False,
        min_preferences: int = 3,
        max_preferences: int = 5,
    ) -> None:
        self.themes = themes
        self.sender = sender
        self.bot_username = bot_username.lstrip("@")
        self.bot_enabled = bot_enabled  # the Telegram bot runs: texts may point to the chat
        self.preference_limits = (min_preferences, max_preferences)
        self.text_env = Environment(
            loader=PackageLoader("mail", "templates"),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
        )
        self.text_env.globals["t"] = _t
        self.html_env = Environment(
            loader=PackageLoader("mail", "templates"), autoescape=True, undefined=StrictUndefined
        )

    def chat_link(self, token: str | None) -> str:
        """The deep link that opens the bot with the invitation token (t.me/<bot>?start=...)."""
        if not self.bot_username:
            return ""
        return f"https://t.me/{self.bot_username}" + (f"?start={token}" if token else "")

    def subject_and_text(self, message: OutboxMessage) -> tuple[str, str]:
        language = "en" if message.language == "en" else "nl"
        template = self.text_env.get_template(f"{message.kind}.j2")
        values = self._values(message, language)
        subject = " ".join(_block(template, "subject", values).split())
        if message.params.get("in_reply_to"):
            subject = f"Re: {subject}"  # one Re: and what happened, however long the thread
        body = _block(template, "body", values)
        return subject, re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"

    def build(self, message: OutboxMessage, now: Any) -> EmailMessage:
        """The e-mail for one outbox row, with its own Message-ID on our domain."""
        language = "en" if message.language == "en" else "nl"
        subject, text_with_placeholder = self.subject_and_text(message)
        template_text = str(message.params.get("template", ""))
        email = EmailMessage()
        email["From"] = formataddr((self.sender.name, self.sender.address))
        email["To"] = message.recipient
        email["Subject"] = subject
        email["Date"] = format_datetime(now)
        email["Message-ID"] = make_msgid(f"lt{message.id}", domain=self.sender.domain)
        email["Content-Language"] = language
        reply = message.params.get("in_reply_to")
        email["Auto-Submitted"] = "auto-replied" if reply else "auto-generated"
        email["X-Auto-Response-Suppress"] = "All"
        email[LOOP_HEADER] = self.sender.address
        if reply:
            email["In-Reply-To"] = str(reply)
            references = str(message.params.get("references") or "").split()
            email["References"] = " ".join([*references, *([] if reply in references else [reply])])
        email.set_content(text_with_placeholder.replace(_PLACEHOLDER, template_text))
        html = self.html_env.get_template("_layout.html.j2").render(
            language=language, subject=subject, blocks=_blocks(text_with_placeholder, template_text)
        )
        email.add_alternative(html, subtype="html")
        for attached in message.params.get("attachments", []):  # e.g. the staff report
            maintype, subtype = str(attached["content_type"]).split("/", 1)
            email.add_attachment(
                base64.b64decode(attached["data"]),
                maintype=maintype,
                subtype=subtype,
                filename=str(attached["filename"]),
            )
        if message.kind == "assignment.confirmed":
            invitation = kickoff_ics(
                message.params, self.sender.address, self.sender.domain, language, now
            )
            if invitation is not None:  # a str: text/calendar with charset="utf-8"
                email.add_attachment(
                    invitation,
                    subtype="calendar",
                    filename="kickoff.ics",
                    params={"method": "PUBLISH"},
                )
        return email

    def _values(self, message: OutboxMessage, language: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "contact_name": "",
            "changed_by": "",
            "beleidsprioriteiten": None,
            "realisaties": None,
            "acties": None,
            "original_subject": "",
            "email": message.recipient,  # rows queued before a template asked for it
            **message.params,
        }
        params.setdefault("reason", "validation")  # rows queued before replies said why
        params.setdefault("attached_files", "")  # a template only in these attachments
        params["bot_enabled"] = self.bot_enabled
        params["min_preferences"], params["max_preferences"] = self.preference_limits
        params["form"] = self._blank_form(params, language)
        params["themes"] = self.themes.titles(params.get("preferences", []), language)
        params["all_themes"] = [t.label(language) for t in self.themes]
        params.setdefault("token", None)
        params.setdefault("chat_link", self.chat_link(params.get("token")))
        if "template" in params:
            params["template"] = _PLACEHOLDER
        params["language"] = language
        return params

    def _blank_form(self, params: Mapping[str, Any], language: str) -> str:
        """The template to fill in, with the municipality, name and address we know."""
        known = {
            "municipality": params.get("municipality_name"),
            "contact_name": params.get("contact_name"),
            "contact_email": params.get("email"),
        }
        values = {k: str(v) for k, v in known.items() if v}
        return filled_template(language, values, (), *self.preference_limits)


@pass_context
def _t(context: Context, key: str, **params: Any) -> str:
    """A sentence from the catalogs in the e-mail's language; its placeholders are the
    template's variables unless given here (a loop variable, a computed value)."""
    return i18n.template(key, str(context["language"])).format_map({**context.get_all(), **params})


def _block(template: Template, name: str, values: Mapping[str, Any]) -> str:
    context = template.new_context(dict(values))
    return "".join(template.blocks[name](context))


def _blocks(text: str, template_text: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = paragraph.splitlines()
        if paragraph.strip() == _PLACEHOLDER:
            blocks.append({"kind": "pre", "text": template_text})
        elif lines and all(line.startswith("- ") for line in lines):
            blocks.append({"kind": "list", "lines": [line[2:] for line in lines]})
        else:
            blocks.append({"kind": "text", "lines": lines})
    return blocks
