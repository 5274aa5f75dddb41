"""`leertraject db`: create or migrate the database."""

from __future__ import annotations

import click

from app.commands.help import CatalogGroup
from app.commands.output import emit_json, say
from app.commands.state import CliState, pass_state
from storage.db import make_engine
from storage.migrate import SchemaState, current_revision, head_revision, schema_state, upgrade


@click.group("db", cls=CatalogGroup)
def db_group() -> None:
    """Create, migrate and inspect the database."""


@db_group.command("upgrade")
@pass_state
def db_upgrade(state: CliState) -> None:
    """Create the database or migrate it to the newest schema."""
    url = state.settings().database_url()
    refuse_newer_schema(url)
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
        current, head, found = current_revision(engine), head_revision(url), schema_state(engine)
    finally:
        engine.dispose()
    if as_json:
        needed = found in (SchemaState.EMPTY, SchemaState.BEHIND)
        emit_json(
            {"current": current, "head": head, "up_to_date": current == head}
            | {"state": found.value, "upgrade_needed": needed}
        )
    else:
        click.echo(say(f"ops.schema.{found.value}", current=current, head=head))


def refuse_newer_schema(url: str) -> None:
    """A database migrated by a newer version is never touched by this one."""
    engine = make_engine(url)
    try:
        if schema_state(engine) is SchemaState.AHEAD:
            current, head = current_revision(engine), head_revision(url)
            raise click.ClickException(say("ops.schema.ahead", current=current, head=head))
    finally:
        engine.dispose()
