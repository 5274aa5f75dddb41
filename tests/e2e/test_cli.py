"""The `leertraject` command end to end, as a separate process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from core.municipalities import MunicipalityDirectory
from tests.cli_process import Cli, make_cli


@pytest.fixture
def run(db_url: str, tmp_path: Path) -> Cli:
    return make_cli(db_url, tmp_path)


def test_a_campaign_from_import_to_export(
    run: Any, tmp_path: Path, municipalities: MunicipalityDirectory
) -> None:
    # VLAIO invites every Flemish municipality; the file comes out of Excel (BOM, semicolons).
    lines = ["gemeente;naam;e-mail;taal"]
    for index, m in enumerate(municipalities.flemish):
        lines.append(f"{m.refnis};Contact {m.name};info{index}@gemeente{index}.be;nl")
    lines.append("Namen;Luc Dubois;luc@namur.be;fr")
    csv_file = tmp_path / "uitnodigingen.csv"
    csv_file.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")

    # The good rows are imported; the bad row (Namen, language fr) makes the command exit 1.
    first = json.loads(run("invitations", "import", str(csv_file), "--json", expect=1).stdout)
    assert (first["created"], len(first["errors"])) == (285, 2)
    assert {e["line"] for e in first["errors"]} == {287}
    again = json.loads(run("invitations", "import", str(csv_file), "--json", expect=1).stdout)
    assert (again["created"], again["unchanged"]) == (0, 285)
    invited = json.loads(run("invitations", "list", "--json").stdout)
    assert len(invited) == 285 and all(i["token"] for i in invited)

    run(
        "registrations",
        "submit",
        "--municipality",
        "Gent",
        "--contact-name",
        "An Peeters",
        "--contact-function",
        "Centrummanager",
        "--contact-email",
        "an.peeters@stad.gent",
        "--preferences",
        "9,11,3",
        "--beleidsprioriteiten",
        '=HYPERLINK("http://x")',
    )
    run(
        "registrations",
        "submit",
        "--municipality",
        "9090",
        "--contact-name",
        "Jo Smet",
        "--contact-function",
        "Schepen",
        "--contact-email",
        "jo@merelbeke-melle.be",
        "--preferences",
        "9 - Leegstand aanpakken; Centrummanagement; 12",
    )
    bad = run(
        "registrations",
        "submit",
        "--municipality",
        "Namen",
        "--contact-name",
        "Luc",
        "--contact-function",
        "x",
        "--contact-email",
        "luc@namur.be",
        "--preferences",
        "1,2,3",
        "--json",
        expect=1,
    )
    assert json.loads(bad.stdout)["errors"][0]["code"] == "municipality.outside_flanders"

    listed = json.loads(run("registrations", "list", "--format", "json").stdout)
    assert [
        (r["municipality"]["name"], [p["theme"] for p in r["preferences"]]) for r in listed
    ] == [
        ("Gent", [9, 11, 3]),
        ("Merelbeke-Melle", [9, 3, 12]),
    ]
    shown = json.loads(run("registrations", "show", listed[0]["reference"], "--json").stdout)
    assert shown["history"][0]["action"] == "registration.submitted"

    stats = {row["theme"]: row for row in json.loads(run("stats", "--json").stdout)}
    assert stats[9]["by_rank"][:3] == [2, 0, 0] and stats[3]["total"] == 2

    workbook_path = tmp_path / "export.xlsx"
    run("export", "--format", "xlsx", "--output", str(workbook_path))
    sheet = load_workbook(workbook_path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Referentie", "NIS-code", "Gemeente") and len(rows) == 3
    assert rows[1][2] == "Gent" and "an.peeters@stad.gent" in " ".join(map(str, rows[1]))
    assert '\'=HYPERLINK("http://x")' in rows[1]  # shown as text, never run as a formula

    csv_path = tmp_path / "export.csv"
    run("export", "--format", "csv", "--output", str(csv_path))
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"Referentie;NIS-code;Gemeente" in raw

    erased = json.loads(run("erase", "--email", "an.peeters@stad.gent", "--json").stdout)
    assert erased["contacts"] == 1
    listed = json.loads(run("registrations", "list", "--format", "json").stdout)
    assert "an.peeters" not in json.dumps(listed)
    run("erase", "--email", "nobody@nowhere.be", "--json", expect=1)


def test_usage_and_configuration_errors_have_their_exit_codes(run: Any, tmp_path: Path) -> None:
    assert run("registrations", "list", "--status", "bogus", expect=2).returncode == 2
    broken = tmp_path / "broken.toml"
    broken.write_text('[database]\nurl = "sqlite:///x.db"\n[mail]\npassword = "hunter2"\n')
    done = run("--config", str(broken), "stats", expect=1)
    assert "mail.password" in done.stderr and "hunter2" not in done.stderr + done.stdout
    assert "registrations" in run("--help").stdout


def test_the_service_answers_an_eml_dropped_in_the_local_mail_folder(
    run: Any, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    run("run", "--once")  # a fresh machine: the service makes its own mail folders
    assert (inbox / "new").is_dir() and (inbox / ".Verwerkt").is_dir()
    corpus = Path(__file__).parent.parent / "corpus" / "mail"
    (inbox / "gent.eml").write_bytes((corpus / "nl_clean_template.eml").read_bytes())
    done = run("run", "--once")
    # One message in, one reminder planned (to confirm the code it asks for), one reply out.
    assert "3 item(s) afgehandeld" in done.stdout
    assert (inbox / ".Verwerkt" / "new" / "gent.eml").exists()
    [reply] = list((tmp_path / "outbox").glob("*.eml"))
    text = reply.read_text()
    assert "To: an.peeters@gent.example.be" in text and "In-Reply-To:" in text
    outcomes = json.loads(run("outbox", "list", "--json").stdout)
    assert [o["status"] for o in outcomes] == ["sent"]
    run("run", "--once")
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1, "nothing is sent twice"
