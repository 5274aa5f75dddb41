"""`leertraject outbox`: what was sent, what is waiting, what failed."""

from __future__ import annotations

import asyncio

import click

from app.commands.output import emit_json, emit_table
from app.commands.state import CliState, pass_state
from app.mailing import email_sender


@click.group("outbox")
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
        messages = uow.outbox.list("failed" if failed else status)
        if failed:
            messages += uow.outbox.list("bounced")
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
    emit_table(
        f"Uitgaande berichten ({len(rows)})",
        ["Id", "Kanaal", "Aan", "Soort", "Status", "Pogingen", "Fout", "Aangemaakt"],
        [
            [
                r["id"],
                r["channel"],
                r["to"],
                r["kind"],
                r["status"],
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
    """Queue a failed or bounced message again."""
    app = state.app()
    done = app.transaction(lambda uow: uow.outbox.requeue(message_id, app.env.clock.now()))
    if not done:
        raise click.ClickException(f"Bericht {message_id} bestaat niet of is niet mislukt.")
    click.echo(f"Bericht {message_id} staat opnieuw in de wachtrij.")


@outbox_group.command("send")
@pass_state
def send_command(state: CliState) -> None:
    """Send every e-mail that is due now (the service does this by itself)."""
    sent = asyncio.run(email_sender(state.app()).drain())
    click.echo(f"{sent} e-mail(s) verzonden.")
