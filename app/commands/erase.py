"""`leertraject erase`: a data-protection request, carried out."""

from __future__ import annotations

import click

from app.commands.output import emit_json
from app.commands.state import CliState, pass_state, staff_actor
from app.erasure import sweep_files
from core.usecases.manage import erase


@click.command("erase")
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
        raise click.UsageError("Geef --email of --municipality.")
    app = state.app()
    refnis = None
    if municipality:
        found = app.env.municipalities.lookup(municipality)
        if found.municipality is None or not found.municipality.in_flanders:
            raise click.ClickException(f"Onbekende Vlaamse gemeente: {municipality}")
        refnis = found.municipality.refnis
    if not yes and not as_json:
        click.confirm("De persoonsgegevens worden onherroepelijk gewist. Doorgaan?", abort=True)
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
        click.echo(
            f"{outcome.contacts} contactpersoon/-personen gewist, {outcome.outbox} bericht(en) "
            f"en {outcome.verifications} verificatie(s) opgeschoond, {len(files)} bestand(en) "
            "verwijderd."
        )
    if outcome.contacts == 0 and outcome.verifications == 0:
        raise SystemExit(1)
