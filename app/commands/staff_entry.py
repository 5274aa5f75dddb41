"""`leertraject registrations submit|withdraw`: staff enter what came by phone or on paper.

The options are made from core's registration form, so this is the same form as the chat's
and the e-mail template's, with the same validation and messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from app.commands.help import CatalogCommand
from app.commands.output import emit_json, language, say, word
from app.commands.state import CliState, pass_state, staff_actor
from core.form import FORM, staff_given
from core.usecases.manage import withdraw
from core.usecases.submit import Identity, Result, submit

F = TypeVar("F", bound=Callable[..., Any])


def _form_options(command: F) -> F:
    for field in reversed(FORM.fields):
        name = "--" + field.key.replace("_", "-")
        # its help for staff: cli.help.registrations.submit.<field> (app/commands/help.py)
        command = click.option(name, field.key, default=None)(command)
    return command


@click.command("submit", cls=CatalogCommand)
@_form_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def submit_command(state: CliState, /, as_json: bool, **values: Any) -> None:
    """Enter a registration on a municipality's behalf (what came by phone, paper or mail), or
    replace its current one; staff may do so after the deadline too. The municipality's
    contacts are told. Exits with 1 and lists what to fix when a value is not valid."""
    app = state.app()
    actor = staff_actor()
    identity = Identity(actor.channel, staff=actor.name)
    raw = staff_given(values)
    outcome = app.transaction(lambda uow: submit(uow, app.env, raw, identity))
    errors = [e.as_dict(language()) for e in outcome.errors]
    reference = outcome.registration.reference if outcome.registration else None
    if as_json:
        emit_json({"outcome": outcome.result.value, "reference": reference, "errors": errors})
    elif outcome.result is Result.REJECTED:
        for e in errors:
            field = word("field", e["field"])
            click.echo(say("cli.rejected_line", field=field, message=e["message"]), err=True)
    else:
        shown = word("outcome", outcome.result.value)
        click.echo(say("cli.submitted", outcome=shown, reference=reference))
    if outcome.result is Result.REJECTED:
        raise SystemExit(1)


@click.command("withdraw", cls=CatalogCommand)
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def withdraw_command(state: CliState, reference: str, as_json: bool) -> None:
    """Withdraw a registration; every contact of the municipality is told."""
    app = state.app()
    outcome = app.transaction(lambda uow: withdraw(uow, app.env, reference, staff_actor()))
    if outcome.errors:
        raise click.ClickException(outcome.errors[0].message(language()))
    assert outcome.registration is not None
    if as_json:
        emit_json({"reference": outcome.registration.reference, "status": "withdrawn"})
    else:
        click.echo(say("cli.withdrawn", reference=outcome.registration.reference))
