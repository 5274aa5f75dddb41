"""Wiring of the e-mail channel: intake (local Maildir or IMAP), the outbox sender, and their
place in the service."""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from apscheduler.triggers.interval import IntervalTrigger

from app.bootstrap import App
from app.scheduler import Job, threaded
from app.secrets import imap_password, smtp_password
from app.service import Component
from mail.imap import ImapSettings, drain_once, run_imap_intake
from mail.maildir import drain_maildir_once
from mail.outbox_folder import FolderTransport
from mail.pipeline import IntakeSettings, MailIntake
from mail.render import Renderer, Sender
from mail.sender import EmailSender
from mail.smtp import MailTransport, SmtpSettings, SmtpTransport

log = logging.getLogger("leertraject.mail")


def renderer(app: App) -> Renderer:
    mail = app.settings.mail
    sender = Sender(mail.address, mail.from_name)
    return Renderer(app.env.themes, sender, app.settings.telegram.bot_username)


def intake(app: App) -> MailIntake:
    mail = app.settings.mail
    settings = IntakeSettings(mail.address, mail.trusted_authserv_id, mail.max_message_bytes)
    return MailIntake(app.env, settings, app.transaction)


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


def imap_components(app: App) -> list[Component]:
    """IMAP with IDLE is event-driven: it runs beside the scheduler. A Maildir is polled by
    the scheduler instead (see mail_jobs)."""
    mail = app.settings.mail
    if mail.intake != "imap":
        return []
    if not mail.trusted_authserv_id.strip():
        log.warning(
            "mail.trusted_authserv_id is empty: no sender is authenticated by its mail server; "
            "everyone proves their address with a code or the invitation token"
        )

    async def run(stop: asyncio.Event) -> None:
        await run_imap_intake(imap_settings(app), intake(app).handle, stop)

    async def once() -> int:
        return await asyncio.to_thread(drain_intake_once, app)

    return [Component(f"mail intake (imap {mail.imap.host})", run, once)]


def intake_jobs(app: App) -> list[Job]:
    """The local mail folder is polled by the scheduler (IMAP is not: see imap_components)."""
    mail = app.settings.mail
    if mail.intake != "maildir":
        return []
    folder, handler = app.settings.path(mail.maildir), intake(app).handle
    every = IntervalTrigger(seconds=2)
    return [threaded("mail folder", lambda: drain_maildir_once(folder, handler), every)]


def sending_jobs(app: App) -> list[Job]:
    return [Job("e-mail outbox", email_sender(app).drain, IntervalTrigger(seconds=5))]
