"""The `leertraject` command: everything staff do, with --help on every command."""

from __future__ import annotations

import sys

import click

from app.commands.help import CatalogGroup
from app.commands.output import LANGUAGE_ENV, language, say, set_language, show_problem

# Each command's module is imported only when that command runs or shows its own help (see
# CatalogGroup): the heavy libraries (sqlalchemy, ortools, openpyxl, jinja2, telegram, ...)
# stay out of `leertraject --help`, whose command list comes from the catalogs.
COMMANDS = {
    "assign": "app.commands.assign:assign_group",
    "backup": "app.commands.backup:backup_command",
    "db": "app.commands.db:db_group",
    "doctor": "app.commands.doctor:doctor_command",
    "erase": "app.commands.erase:erase_command",
    "export": "app.commands.reports:export_command",
    "invitations": "app.commands.invitations:invitations_group",
    "mail": "app.commands.mail:mail_group",
    "outbox": "app.commands.outbox:outbox_group",
    "registrations": "app.commands.registrations:registrations_group",
    "restore": "app.commands.backup:restore_command",
    "run": "app.commands.run:run_command",
    "solve": "app.commands.solve:solve_command",
    "staff": "app.commands.staff:staff_group",
    "stats": "app.commands.reports:stats_command",
    "status": "app.commands.status:status_command",
    "verification": "app.commands.verification:verification_group",
}


class RootGroup(CatalogGroup):
    """`leertraject`: its --help is shown after --lang is read, wherever --lang stands."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.is_eager = False  # the root has no required option to be checked first
        return option


def _choose_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    set_language(value)  # eager: before any --help is shown
    return value


@click.group(
    cls=RootGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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
    is_eager=True,
    callback=_choose_language,
    help=f"Language of the output: nl (default) or en; also ${LANGUAGE_ENV}.",
)
@click.version_option(package_name="leertraject", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None, lang: str | None) -> None:
    """Leertraject intake assistant: registrations of Flemish municipalities for VLAIO's
    collectieve leertrajecten, by e-mail and Telegram, and the assignment of theme groups.

    Exit codes: 0 success, 1 a problem with what was asked, 2 a usage error (also a missing
    input file)."""
    from app.commands.state import CliState

    set_language(lang)
    state = CliState(config_file)
    ctx.obj = state
    ctx.call_on_close(state.close)


def _lang_in(args: list[str]) -> str | None:
    """--lang as typed, for what Click says before it has read it (an unknown option)."""
    for i, arg in enumerate(args):
        value = arg.partition("=")[2] if arg.startswith("--lang=") else None
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        if value in ("nl", "en"):
            return value
    return None


def main() -> None:
    set_language(_lang_in(sys.argv[1:]))
    try:
        code = cli.main(prog_name="leertraject", standalone_mode=False)
    except click.ClickException as problem:
        show_problem(problem)
        sys.exit(problem.exit_code)
    except click.Abort:
        click.echo(say("cli.aborted"), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        from app.config import ConfigError  # pydantic: only when a command has run

        if not isinstance(exc, ConfigError):
            raise
        # found while wiring a part (a secret missing for oauth2, ...)
        show_problem(
            click.ClickException(say("cli.config_invalid", problems=exc.render(language())))
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
