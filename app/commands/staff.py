"""`leertraject staff`: the accounts of the staff console (add, list, remove, reset).

Without --password-stdin an account gets a one-time sign-in link, valid for 24 hours, on which
its owner chooses a password. Every change is audited with the login of whoever ran it.
"""

from __future__ import annotations

import sys

import click

from app.commands.help import CatalogGroup
from app.commands.output import emit_json, emit_table, language, say
from app.commands.state import CliState, pass_state, staff_actor
from core.clock import format_local
from core.staff import Role
from core.usecases.staff import StaffOutcome, add_member, remove_member, reset_member
from web.passwords import Argon2Hasher

ROLES = [r.value for r in Role]


def _fail(outcome: StaffOutcome) -> None:
    if outcome.errors:
        raise click.ClickException(outcome.errors[0].message(language()))


def _link(state: CliState, token: str | None) -> None:
    if token:
        url = f"{state.settings().web.base_url()}/welcome/{token}"
        click.echo(say("staff.link", url=url))


@click.group("staff", cls=CatalogGroup)
def staff_group() -> None:
    """Accounts of the staff console: admin, editor or viewer."""


@staff_group.command("add")
@click.argument("email")
@click.option("--name", required=True, help="Full name, as shown in the console.")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account may do.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (no link)."
)
@pass_state
def add_command(state: CliState, email: str, name: str, role: str, password_stdin: bool) -> None:
    """Create an account; prints a one-time sign-in link unless --password-stdin is given."""
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException(say("staff.password_stdin_empty"))
    app = state.app()
    hasher = Argon2Hasher()
    outcome = app.transaction(
        lambda uow: add_member(
            uow, app.env, staff_actor(), hasher, email, name, Role(role), password
        )
    )
    _fail(outcome)
    assert outcome.member is not None
    role_name = say(f"staff.role.{role}")
    click.echo(say("staff.added", email=outcome.member.email, role=role_name))
    _link(state, outcome.link_token)


@staff_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def list_command(state: CliState, as_json: bool) -> None:
    """Every account, with its role and whether a password is set."""
    app = state.app()
    with app.uow() as uow:
        members = uow.staff.list()
    if as_json:
        emit_json(
            [
                {
                    "id": m.id,
                    "email": m.email,
                    "name": m.name,
                    "role": m.role.value,
                    "password_set": m.password_hash is not None,
                    "created_at": m.created_at,
                }
                for m in members
            ]
        )
        return
    emit_table(
        say("staff.list_title", count=len(members)),
        [say(f"staff.column.{c}") for c in ("email", "name", "role", "created", "password")],
        [
            [
                m.email,
                m.name,
                say(f"staff.role.{m.role.value}"),
                format_local(m.created_at),
                say("staff.yes" if m.password_hash else "staff.no"),
            ]
            for m in members
        ],
    )


@staff_group.command("remove")
@click.argument("email")
@pass_state
def remove_command(state: CliState, email: str) -> None:
    """Delete an account and sign out every browser it was signed in on."""
    app = state.app()
    outcome = app.transaction(lambda uow: remove_member(uow, app.env, staff_actor(), email))
    _fail(outcome)
    assert outcome.member is not None
    click.echo(say("staff.removed", email=outcome.member.email))


@staff_group.command("reset")
@click.argument("email")
@pass_state
def reset_command(state: CliState, email: str) -> None:
    """Clear the password, sign out everywhere, and print a new one-time sign-in link."""
    app = state.app()
    outcome = app.transaction(lambda uow: reset_member(uow, app.env, staff_actor(), email))
    _fail(outcome)
    assert outcome.member is not None
    click.echo(say("staff.reset_done", email=outcome.member.email))
    _link(state, outcome.link_token)
