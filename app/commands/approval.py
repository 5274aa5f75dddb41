"""`leertraject registrations approve|refuse REF`: staff settle a version that waits for
approval (a new person wanted to replace a registration made by the municipality's contact)."""

from __future__ import annotations

import click

from app.commands.help import CatalogCommand
from app.commands.output import emit_json, language, say
from app.commands.state import CliState, pass_state, staff_actor
from core.usecases.approval import decide


def _decide(state: CliState, reference: str, as_json: bool, approve: bool) -> None:
    app = state.app()
    actor = staff_actor()
    decision = app.transaction(lambda uow: decide(uow, app.env, reference, actor, approve))
    if decision.errors:
        raise click.ClickException(decision.errors[0].message(language()))
    registration = decision.registration
    assert registration is not None
    result = {
        "reference": registration.reference,
        "decision": "approved" if approve else "refused",
        "preferences": list(registration.preferences),
    }
    if as_json:
        emit_json(result)
        return
    key = "cli.approval.approved" if approve else "cli.approval.refused"
    click.echo(say(key, reference=registration.reference))


@click.command("approve", cls=CatalogCommand)
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def approve_command(state: CliState, reference: str, as_json: bool) -> None:
    """Let the waiting version of REFERENCE replace the registration (audited)."""
    _decide(state, reference, as_json, approve=True)


@click.command("refuse", cls=CatalogCommand)
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def refuse_command(state: CliState, reference: str, as_json: bool) -> None:
    """Keep the registration as it is; the person who asked is told (audited)."""
    _decide(state, reference, as_json, approve=False)
