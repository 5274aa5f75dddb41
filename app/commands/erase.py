"""`leertraject erase`: a data-protection request, carried out."""

from __future__ import annotations

import click

from app.commands.help import CatalogCommand
from app.commands.output import emit_json, say
from app.commands.state import CliState, pass_state, staff_actor
from app.erasure import sweep_files
from core.usecases.manage import erase


@click.command("erase", cls=CatalogCommand)
@click.option("--email", help="Erase every contact with this address.")
@click.option("--municipality", help="Erase every contact of this municipality (name or NIS code).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def erase_command(
    state: CliState, email: str | None, municipality: str | None, yes: bool, as_json: bool
) -> None:
    """Scrub a person's name, address, phone and chat link; keep an anonymous audit trail."""
    if not email and not municipality:
        raise click.UsageError(say("cli.erase.what"))
    app = state.app()
    refnis = None
    if municipality:
        found = app.env.municipalities.lookup(municipality)
        if found.municipality is None or not found.municipality.in_flanders:
            raise click.ClickException(say("cli.erase.unknown_municipality", name=municipality))
        refnis = found.municipality.refnis
    if not yes and not as_json:
        click.confirm(say("cli.erase.confirm"), abort=True)
    outcome = app.transaction(
        lambda uow: erase(uow, app.env, staff_actor(), email=email, municipality=refnis)
    )
    files = sweep_files(app.settings, outcome.needles)
    result = {
        "contacts": outcome.contacts,
        "outbox_messages": outcome.outbox,
        "verifications": outcome.verifications,
        "files": len(files),
    }
    if as_json:
        emit_json(result)
    else:
        counts = {"outbox": outcome.outbox, "verifications": outcome.verifications}
        click.echo(say("cli.erase.done", contacts=outcome.contacts, files=len(files), **counts))
    if outcome.contacts == 0 and outcome.verifications == 0:
        raise SystemExit(1)
