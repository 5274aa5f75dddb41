"""`leertraject mail check`: can the service sign in to the mailbox and send mail?

Signs in to IMAP and SMTP exactly as the service does (password or OAuth 2.0), lists the
intake folders (creating the missing ones with --create-folders) and says, one line per step,
what works and what does not; exit status 1 when a step failed. Nothing is sent or moved.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import click

from app.commands.help import CatalogCommand
from app.commands.output import say
from app.commands.state import CliState, pass_state
from app.config import ConfigError, Settings
from app.mailing import imap_connection, smtp_connection
from app.oauth import MissingSecret, mailbox, oauth_tokens
from core.clock import SystemClock
from mail.mailbox_check import check_imap
from mail.oauth import OAuthError, TokenProvider, one_line
from mail.smtp import SmtpTransport


@dataclass
class Report:
    failures: int = 0

    def line(self, status: str, key: str, **params: object) -> None:
        if status == "failed":
            self.failures += 1
        click.echo(f"{say(f'mailcheck.{status}'):<4}  {say(key, **params)}")

    def hint(self, exc: BaseException) -> None:
        if isinstance(exc, OAuthError):
            click.echo(f"      {say(f'mailcheck.hint.{exc.kind}')}")


def _detail(exc: BaseException) -> str:
    """What went wrong, as the server or the library said it (one printable line)."""
    if isinstance(exc, OAuthError):
        return exc.detail
    return one_line(exc) or type(exc).__name__


def _tokens(settings: Settings, report: Report) -> tuple[TokenProvider | None, bool]:
    """The token provider, and whether a token could be had (True when none is needed)."""
    client_id = settings.mail.oauth.client_id
    try:
        tokens = oauth_tokens(settings, SystemClock())
        if tokens is None:
            return None, True
        tokens.token()
    except MissingSecret:
        report.line("failed", "mailcheck.token.no_secret", client_id=client_id)
        return None, False
    except (ConfigError, OAuthError) as exc:
        report.line("failed", "mailcheck.token.failed", client_id=client_id, detail=_detail(exc))
        report.hint(exc)
        return None, False
    report.line("ok", "mailcheck.token.ok", client_id=client_id)
    return tokens, True


def _who(settings: Settings, auth: str, username: str, report: Report) -> dict[str, str]:
    user = mailbox(settings) if auth == "oauth2" else username
    return {"user": user, "method": say(f"mailcheck.method.{auth}")}


def _imap(settings: Settings, tokens: TokenProvider | None, create: bool, report: Report) -> None:
    imap = settings.mail.imap
    who = _who(settings, imap.auth, imap.username, report) | {"server": f"{imap.host}:{imap.port}"}
    try:
        folders = check_imap(imap_connection(settings, tokens), create=create)
    except Exception as exc:  # whatever it is, this step failed: say so
        report.line("failed", "mailcheck.imap.failed", **who, detail=_detail(exc))
        report.hint(exc)
        return
    report.line("ok", "mailcheck.imap.ok", **who)
    for folder in folders:
        if folder.messages is None:
            report.line("failed", "mailcheck.folder.missing", folder=folder.name)
        elif folder.created:
            report.line("ok", "mailcheck.folder.created", folder=folder.name)
        else:
            report.line("ok", "mailcheck.folder.ok", folder=folder.name, count=folder.messages)


def _smtp(settings: Settings, tokens: TokenProvider | None, report: Report) -> None:
    smtp = settings.mail.smtp
    who = _who(settings, smtp.auth, smtp.username, report) | {"server": f"{smtp.host}:{smtp.port}"}
    # A relay that takes mail without signing in (no username, password auth): connect only.
    anonymous = smtp.auth == "password" and not smtp.username
    try:
        asyncio.run(SmtpTransport(smtp_connection(settings, tokens)).check())
    except Exception as exc:  # whatever it is, this step failed: say so
        key = "mailcheck.smtp.not_connected" if anonymous else "mailcheck.smtp.failed"
        report.line("failed", key, **who, detail=_detail(exc))
        report.hint(exc)
        return
    report.line("ok", "mailcheck.smtp.connected" if anonymous else "mailcheck.smtp.ok", **who)


@click.command("check", cls=CatalogCommand)
@click.option(
    "--create-folders",
    is_flag=True,
    help="Create the intake folders (Verwerkt, Genegeerd, Mislukt) where they are missing.",
)
@pass_state
@click.pass_context
def check_command(ctx: click.Context, state: CliState, create_folders: bool) -> None:
    """Sign in to the mailbox (IMAP) and the mail server (SMTP) as the service does, and
    list the intake folders; one line per step, exit status 1 if one fails."""
    settings = state.settings()
    mail, report = settings.mail, Report()
    tokens, have_token = _tokens(settings, report)
    if mail.intake != "imap":
        report.line("skipped", "mailcheck.imap.unused", intake=mail.intake)
    elif mail.imap.auth == "oauth2" and not have_token:
        report.line("skipped", "mailcheck.not_tried", what="IMAP")
    else:
        _imap(settings, tokens, create_folders, report)
    if mail.transport != "smtp":
        report.line("skipped", "mailcheck.smtp.unused", transport=mail.transport)
    elif mail.smtp.auth == "oauth2" and not have_token:
        report.line("skipped", "mailcheck.not_tried", what="SMTP")
    else:
        _smtp(settings, tokens, report)
    if report.failures:
        click.echo(say("mailcheck.summary.failed", count=report.failures))
        ctx.exit(1)
    click.echo(say("mailcheck.summary.ok"))
