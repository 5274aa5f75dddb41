"""`leertraject registrations submit|withdraw`: staff enter what came by phone or on paper.

The options are made from core's registration form, so this is the same form as the chat's
and the e-mail template's, with the same validation and messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from app.commands.output import emit_json, language, say, word
from app.commands.state import CliState, pass_state, staff_actor
from core.form import FORM, SKIP, FormField, staff_given
from core.usecases.manage import withdraw
from core.usecases.submit import Identity, Result, submit

F = TypeVar("F", bound=Callable[..., Any])

# Help for staff entering what a municipality sent (the form's own help speaks to officials).
_STAFF_HELP = {
    "language": "Language the contacts get their messages in: nl (default) or en.",
    "municipality": "The municipality: name (Merelbeke-Melle), postal code (9090) or NIS code "
    "(44088).",
    "contact_name": "The municipality's contact person, first and last name.",
    "contact_function": "The contact person's role, e.g. centrummanager.",
    "contact_email": "The contact person's e-mail address; confirmations go there.",
    "contact_phone": "The contact person's phone number.",
    "preferences": "Themes in order of preference, by number or title, e.g. '9,11,3'.",
    "beleidsprioriteiten": "The municipality's policy priorities (at most 2,000 characters).",
    "realisaties": "What the municipality already achieved (at most 2,000 characters).",
    "acties": "Actions in progress (at most 2,000 characters).",
}


def _help(field: FormField) -> str:
    text = _STAFF_HELP.get(field.key, field.help("en"))
    if field.required:
        return f"{text} Required."
    return f"{text} Optional; '{SKIP}' or leaving it out gives none."


def _form_options(command: F) -> F:
    for field in reversed(FORM.fields):
        name = "--" + field.key.replace("_", "-")
        command = click.option(name, field.key, help=_help(field), default=None)(command)
    return command


@click.command("submit")
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


@click.command("withdraw")
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
