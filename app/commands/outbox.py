"""`leertraject outbox`: what was sent, what is waiting, what failed."""

from __future__ import annotations

import asyncio

import click

from app.commands.help import CatalogGroup
from app.commands.output import emit_json, emit_table, say, word
from app.commands.state import CliState, pass_state, staff_actor
from core.model import OutboxStatus
from core.usecases.messages import requeue


@click.group("outbox", cls=CatalogGroup)
def outbox_group() -> None:
    """See and fix outgoing messages."""


@outbox_group.command("list")
@click.option("--failed", is_flag=True, help="Only messages that did not go out.")
@click.option("--status", type=click.Choice(["queued", "sending", "sent", "failed", "bounced"]))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def list_command(state: CliState, failed: bool, status: str | None, as_json: bool) -> None:
    """List outgoing messages, newest first."""
    app = state.app()
    with app.uow() as uow:
        wanted = OutboxStatus.FAILED if failed else OutboxStatus(status) if status else None
        messages = uow.outbox.list(wanted)
        if failed:
            messages += uow.outbox.list(OutboxStatus.BOUNCED)
    rows = [
        {
            "id": m.id,
            "channel": m.channel.value,
            "to": m.recipient,
            "kind": m.kind,
            "status": m.status,
            "attempts": m.attempts,
            "error": m.last_error,
            "created_at": m.created_at,
            "sent_at": m.sent_at,
        }
        for m in sorted(messages, key=lambda m: -(m.id or 0))
    ]
    if as_json:
        emit_json(rows)
        return
    columns = ["id", "channel", "to", "kind", "status", "attempts", "error", "created"]
    emit_table(
        say("cli.outbox.title", count=len(rows)),
        [say(f"cli.column.{c}") for c in columns],
        [
            [
                r["id"],
                word("channel", r["channel"]),
                r["to"],
                word("kind", r["kind"]),
                word("outbox", r["status"]),
                r["attempts"],
                r["error"],
                r["created_at"],
            ]
            for r in rows
        ],
    )


@outbox_group.command("retry")
@click.argument("message_id", type=int)
@pass_state
def retry_command(state: CliState, message_id: int) -> None:
    """Queue a failed or bounced message again (audited)."""
    app = state.app()
    actor = staff_actor()
    done = app.transaction(lambda uow: requeue(uow, app.env, message_id, actor))
    if not done:
        raise click.ClickException(say("cli.outbox.not_failed", id=message_id))
    click.echo(say("cli.outbox.requeued", id=message_id))


@outbox_group.command("send")
@pass_state
def send_command(state: CliState) -> None:
    """Send every e-mail that is due now (the service does this by itself)."""
    from app.mailing import email_sender  # the wiring only when sending, not for --help

    sent = asyncio.run(email_sender(state.app()).drain())
    click.echo(say("cli.outbox.drained", count=sent))
