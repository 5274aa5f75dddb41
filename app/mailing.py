"""Wiring of the e-mail channel: intake (local Maildir or IMAP), the outbox sender, and their
place in the service."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

from app.bootstrap import App
from app.secrets import imap_password, smtp_password
from app.service import Component
from mail.imap import ImapSettings, drain_once, run_imap_intake
from mail.maildir import drain_maildir_once, run_maildir_intake
from mail.outbox_folder import FolderTransport
from mail.pipeline import IntakeSettings, MailIntake
from mail.render import Renderer, Sender
from mail.sender import EmailSender
from mail.smtp import MailTransport, SmtpSettings, SmtpTransport


def renderer(app: App) -> Renderer:
    mail = app.settings.mail
    sender = Sender(mail.address, mail.from_name)
    return Renderer(app.env.themes, sender, app.settings.telegram.bot_username)


def intake(app: App) -> MailIntake:
    mail = app.settings.mail
    settings = IntakeSettings(mail.address, mail.trusted_authserv_id, mail.max_message_bytes)
    render = renderer(app)
    return MailIntake(app.env, settings, app.transaction, lambda m: render.subject_and_text(m)[0])


def imap_settings(app: App) -> ImapSettings:
    imap = app.settings.mail.imap
    password = imap_password()
    return ImapSettings(
        host=imap.host,
        port=imap.port,
        username=imap.username,
        password=password.get_secret_value() if password else "",
        tls=imap.tls,
        inbox=imap.inbox,
        processed_folder=imap.processed_folder,
        ignored_folder=imap.ignored_folder,
        failed_folder=imap.failed_folder,
    )


def transport(app: App) -> MailTransport:
    mail = app.settings.mail
    if mail.transport == "folder":
        return FolderTransport(app.settings.path(mail.outbox_dir))
    password = smtp_password()
    return SmtpTransport(
        SmtpSettings(
            host=mail.smtp.host,
            port=mail.smtp.port,
            username=mail.smtp.username or None,
            password=password.get_secret_value() if password else None,
            tls=mail.smtp.tls,
            # Our own domain in EHLO: asking the OS for its FQDN can hang without DNS.
            local_hostname=mail.address.rsplit("@", 1)[-1],
        )
    )


def email_sender(app: App) -> EmailSender:
    worker = f"{socket.gethostname()}:{os.getpid()}"
    return EmailSender(app.transaction, renderer(app), transport(app), app.env.clock, worker)


def drain_intake_once(app: App) -> int:
    handler = intake(app).handle
    if app.settings.mail.intake == "imap":
        return drain_once(imap_settings(app), handler)
    maildir = app.settings.path(app.settings.mail.maildir)
    return drain_maildir_once(maildir, handler, settle_seconds=0.0)


def intake_component(app: App) -> Component:
    mail = app.settings.mail

    async def run(stop: asyncio.Event) -> None:
        handler = intake(app).handle
        if mail.intake == "imap":
            await run_imap_intake(imap_settings(app), handler, stop)
        else:
            await run_maildir_intake(app.settings.path(mail.maildir), handler, stop)

    async def once() -> int:
        return await asyncio.to_thread(drain_intake_once, app)

    where = f"imap {mail.imap.host}" if mail.intake == "imap" else f"maildir {mail.maildir}"
    return Component(f"mail intake ({where})", run, once)


def sender_component(app: App) -> Component:
    mail = app.settings.mail
    sender: dict[str, Any] = {}

    def get() -> EmailSender:
        if "sender" not in sender:
            sender["sender"] = email_sender(app)
        return sender["sender"]  # type: ignore[no-any-return]

    async def run(stop: asyncio.Event) -> None:
        await get().run(stop, interval=5.0)

    async def once() -> int:
        return await get().drain()

    where = f"smtp {mail.smtp.host}" if mail.transport == "smtp" else f"folder {mail.outbox_dir}"
    return Component(f"e-mail sender ({where})", run, once)
