"""`leertraject mail` and `leertraject outbox`: the e-mail channel by hand."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from app.commands.help import CatalogGroup
from app.commands.output import emit_json, emit_table, list_format, progress, say, word
from app.commands.state import CliState, pass_state

if TYPE_CHECKING:
    from core.model import InboundRecord
    from mail.pipeline import IntakeResult

# The wiring (database, mail, templates) is imported when a command runs, not for --help.


@click.group("mail", cls=CatalogGroup, lazy={"check": "app.commands.mail_check:check_command"})
def mail_group() -> None:
    """Process e-mail: files, the mailbox, and quarantined messages."""


def _as_json(app_renderer: Any, result: IntakeResult) -> dict[str, Any]:
    reply = None
    if result.reply is not None:
        reply = {
            "to": result.reply.recipient,
            "subject": app_renderer.subject_and_text(result.reply)[0],
        }
    return {
        "file": result.file,
        "message_id": result.message_id,
        "outcome": result.outcome,
        "registration": result.registration,
        "errors": result.errors,
        "reply": reply,
    }


def _show(results: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        for row in results:
            emit_json(row)
        return
    columns = ["file", "outcome", "registration", "errors", "reply_to"]
    emit_table(
        say("cli.mail.title"),
        [say(f"cli.column.{c}") for c in columns],
        [
            [
                r["file"] or r["message_id"],
                word("outcome", r["outcome"]),
                (r["registration"] or {}).get("reference"),
                ", ".join(dict.fromkeys(word("field", e["field"]) for e in r["errors"])),
                (r["reply"] or {}).get("to"),
            ]
            for r in results
        ],
    )


@mail_group.command("ingest")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
@pass_state
def ingest_command(state: CliState, files: tuple[Path, ...], as_json: bool) -> None:
    """Process .eml FILES through the same pipeline as the mailbox."""
    from app.mailing import intake, renderer
    from mail.pipeline import BATCH_SIZE

    app = state.app()
    pipeline, render = intake(app), renderer(app)
    chunks = [files[i : i + BATCH_SIZE] for i in range(0, len(files), BATCH_SIZE)]
    results = [
        _as_json(render, result)
        for chunk in progress(chunks, say("cli.mail.progress"), quiet=as_json)
        for result in pipeline.process_files(chunk)
    ]
    _show(results, as_json)


@mail_group.command("retry")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per message.")
@pass_state
def retry_command(state: CliState, as_json: bool) -> None:
    """Process the quarantined messages (those that made the pipeline fail) again."""
    from app.mailing import intake, renderer

    app = state.app()
    pipeline, render = intake(app), renderer(app)
    results = [_as_json(render, r) for r in pipeline.retry_quarantined()]
    if not results and not as_json:
        click.echo(say("cli.mail.no_quarantine"))
        return
    _show(results, as_json)


@mail_group.command("poll")
@pass_state
def poll_command(state: CliState) -> None:
    """Read the mailbox (or local folder) once and process what is there."""
    from app.mailing import drain_intake_once

    count = drain_intake_once(state.app())
    click.echo(say("cli.mail.polled", count=count))


FAILED_FIELDS = ["id", "message", "received_at", "sender_domain", "reason", "tries"]


def _failed_record(record: InboundRecord) -> dict[str, Any]:
    from core.typed_text import clean_line
    from mail.bounds import LIMITS, headers_only
    from mail.headers import addresses

    """A failed message as staff see it: the sender's domain only (the address is personal
    data), the first line of the reason, cut to a sane length (the key is hostile input)."""
    found = addresses(headers_only(record.raw, LIMITS), "From") if record.raw else []
    return {
        "id": record.id,
        "message": clean_line(record.key, 120),
        "received_at": record.received_at,
        "sender_domain": found[0][0].rsplit("@", 1)[1] if found else None,
        "reason": clean_line((record.error or "").splitlines()[0] if record.error else "", 200),
        "tries": int(record.detail.get("tries", 1)),
    }


@mail_group.command("failed")
@list_format
@pass_state
def failed_command(state: CliState, fmt: str) -> None:
    """List the messages whose failure is recorded (what `mail retry` processes again)."""
    from app.export import csv_text
    from core.model import Channel

    app = state.app()
    with app.uow() as uow:
        rows = [_failed_record(r) for r in uow.inbound.quarantined(Channel.EMAIL)]
    if fmt == "json":
        emit_json(rows)
    elif fmt == "csv":
        values = [[r[f] for f in FAILED_FIELDS] for r in rows]
        sys.stdout.write(csv_text([say(f"cli.column.{f}") for f in FAILED_FIELDS], values))
    elif not rows:
        click.echo(say("cli.mail.no_quarantine"))
    else:
        emit_table(
            say("cli.mail.failed_title", count=len(rows)),
            [say(f"cli.column.{f}") for f in FAILED_FIELDS],
            [[r[f] for f in FAILED_FIELDS] for r in rows],
        )
