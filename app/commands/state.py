"""What every command shares: the configuration file, loaded once, and the wired app."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import click

from app.commands.output import language, say
from core.model import Actor, ActorKind, Channel

if TYPE_CHECKING:
    from app.bootstrap import App
    from app.config import Settings

# The configuration (pydantic) and the wiring (sqlalchemy, alembic) are imported when a
# command first asks for them, not for `--help` (issue #14).


@dataclass
class CliState:
    config_file: str | None
    _settings: Settings | None = None
    _app: App | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        if self._settings is None:
            from app.config import ConfigError, load_settings
            from app.logs import setup_logging

            try:
                self._settings = load_settings(self.config_file)
            except ConfigError as exc:
                problems = exc.render(language())
                raise click.ClickException(say("cli.config_invalid", problems=problems)) from exc
            setup_logging(self._settings.logging.level, self._settings.logging.format)
        return self._settings

    def app(self, migrate: bool = False) -> App:
        if self._app is None:
            from app.bootstrap import bootstrap
            from storage.migrate import is_current

            self._app = bootstrap(self.settings(), migrate=migrate)
            if not migrate and not is_current(self._app.engine):
                raise click.ClickException(say("cli.db_not_current"))
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


def staff_actor() -> Actor:
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "staff"
    return Actor(ActorKind.STAFF, Channel.CLI, name=login)


pass_state = click.make_pass_decorator(CliState)
