"""The e-mail channel by hand, as staff run it (separate processes; the storage under them is
tested on SQLite and PostgreSQL elsewhere):
`mail ingest|poll|retry`, `outbox list|retry|send`, `invitations send`, `registrations
withdraw` and `registrations list --format table|csv`."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from app.bootstrap import App
from core.model import Channel, InboundOutcome, InboundRecord

Cli = Callable[..., subprocess.CompletedProcess[str]]
CORPUS = Path(__file__).parent.parent / "corpus" / "mail"
CLEAN = CORPUS / "nl_clean_template.eml"
CLEAN_ID = "<a1f0c2d4-1111-4c1e-9e55-0c9a1b2c3d01@gent.example.be>"


def quarantine(app: App, raw: bytes, key: str) -> None:
    """What a message that made the pipeline fail leaves behind: kept whole, to retry."""
    record = InboundRecord(
        Channel.EMAIL,
        key,
        datetime.now(UTC),
        InboundOutcome.QUARANTINED,
        raw=raw,
        error="RuntimeError",
    )
    app.transaction(lambda uow: uow.inbound.add(record))


def test_mail_by_hand_ingest_poll_and_retry(
    cli_sqlite: Cli, app_sqlite: App, tmp_path: Path
) -> None:
    cli, app = cli_sqlite, app_sqlite
    english = CORPUS / "en_clean_template.eml"
    ingested = json.loads(cli("mail", "ingest", str(english), "--json").stdout)
    assert ingested["outcome"] == "needs_verification" and ingested["reply"]["to"]
    table = cli("mail", "ingest", str(english)).stdout
    assert "dubbel" in table and "Uitkomst" in table, "the same message twice is a duplicate"

    assert cli("mail", "retry").stdout == "Geen berichten in quarantaine.\n"
    quarantine(app, CLEAN.read_bytes(), CLEAN_ID)
    [retried] = [json.loads(cli("mail", "retry", "--json").stdout)]
    assert retried["outcome"] == "needs_verification"
    assert retried["registration"]["municipality"]["name"] == "Gent"
    assert cli("mail", "retry").stdout == "Geen berichten in quarantaine.\n"

    cli("run", "--once")  # makes the local mail folder
    dropped = CORPUS / "iphone_plain_flowed.eml"
    (tmp_path / "inbox" / "new" / "iphone.eml").write_bytes(dropped.read_bytes())
    assert cli("mail", "poll").stdout == "1 bericht(en) verwerkt.\n"
    assert (tmp_path / "inbox" / ".Verwerkt" / "new" / "iphone.eml").exists()
    assert cli("--lang", "en", "mail", "poll").stdout == "0 message(s) processed.\n"


def test_the_outbox_lists_sends_and_retries(
    cli_sqlite: Cli, app_sqlite: App, tmp_path: Path
) -> None:
    cli, app = cli_sqlite, app_sqlite
    cli("mail", "ingest", str(CLEAN))
    [queued] = json.loads(cli("outbox", "list", "--json").stdout)
    assert (queued["status"], queued["kind"]) == ("queued", "verification.code")
    assert "bevestigingscode" in cli("outbox", "list").stdout
    assert cli("outbox", "send").stdout == "1 e-mail(s) verzonden.\n"
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    assert cli("outbox", "list", "--failed", "--json").stdout.strip() == "[]"

    app.transaction(lambda uow: uow.outbox.mark_failed(queued["id"], "550 mailbox unavailable"))
    listed = cli("outbox", "list", "--failed").stdout
    assert "mislukt" in listed and "550 mailbox unavailable" in listed
    done = cli("outbox", "retry", str(queued["id"]))
    assert done.stdout == f"Bericht {queued['id']} staat opnieuw in de wachtrij.\n"
    [again] = json.loads(cli("outbox", "list", "--json").stdout)
    assert again["status"] == "queued"
    missing = cli("--lang", "en", "outbox", "retry", "999", expect=1)
    assert missing.stderr == "Error: Message 999 does not exist or has not failed.\n"
    assert cli("outbox", "retry", "niet-een-nummer", expect=2).returncode == 2


def test_invitations_withdrawal_and_the_list_as_table_and_csv(
    cli_sqlite: Cli, tmp_path: Path
) -> None:
    cli = cli_sqlite
    invited = tmp_path / "uitnodigingen.csv"
    invited.write_text(
        "gemeente,naam,e-mail\nGent,An Peeters,an@gent.be\nBrugge,Bo Smet,bo@brugge.be\n",
        encoding="utf-8",
    )
    cli("invitations", "import", str(invited))
    assert cli("invitations", "send").stdout == "2 uitnodiging(en) klaargezet.\n"
    assert cli("invitations", "send").stdout == "0 uitnodiging(en) klaargezet.\n"
    outbox = json.loads(cli("outbox", "list", "--json").stdout)
    assert sorted((m["to"], m["kind"]) for m in outbox) == [
        ("an@gent.be", "invitation"),
        ("bo@brugge.be", "invitation"),
    ]

    submitted = cli(
        "registrations",
        "submit",
        *("--municipality", "Gent", "--contact-name", "An Peeters"),
        *("--contact-function", "Schepen", "--contact-email", "an@gent.be"),
        *("--preferences", "9,11,3"),
    )
    reference = submitted.stdout.split()[-1]
    table = cli("registrations", "list", "--format", "table").stdout
    assert "Inschrijvingen (1)" in table and reference in table and "ingediend" in table
    csv_text = cli("registrations", "list", "--format", "csv").stdout
    header, row = csv_text.splitlines()
    assert header.startswith("Referentie;NIS-code;Gemeente;Provincie;Status;Kanaal;Voorkeur 1")
    assert row.startswith(f"{reference};44021;Gent;Oost-Vlaanderen;ingediend;VLAIO;")

    assert cli("registrations", "withdraw", reference).stdout == f"{reference} ingetrokken.\n"
    assert ";ingetrokken;" in cli("registrations", "list", "--format", "csv").stdout
    told = json.loads(cli("outbox", "list", "--json").stdout)
    assert ("an@gent.be", "registration.withdrawn") in {(m["to"], m["kind"]) for m in told}
    unknown = cli("registrations", "withdraw", "LT-NOPE", expect=1)
    assert unknown.stderr == "Fout: Er is geen inschrijving met referentie LT-NOPE.\n"
