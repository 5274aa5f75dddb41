"""The `leertraject` command: everything staff do, with --help on every command."""

from __future__ import annotations

import sys

import click

from app.commands.assign import assign_group
from app.commands.db import db_group
from app.commands.erase import erase_command
from app.commands.invitations import invitations_group
from app.commands.mail import mail_group
from app.commands.outbox import outbox_group
from app.commands.registrations import registrations_group
from app.commands.reports import export_command, stats_command
from app.commands.run import run_command
from app.commands.solve import solve_command
from app.commands.state import CliState
from app.commands.verification import verification_group


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Configuration file (default: $LEERTRAJECT_CONFIG or the embedded config.toml).",
)
@click.version_option(package_name="leertraject")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None) -> None:
    """Leertraject intake assistant: registrations of Flemish municipalities for VLAIO's
    collectieve leertrajecten, by e-mail and Telegram, and the assignment of theme groups."""
    state = CliState(config_file)
    ctx.obj = state
    ctx.call_on_close(state.close)


for command in (
    db_group,
    run_command,
    invitations_group,
    registrations_group,
    stats_command,
    export_command,
    erase_command,
    mail_group,
    outbox_group,
    assign_group,
    solve_command,
    verification_group,
):
    cli.add_command(command)


def main() -> None:
    try:
        cli.main(prog_name="leertraject", standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
