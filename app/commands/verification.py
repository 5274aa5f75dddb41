"""`leertraject verification unlock ADDRESS`: staff lift the day's lock of an address whose
codes were all used or guessed at (after checking who asks, e.g. by phone)."""

from __future__ import annotations

import click

from app.commands.help import CatalogGroup
from app.commands.output import emit_json, say
from app.commands.state import CliState, pass_state, staff_actor
from core.audit import log_action
from core.ports import UnitOfWork
from core.usecases.codes import address_key, unlock


@click.group("verification", cls=CatalogGroup)
def verification_group() -> None:
    """The codes that prove an e-mail address."""


@verification_group.command("unlock")
@click.argument("address")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def unlock_command(state: CliState, address: str, as_json: bool) -> None:
    """Let ADDRESS ask for and try codes again today (audited, without the address)."""
    app = state.app()
    actor = staff_actor()

    def work(uow: UnitOfWork) -> int:
        forgotten = unlock(uow, app.env, address)
        subject = "address:" + address_key(app.env, address)[:16]
        log_action(uow, app.env.clock.now(), actor, "verification.unlocked", subject)
        return forgotten

    forgotten = app.transaction(work)
    if as_json:
        emit_json({"unlocked": True, "forgotten": forgotten})
    else:
        click.echo(say("cli.verification.unlocked", forgotten=forgotten))
