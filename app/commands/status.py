"""`leertraject status`: is the service alive, how far behind is it, and what failed."""

from __future__ import annotations

from typing import Any

import click

from app.commands.help import CatalogCommand
from app.commands.output import emit_json, emit_table
from app.commands.state import CliState, pass_state


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.0f} min"
    return f"{value / 3600:.1f} u"


@click.command("status", cls=CatalogCommand)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def status_command(state: CliState, as_json: bool) -> None:
    """Show whether intake, sender, bot and scheduler are alive, how far behind, what failed."""
    from app.health import snapshot  # sqlalchemy: when it runs, not for --help

    data = snapshot(state.app())
    if as_json:
        emit_json(data)
        return
    emit_table(
        "Onderdelen (laatste teken van leven)",
        ["onderdeel", "instantie", "geleden", "in orde", "fouten na elkaar", "laatste"],
        [
            [
                b["component"],
                b["worker"],
                _seconds(b["age_seconds"]),
                "ja" if b["ok"] else "NEE",
                b["failures"],
                b["detail"],
            ]
            for b in data["heartbeats"]
        ],
    )
    _backlog(data)
    emit_table(
        "Eenmalige taken",
        ["taak", "door", "poging", "mislukt", "klaar", "resultaat of laatste fout"],
        [
            [
                j["name"],
                j["claimed_by"],
                j["attempts"],
                j["failures"],
                j["finished_at"] or "nee",
                j["result"] or j["last_error"],
            ]
            for j in data["jobs"]
        ],
    )


def _backlog(data: dict[str, Any]) -> None:
    intake, outbox, reminders = data["intake"], data["outbox"], data["reminders"]
    folder = intake["mail_folder"]
    oldest = _seconds(folder.get("oldest_seconds"))
    dropped = ", ".join(f"{k}: {v}" for k, v in sorted(reminders["dropped"].items())) or "-"
    rows = [
        [
            "e-mail binnen",
            f"laatste {_seconds(intake['last_email_seconds_ago'])} geleden",
            f"{folder.get('waiting', '-')} wachtend, oudste {oldest}",
            f"{intake['quarantined']} in quarantaine (mail retry)",
        ],
        ["chat binnen", f"laatste {_seconds(intake['last_chat_seconds_ago'])} geleden", "", ""],
    ]
    for channel, name in (("email", "e-mail uit"), ("telegram", "chat uit")):
        box = outbox[channel]
        rows.append(
            [
                name,
                f"{box['due']} klaar om te versturen",
                f"oudste {_seconds(box['oldest_due_seconds'])}",
                f"{box['failed']} mislukt (outbox list --failed)",
            ]
        )
    rows.append(
        [
            "herinneringen",
            f"{reminders['due']} te versturen",
            f"oudste {_seconds(reminders['oldest_due_seconds'])}",
            f"vervallen: {dropped}",
        ]
    )
    emit_table("Achterstand", ["wat", "stand", "achter", "mislukt"], rows)
