"""`leertraject stats` and `leertraject export`: demand per theme, everything in Excel."""

from __future__ import annotations

from pathlib import Path

import click

from app.commands.help import CatalogCommand
from app.commands.output import emit_json, emit_table, say
from app.commands.state import CliState, pass_state
from app.views import registration_record
from core.stats import demand


@click.command("stats", cls=CatalogCommand)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def stats_command(state: CliState, as_json: bool) -> None:
    """Demand per theme: how many chose it first, second, third, ... and at all."""
    app = state.app()
    with app.uow() as uow:
        registrations = uow.registrations.list()
    max_rank = app.env.campaign.max_preferences
    rows = demand(registrations, app.env.themes, max_rank)
    if as_json:
        emit_json(
            [
                {"theme": r.number, "title": r.title, "by_rank": r.by_rank, "total": r.total}
                for r in rows
            ]
        )
        return
    ordinals = [f"{n}e keuze" for n in range(1, max_rank + 1)]
    emit_table(
        "Vraag per thema (ingediende inschrijvingen)",
        ["Thema", "Titel", *ordinals, "Totaal"],
        [[r.number, r.title, *r.by_rank, r.total] for r in rows],
    )


@click.command("export", cls=CatalogCommand)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), required=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write.",
)
@pass_state
def export_command(state: CliState, fmt: str, output: Path) -> None:
    """Write every registration (contacts, preferences, free texts, status, channel, times)
    to an Excel workbook or a semicolon CSV that Excel opens correctly."""
    from app.export import flat_rows, write_csv, write_xlsx  # openpyxl: only for an export

    app = state.app()
    with app.uow() as uow:
        records = [
            registration_record(app.env, r, uow.contacts.for_municipality(r.municipality))
            for r in uow.registrations.list()
        ]
    header, rows = flat_rows(records, app.env.campaign.max_preferences)
    output.parent.mkdir(parents=True, exist_ok=True)
    (write_xlsx if fmt == "xlsx" else write_csv)(output, header, rows)
    click.echo(say("cli.export.written", count=len(rows), output=output))
