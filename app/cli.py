"""The `leertraject` command: everything staff do, with --help on every command."""

from __future__ import annotations

import sys

import click

from app.commands.assign import assign_group
from app.commands.backup import backup_command, restore_command
from app.commands.db import db_group
from app.commands.doctor import doctor_command
from app.commands.erase import erase_command
from app.commands.invitations import invitations_group
from app.commands.mail import mail_group
from app.commands.mail_check import check_command
from app.commands.outbox import outbox_group
from app.commands.output import LANGUAGE_ENV, language, say, set_language, show_problem
from app.commands.registrations import registrations_group
from app.commands.reports import export_command, stats_command
from app.commands.run import run_command
from app.commands.solve import solve_command
from app.commands.staff import staff_group
from app.commands.state import CliState
from app.commands.status import status_command
from app.commands.verification import verification_group
from app.config import ConfigError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Configuration file (default: $LEERTRAJECT_CONFIG, ./config.toml, "
    "/etc/leertraject/config.toml, then the packaged defaults).",
)
@click.option(
    "--lang",
    type=click.Choice(["nl", "en"]),
    envvar=LANGUAGE_ENV,
    help=f"Language of the output: nl (default) or en; also ${LANGUAGE_ENV}.",
)
@click.version_option(package_name="leertraject")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None, lang: str | None) -> None:
    """Leertraject intake assistant: registrations of Flemish municipalities for VLAIO's
    collectieve leertrajecten, by e-mail and Telegram, and the assignment of theme groups.

    Exit codes: 0 success, 1 a problem with what was asked, 2 a usage error (also a missing
    input file)."""
    set_language(lang)
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
    status_command,
    staff_group,
    backup_command,
    restore_command,
    doctor_command,
    verification_group,
):
    cli.add_command(command)
mail_group.add_command(check_command)


def main() -> None:
    try:
        code = cli.main(prog_name="leertraject", standalone_mode=False)
    except click.ClickException as problem:
        show_problem(problem)
        sys.exit(problem.exit_code)
    except click.Abort:
        click.echo(say("cli.aborted"), err=True)
        sys.exit(1)
    except ConfigError as exc:  # found while wiring a part (a secret missing for oauth2, ...)
        show_problem(
            click.ClickException(say("cli.config_invalid", problems=exc.render(language())))
        )
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
