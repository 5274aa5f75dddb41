"""`leertraject doctor`: is this installation healthy? One line per check, exit 1 if not.

Checks, in order: the configuration, the database (reachable, migrated), the mailbox
(sign-in, folders), sending (SMTP sign-in), the bot token (getMe), the clock, and the
retention period (when personal data is or was purged). Nothing is changed; no secret is shown.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import click
from sqlalchemy import text

from app.bootstrap import App, bootstrap
from app.commands.help import CatalogCommand
from app.commands.output import say
from app.config import ConfigError, Settings, load_settings
from app.mailing import imap_settings, transport
from app.secrets import smtp_password, telegram_token
from core.clock import Clock, SystemClock, format_local
from mail.mailbox_check import check_imap
from mail.smtp import SmtpTransport
from storage.migrate import SchemaState, current_revision, head_revision, schema_state

CLOCK_TOLERANCE = timedelta(seconds=60)


@dataclass(frozen=True)
class Finding:
    area: str  # ops.doctor.area.<area>
    ok: bool
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        status = say("ops.doctor.ok" if self.ok else "ops.doctor.fail")
        area = say(f"ops.doctor.area.{self.area}")
        return f"{status:<8} {area}: {say(self.key, **self.params)}"


def _reason(exc: BaseException, *secrets: str) -> str:
    """The first line of an error, with any secret blanked out."""
    lines = str(exc).strip().splitlines()
    found = (lines[0] if lines else "") or type(exc).__name__
    for secret in secrets:
        if secret:
            found = found.replace(secret, "***")
    return found[:300]


def check_database(app: App) -> Finding:
    url = app.settings.database_url()
    try:
        found = schema_state(app.engine)
        current = current_revision(app.engine)
    except Exception as exc:
        detail = _reason(getattr(exc, "orig", None) or exc, app.engine.url.password or "")
        return Finding("database", False, "ops.doctor.database.unreachable", {"error": detail})
    params = {"current": current or "-", "head": head_revision(url)}
    if found is SchemaState.CURRENT:
        return Finding("database", True, "ops.doctor.database.current", params)
    return Finding("database", False, f"ops.doctor.database.{found.value}", params)


def check_mailbox(app: App) -> Finding:
    mail = app.settings.mail
    if mail.intake == "maildir":
        folder = app.settings.path(mail.maildir)
        return Finding("mailbox", True, "ops.doctor.mailbox.folder", {"path": folder})
    settings = imap_settings(app)
    try:  # signs in exactly as `mail check` and the intake do
        inbox, *folders = check_imap(settings, create=False)
    except Exception as exc:
        detail = _reason(exc, settings.password)
        return Finding(
            "mailbox", False, "ops.doctor.mailbox.failed", {"host": settings.host, "error": detail}
        )
    if inbox.messages is None:
        return Finding("mailbox", False, "ops.doctor.mailbox.no_inbox", {"folder": inbox.name})
    missing = [f.name for f in folders if f.messages is None]
    params = {"host": settings.host, "user": settings.username, "folders": ", ".join(missing)}
    key = "ops.doctor.mailbox.missing_folders" if missing else "ops.doctor.mailbox.signed_in"
    return Finding("mailbox", True, key, params)


def check_sending(app: App) -> Finding:
    sender = transport(app)
    if not isinstance(sender, SmtpTransport):
        folder = app.settings.path(app.settings.mail.outbox_dir)
        return Finding("sending", True, "ops.doctor.sending.folder", {"path": folder})
    smtp = app.settings.mail.smtp

    async def sign_in() -> None:
        client = await sender._connect()
        await client.quit()

    try:
        asyncio.run(sign_in())
    except Exception as exc:
        password = smtp_password()
        detail = _reason(exc, password.get_secret_value() if password else "")
        return Finding(
            "sending", False, "ops.doctor.sending.failed", {"host": smtp.host} | {"error": detail}
        )
    return Finding("sending", True, "ops.doctor.sending.signed_in", {"host": smtp.host})


def check_bot(settings: Settings) -> Finding:
    token = telegram_token()
    if token is None:
        return Finding("bot", True, "ops.doctor.bot.off")
    secret = token.get_secret_value()

    async def get_me() -> str:
        from telegram import Bot

        async with Bot(secret, base_url=settings.telegram.base_url) as bot:
            return str(bot.username)

    try:
        username = asyncio.run(get_me())
    except Exception as exc:
        from telegram.error import InvalidToken

        key = (
            "ops.doctor.bot.rejected" if isinstance(exc, InvalidToken) else "ops.doctor.bot.failed"
        )
        return Finding("bot", False, key, {"error": _reason(exc, secret)})
    return Finding("bot", True, "ops.doctor.bot.ok", {"username": username})


def check_clock(app: App, clock: Clock) -> Finding:
    """Our clock against the database server's (PostgreSQL); SQLite has none to compare."""
    now = clock.now()
    local = format_local(now)
    if app.engine.dialect.name != "postgresql":
        return Finding("clock", True, "ops.doctor.clock.alone", {"now": local})
    try:
        with app.engine.connect() as connection:
            theirs: datetime = connection.execute(text("SELECT now()")).scalar_one()
    except Exception:
        return Finding("clock", True, "ops.doctor.clock.alone", {"now": local})
    skew = abs((now - theirs).total_seconds())
    params = {"now": local, "seconds": round(skew)}
    if skew > CLOCK_TOLERANCE.total_seconds():
        return Finding("clock", False, "ops.doctor.clock.off", params)
    return Finding("clock", True, "ops.doctor.clock.ok", params)


def check_retention(app: App, clock: Clock) -> Finding:
    purge_at = app.env.campaign.deadline + timedelta(days=app.settings.campaign.retention_days)
    params = {"date": format_local(purge_at)}
    if clock.now() < purge_at:
        return Finding("retention", True, "ops.doctor.retention.until", params)
    try:
        with app.uow() as uow:
            done = uow.jobs.done("purge", app.settings.campaign.name)
    except Exception:
        done = False
    if done:
        return Finding("retention", True, "ops.doctor.retention.purged", params)
    return Finding("retention", False, "ops.doctor.retention.overdue", params)


def findings(config_file: str | None, clock: Clock) -> list[Finding]:
    try:
        settings = load_settings(config_file)
    except ConfigError as exc:
        first = str(exc).splitlines()[0][:300]
        return [Finding("config", False, "ops.doctor.config.wrong", {"error": first})]
    found = [Finding("config", True, "ops.doctor.config.ok", {"path": settings.source})]
    app = bootstrap(settings, clock=clock)
    try:
        database = check_database(app)
        found += [database, check_mailbox(app), check_sending(app), check_bot(settings)]
        found.append(check_clock(app, clock))
        if database.ok:
            found.append(check_retention(app, clock))
    finally:
        app.close()
    return found


@click.command("doctor", cls=CatalogCommand)
@click.pass_context
def doctor_command(ctx: click.Context) -> None:
    """Check the configuration, database, mailbox, SMTP, bot token and clock; one line
    each. Exit code 1 when something is wrong."""
    config_file = ctx.obj.config_file if ctx.obj is not None else None
    results = findings(config_file, SystemClock())
    for finding in results:
        click.echo(finding.line())
    if not all(f.ok for f in results):
        ctx.exit(1)
