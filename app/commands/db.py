"""`leertraject db`: create or migrate the database."""

from __future__ import annotations

import click

from app.commands.output import emit_json, say
from app.commands.state import CliState, pass_state
from storage.db import make_engine
from storage.migrate import current_revision, head_revision, upgrade


@click.group("db")
def db_group() -> None:
    """Create, migrate and inspect the database."""


@db_group.command("upgrade")
@pass_state
def db_upgrade(state: CliState) -> None:
    """Create the database or migrate it to the newest schema."""
    url = state.settings().database_url()
    upgrade(url)
    click.echo(say("cli.db.upgraded", revision=head_revision(url)))


@db_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def db_status(state: CliState, as_json: bool) -> None:
    """Show the schema version of the database and the newest one."""
    url = state.settings().database_url()
    engine = make_engine(url)
    try:
        current, head = current_revision(engine), head_revision(url)
    finally:
        engine.dispose()
    if as_json:
        emit_json({"current": current, "head": head, "up_to_date": current == head})
    else:
        click.echo(say("cli.db.status", current=current or say("cli.db.none"), head=head))
