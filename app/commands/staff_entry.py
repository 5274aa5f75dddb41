"""`leertraject registrations submit|withdraw`: staff enter what came by phone or on paper.

The options are made from core's registration form, so this is the same form as the chat's
and the e-mail template's, with the same validation and messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from app.commands.output import emit_json
from app.commands.state import CliState, pass_state, staff_actor
from core.form import FORM
from core.usecases.manage import withdraw
from core.usecases.submit import Identity, Result, submit
from core.validators import Kind

F = TypeVar("F", bound=Callable[..., Any])


def _form_options(command: F) -> F:
    for field in reversed(FORM.fields):
        name = "--" + field.key.replace("_", "-")
        kwargs: dict[str, Any] = {"help": field.help("en"), "default": None}
        if field.kind is Kind.PREFERENCES:
            kwargs["help"] = "Themes in order of preference, e.g. '9,11,3'."
        command = click.option(name, field.key, **kwargs)(command)
    return command


@click.command("submit")
@_form_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def submit_command(state: CliState, /, as_json: bool, **values: Any) -> None:
    """Register or update a municipality on its behalf (staff may do so after the deadline)."""
    app = state.app()
    actor = staff_actor()
    identity = Identity(actor.channel, staff=actor.name)
    raw = {k: v for k, v in values.items() if v is not None}
    outcome = app.transaction(lambda uow: submit(uow, app.env, raw, identity))
    errors = [e.as_dict("nl") for e in outcome.errors]
    reference = outcome.registration.reference if outcome.registration else None
    if as_json:
        emit_json({"outcome": outcome.result.value, "reference": reference, "errors": errors})
    elif outcome.result is Result.REJECTED:
        for e in errors:
            click.echo(f"{e['field']}: {e['message']} [{e['code']}]", err=True)
    else:
        click.echo(f"{outcome.result.value}: {reference}")
    if outcome.result is Result.REJECTED:
        raise SystemExit(1)


@click.command("withdraw")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def withdraw_command(state: CliState, reference: str, as_json: bool) -> None:
    """Withdraw a registration; every contact of the municipality is told."""
    app = state.app()
    outcome = app.transaction(lambda uow: withdraw(uow, app.env, reference, staff_actor()))
    if outcome.errors:
        raise click.ClickException(outcome.errors[0].message("nl"))
    assert outcome.registration is not None
    if as_json:
        emit_json({"reference": outcome.registration.reference, "status": "withdrawn"})
    else:
        click.echo(f"{outcome.registration.reference} ingetrokken.")
