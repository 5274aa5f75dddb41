"""Wiring of the e-mail channel: intake (local Maildir or IMAP), the outbox sender, and their
place in the service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from functools import partial

from apscheduler.triggers.interval import IntervalTrigger

from app.bootstrap import App
from app.config import Settings
from app.health import heartbeat, worker_id
from app.journal import (
    JournalRenderer,
    JournalTransport,
    SentJournal,
    log_handled,
    logged_handler,
)
from app.oauth import imap_login_step, mailbox, oauth_tokens, smtp_tokens
from app.outbox_runner import OutboxRunner
from app.scheduler import Job, threaded
from app.secrets import imap_password, smtp_password, telegram_token
from app.service import Component
from core.model import Channel, InboundOutcome
from core.ports import UnitOfWork
from mail.decode import message_key
from mail.imap import EventKind, ImapSettings, IntakeEvent, drain_once, run_imap_intake
from mail.intake import BatchHandler, Disposition, Handler, Known, RetryGate, skip_known
from mail.maildir import drain_maildir_once
from mail.oauth import TokenProvider
from mail.outbox_folder import FolderTransport
from mail.pipeline import IntakeSettings, MailIntake
from mail.render import Renderer, Sender
from mail.sender import EmailSender
from mail.smtp import MailTransport, SmtpSettings, SmtpTransport

log = logging.getLogger("leertraject.mail")


def renderer(app: App, journal: SentJournal | None = None) -> Renderer:
    mail = app.settings.mail
    sender = Sender(mail.address, mail.from_name)
    campaign = app.env.campaign
    build = Renderer if journal is None else partial(JournalRenderer, journal)
    return build(
        app.env.themes,
        sender,
        app.settings.telegram.bot_username,
        bot_enabled=telegram_token() is not None,  # as app/service.py starts the bot
        min_preferences=campaign.min_preferences,
        max_preferences=campaign.max_preferences,
    )


def intake(app: App) -> MailIntake:
    mail = app.settings.mail
    settings = IntakeSettings(mail.address, mail.trusted_authserv_id, mail.max_message_bytes)
    return MailIntake(app.env, settings, app.transaction)


def imap_settings(app: App) -> ImapSettings:
    return imap_connection(app.settings, oauth_tokens(app.settings, app.env.clock))


def imap_connection(settings: Settings, tokens: TokenProvider | None) -> ImapSettings:
    imap = settings.mail.imap
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
        login=imap_login_step(settings, tokens),
    )


def transport(app: App) -> MailTransport:
    mail = app.settings.mail
    if mail.transport == "folder":
        return FolderTransport(app.settings.path(mail.outbox_dir))
    tokens = oauth_tokens(app.settings, app.env.clock)
    return SmtpTransport(smtp_connection(app.settings, tokens))


def smtp_connection(settings: Settings, tokens: TokenProvider | None) -> SmtpSettings:
    mail = settings.mail
    password = smtp_password()
    oauth = smtp_tokens(settings, tokens)
    return SmtpSettings(
        host=mail.smtp.host,
        port=mail.smtp.port,
        # With OAuth the app signs in as the mailbox it sends from (Send As).
        username=mailbox(settings) if oauth is not None else mail.smtp.username or None,
        password=password.get_secret_value() if password else None,
        tls=mail.smtp.tls,
        # Our own domain in EHLO: asking the OS for its FQDN can hang without DNS.
        local_hostname=mail.address.rsplit("@", 1)[-1],
        oauth=oauth,
    )


def email_sender(app: App) -> OutboxRunner:
    """The outbox sender in its loop; every message it sends gets a log line (app.journal)."""
    worker = worker_id()
    journal = SentJournal()
    sending = JournalTransport(transport(app), journal)
    sender = EmailSender(renderer(app, journal), sending, app.env.clock, worker)
    return OutboxRunner(app.transaction, sender)


def recorded(app: App) -> Known:
    """Whether a message key has a final outcome in the ledger (quarantined is not final)."""

    def known(key: str) -> bool:
        record = app.transaction(lambda uow: uow.inbound.get(Channel.EMAIL, key))
        return record is not None and record.outcome != "quarantined"

    return known


def intake_handler(app: App) -> Handler:
    """The pipeline behind the duplicate ledger: a message already recorded is not parsed;
    every message handled gets a log line (app.journal)."""
    return skip_known(logged_handler(intake(app).process), message_key, recorded(app))


def intake_batch(app: App) -> BatchHandler:
    """Several fetched messages at once: one lookup in the duplicate ledger, then one
    transaction for the new ones (MailIntake.process_many); a log line per message."""
    pipeline = intake(app)

    def handle(raws: Sequence[bytes]) -> list[Disposition]:
        keys = [message_key(raw) for raw in raws]

        def known(uow: UnitOfWork) -> set[str]:
            uow.inbound.prefetch(Channel.EMAIL, keys)
            found = [(k, uow.inbound.get(Channel.EMAIL, k)) for k in keys]
            return {
                k for k, r in found if r is not None and r.outcome != InboundOutcome.QUARANTINED
            }

        done = app.transaction(known)
        new = [(raw, None) for raw, key in zip(raws, keys, strict=True) if key not in done]
        results = iter(pipeline.process_many(new))
        answers = []
        for key in keys:
            if key in done:
                log.info("a message already recorded was offered again; filed without parsing")
                answers.append(Disposition.PROCESSED)
                continue
            result = next(results)
            log_handled(result)
            answers.append(result.disposition)
        return answers

    return handle


def drain_intake_once(app: App) -> int:
    handle = intake_handler(app)
    if app.settings.mail.intake == "imap":
        return drain_once(imap_settings(app), handle, intake_batch(app))
    maildir = app.settings.path(app.settings.mail.maildir)
    return drain_maildir_once(maildir, handle, settle_seconds=0.0)


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
        await run_imap_intake(
            imap_settings(app),
            intake_handler(app),
            stop,
            on_event=beats(app),
            batch=intake_batch(app),
        )

    async def once() -> int:
        return await asyncio.to_thread(drain_intake_once, app)

    return [Component(f"mail intake (imap {mail.imap.host})", run, once)]


def beats(app: App) -> Callable[[IntakeEvent], None]:
    """The IMAP intake's heartbeat: a finished scan, or why it holds back."""
    record = heartbeat(app)

    def on_event(event: IntakeEvent) -> None:
        if event.kind is EventKind.SCANNED:
            record("mail intake (imap)", True, f"{event.count} handled")
        elif event.kind in (EventKind.DISCONNECTED, EventKind.RETRYING):
            record("mail intake (imap)", False, event.error or event.kind.value)

    return on_event


def intake_jobs(app: App) -> list[Job]:
    """The local mail folder is polled by the scheduler (IMAP is not: see imap_components)."""
    mail = app.settings.mail
    if mail.intake != "maildir":
        return []
    folder, handler = app.settings.path(mail.maildir), intake_handler(app)
    every, gate = IntervalTrigger(seconds=2), RetryGate()
    return [threaded("mail folder", lambda: drain_maildir_once(folder, handler, gate=gate), every)]


def sending_jobs(app: App) -> list[Job]:
    return [Job("e-mail outbox", email_sender(app).drain, IntervalTrigger(seconds=5))]
