"""`leertraject run`: start the service on the configured channels."""

from __future__ import annotations

import asyncio

import click

from app.commands.help import CatalogCommand
from app.commands.output import say
from app.commands.state import CliState, pass_state


@click.command("run", cls=CatalogCommand)
@click.option("--once", is_flag=True, help="Do one pass of every component, then stop.")
@pass_state
def run_command(state: CliState, once: bool) -> None:
    """Run the service: mail intake, chat bot, outbox senders and scheduled jobs.

    Creates or migrates the database first. On the embedded defaults it needs no credentials.
    Stop it with Ctrl-C.
    """
    # Every channel's wiring, imported here rather than for `leertraject run --help`.
    from app.commands.db import refuse_newer_schema
    from app.health import heartbeat, readiness
    from app.mailing import imap_components, intake_jobs, sending_jobs
    from app.scheduler import campaign_jobs, scheduler_component
    from app.service import Component, ServiceState, install_signal_handlers, run_service
    from app.telegram import WebhookRelay, telegram_components, webhook_endpoint
    from app.web import web_components

    refuse_newer_schema(state.settings().database_url())
    app = state.app(migrate=True)
    # In this order for --once: read (the folder job or IMAP), remind and assign, then send
    # what that produced.
    jobs = [*intake_jobs(app), *campaign_jobs(app), *sending_jobs(app)]
    relay, parts_state = WebhookRelay(), ServiceState()
    parts: list[Component] = [
        *imap_components(app),
        scheduler_component(jobs, heartbeat(app)),
        *telegram_components(app, relay),
        *web_components(app, webhook_endpoint(app, relay), readiness(app, parts_state)),
    ]

    async def main() -> int:
        stop = asyncio.Event()
        if not once:
            install_signal_handlers(stop)
        return await run_service(app, parts, stop, once=once, state=parts_state)

    handled = asyncio.run(main())
    if once:
        click.echo(say("cli.run.handled", count=handled))
