"""`leertraject registrations`: what the municipalities registered."""

from __future__ import annotations

import sys
from typing import Any

import click

from app.commands.approval import approve_command, refuse_command
from app.commands.help import CatalogGroup
from app.commands.output import emit_json, emit_table, language, list_format, say, word
from app.commands.staff_entry import submit_command, withdraw_command
from app.commands.state import CliState, pass_state
from app.views import contact_record, registration_record
from core.model import Status

STATUSES = [s.value for s in Status]


@click.group("registrations", cls=CatalogGroup)
def registrations_group() -> None:
    """List, show, enter and withdraw registrations."""


registrations_group.add_command(submit_command)
registrations_group.add_command(withdraw_command)
registrations_group.add_command(approve_command)
registrations_group.add_command(refuse_command)


@registrations_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only this status.")
@list_format
@pass_state
def list_command(state: CliState, status: str | None, fmt: str) -> None:
    """List registrations, newest last."""
    app = state.app()
    with app.uow() as uow:
        registrations = uow.registrations.list(Status(status) if status else None)
        records = [
            registration_record(
                app.env, r, uow.contacts.for_municipality(r.municipality), language()
            )
            for r in registrations
        ]
    if fmt == "json":
        emit_json(records)
    elif fmt == "csv":
        from app.export import csv_text, flat_rows  # openpyxl: only for an export

        header, rows = flat_rows(records, app.env.campaign.max_preferences)
        sys.stdout.write(csv_text(header, rows))
    else:
        columns = ["reference", "municipality", "status", "channel", "preferences", "submitted"]
        emit_table(
            say("cli.registrations.title", count=len(records)),
            [say(f"cli.column.{c}") for c in columns],
            [
                [
                    r["reference"],
                    r["municipality"]["name"],
                    word("status", r["status"]),
                    word("channel", r["channel"]),
                    ", ".join(str(p["theme"]) for p in r["preferences"]),
                    r["submitted_at"],
                ]
                for r in records
            ],
        )


@registrations_group.command("show")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def show_command(state: CliState, reference: str, as_json: bool) -> None:
    """Show one registration with its contacts and full history."""
    app = state.app()
    with app.uow() as uow:
        registration = uow.registrations.by_reference(reference.strip().upper())
        if registration is None:
            raise click.ClickException(say("registration.not_found", reference=reference))
        assert registration.id is not None
        contacts = uow.contacts.for_municipality(registration.municipality)
        record = registration_record(app.env, registration, contacts, language())
        record["contacts"] = [contact_record(c) for c in contacts]
        record["history"] = [
            {
                "at": h.at,
                "actor": h.actor,
                "channel": h.channel.value,
                "action": h.action,
                "before": h.before,
                "after": h.after,
            }
            for h in uow.history.for_registration(registration.id)
        ]
    if as_json:
        emit_json(record)
        return
    _print_record(record)


def _print_record(record: dict[str, Any]) -> None:
    m = record["municipality"]
    click.echo(say("cli.show.heading", reference=record["reference"], **m))
    status, channel = word("status", record["status"]), word("channel", record["channel"])
    click.echo(say("cli.show.status", status=status, channel=channel))
    for p in record["preferences"]:
        click.echo(say("cli.show.preference", **p))
    for key in ("beleidsprioriteiten", "realisaties", "acties"):
        if record[key]:
            click.echo(f"{word('field', key)}: {record[key]}")
    emit_table(
        say("cli.show.contacts"),
        [say(f"cli.column.{c}") for c in ("name", "function", "email", "phone", "language")],
        [
            [c["name"], c["function"], c["email"], c["phone"], c["language"]]
            for c in record["contacts"]
        ],
    )
    emit_table(
        say("cli.show.history"),
        [say(f"cli.column.{c}") for c in ("when", "who", "channel", "what")],
        [
            [h["at"], h["actor"], word("channel", h["channel"]), word("action", h["action"])]
            for h in record["history"]
        ],
    )
