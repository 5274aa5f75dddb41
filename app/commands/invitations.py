"""`leertraject invitations`: the officials VLAIO invites, from a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from app.commands.help import CatalogGroup
from app.commands.output import emit_json, emit_table, language, say, word
from app.commands.state import CliState, pass_state, staff_actor
from core.invitations import decode_csv, import_invitations, parse_csv, send_invitations
from core.typed_text import fold, fold_place

_COUNTS = ("created", "updated", "unchanged", "failed")


@click.group("invitations", cls=CatalogGroup)
def invitations_group() -> None:
    """Import and list invited contacts."""


@invitations_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def import_command(state: CliState, csv_file: Path, as_json: bool) -> None:
    """Import invited contacts from CSV_FILE (columns gemeente/municipality, naam/name,
    e-mail/email, optional taal/language; comma or semicolon). Good rows are imported; bad
    rows are listed with their line number and the command then exits with 1. Importing the
    same file again changes nothing."""
    app = state.app()
    parsed = parse_csv(decode_csv(csv_file.read_bytes()), app.env.form_context)
    outcome = app.transaction(
        lambda uow: import_invitations(uow, app.env, parsed.rows, staff_actor())
    )
    errors = [
        {"line": e.line, "field": e.field, "code": e.code, "message": e.message(language())}
        for e in parsed.errors
    ]
    if as_json:
        emit_json(
            {
                "created": outcome.created,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "errors": errors,
            }
        )
    else:
        counts = (outcome.created, outcome.updated, outcome.unchanged, len(errors))
        click.echo(say("cli.invitations.summary", **dict(zip(_COUNTS, counts, strict=True))))
        for e in errors:
            field = word("field", e["field"])
            click.echo(say("cli.invitations.failed_row", **(e | {"field": field})), err=True)
    if errors:
        raise SystemExit(1)


@invitations_group.command("send")
@click.option("--resend", is_flag=True, help="Also to those who already had one.")
@pass_state
def send_command(state: CliState, resend: bool) -> None:
    """Queue the invitation e-mail (template, personal code, chat link) for every invited
    contact of a municipality that has not registered; the service sends them."""
    app = state.app()
    queued = app.transaction(lambda uow: send_invitations(uow, app.env, staff_actor(), resend))
    click.echo(say("cli.invitations.queued", count=queued))


@invitations_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def list_command(state: CliState, as_json: bool) -> None:
    """List invited contacts by municipality name, and whether they registered."""
    app = state.app()
    with app.uow() as uow:
        contacts = uow.contacts.list(invited_only=True)
        registered = {r.municipality: r for r in uow.registrations.list()}
    rows: list[dict[str, Any]] = []
    for c in contacts:
        registration = registered.get(c.municipality)
        rows.append(
            {
                "municipality": {
                    "refnis": c.municipality,
                    "name": app.env.municipality_name(c.municipality),
                },
                "name": c.name,
                "email": c.email,
                "language": c.language,
                "token": c.token,
                "registration": registration.reference if registration else None,
                "status": registration.status.value if registration else None,
            }
        )
    rows.sort(key=lambda r: (fold_place(r["municipality"]["name"]), fold(r["name"])))
    if as_json:
        emit_json(rows)
        return
    columns = ["municipality", "name", "email", "language", "registration", "status"]
    emit_table(
        say("cli.invitations.title", count=len(rows)),
        [say(f"cli.column.{c}") for c in columns],
        [
            [
                r["municipality"]["name"],
                r["name"],
                r["email"],
                r["language"],
                r["registration"],
                word("status", r["status"]) if r["status"] else "",
            ]
            for r in rows
        ],
    )
