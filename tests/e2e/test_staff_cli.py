"""Staff at the command line (issue 8): one language per message, exit codes, the import,
the export's cells and the service's log, each as staff see them from a separate process."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from core import i18n

Cli = Callable[..., subprocess.CompletedProcess[str]]
CORPUS = Path(__file__).parent.parent / "corpus" / "mail"
GENT = ["--municipality", "Gent", "--contact-name", "An Peeters", "--contact-function", "Schepen"]
GENT += ["--contact-email", "an.peeters@stad.gent", "--preferences", "9,11,3"]
NAMEN = ["--municipality", "Namen", "--contact-name", "Luc", "--contact-function", "x"]
NAMEN += ["--contact-email", "luc@namur.be", "--preferences", "1,2,99"]
DOTTED_KEYS = [k for k in i18n.keys(domain=None) if "." in k]


def no_raw_keys(*outputs: str) -> None:
    text = "\n".join(outputs)
    assert not [k for k in DOTTED_KEYS if k in text]
    assert not re.search(r"\[[a-z_]+(\.[a-z_]+)*\]", text)


def test_staff_read_dutch_by_default_and_english_on_request(cli_sqlite: Cli) -> None:
    done = cli_sqlite("registrations", "submit", *GENT)
    assert re.fullmatch(r"ingeschreven: LT-\w+\n", done.stdout)
    again = cli_sqlite("--lang", "en", "registrations", "submit", *GENT)
    assert re.fullmatch(r"updated: LT-\w+\n", again.stdout)
    bad = cli_sqlite("registrations", "submit", *NAMEN, expect=1)
    assert "Gemeente: Namen ligt niet in het Vlaamse Gewest" in bad.stderr
    assert "Voorkeuren: We kennen geen thema '99'" in bad.stderr
    english = cli_sqlite(
        "registrations", "submit", *NAMEN, expect=1, env={"LEERTRAJECT_LANG": "en"}
    )
    assert "Municipality: " in english.stderr and "Preferences: We do not know" in english.stderr
    assert "Gemeente" not in english.stderr

    dutch_list = cli_sqlite("registrations", "list").stdout
    english_list = cli_sqlite("--lang", "en", "registrations", "list").stdout
    assert "ingediend" in dutch_list and "submitted" not in dutch_list
    assert "submitted" in english_list and "ingediend" not in english_list
    reference = done.stdout.split()[-1]
    shown = cli_sqlite("registrations", "show", reference).stdout
    assert "Geschiedenis" in shown and "gewijzigd" in shown
    missing = cli_sqlite("--lang", "en", "registrations", "show", "LT-NOPE", expect=1)
    assert missing.stderr == "Error: There is no registration with reference LT-NOPE.\n"
    no_raw_keys(done.stdout, again.stdout, bad.stderr, english.stderr, dutch_list, shown)
    assert (
        json.loads(cli_sqlite("registrations", "list", "--format", "json").stdout)[0]["status"]
        == "submitted"
    ), "programs still read the stable keys"


def test_submit_help_speaks_to_staff_and_a_dash_means_no_phone(cli_sqlite: Cli) -> None:
    help_text = " ".join(cli_sqlite("registrations", "submit", "--help").stdout.split())
    assert " uw " not in help_text.lower() and "Typ '-'" not in help_text  # not the official's
    assert "telefoonnummer van de contactpersoon. Niet verplicht; '-' of weglaten" in help_text
    english = cli_sqlite("--lang", "en", "registrations", "submit", "--help").stdout
    assert "your" not in english.lower() and "Type '-'" not in english
    assert "contact person's phone number. Optional; '-' or leaving it out" in " ".join(
        english.split()
    )
    done = cli_sqlite("registrations", "submit", *GENT, "--contact-phone", "-", "--json")
    reference = json.loads(done.stdout)["reference"]
    shown = json.loads(cli_sqlite("registrations", "show", reference, "--json").stdout)
    assert [bool(c["phone"]) for c in shown["contacts"]] == [False]


def test_an_import_with_bad_rows_keeps_the_good_ones_exits_1_and_lists_the_rest(
    cli_sqlite: Cli, tmp_path: Path
) -> None:
    csv_file = tmp_path / "uitnodigingen.csv"
    rows = ["gemeente;naam;e-mail", "Zonhoven;Zo;zo@zonhoven.be", "Aalst;Al;al@aalst.be"]
    rows += ["Namen;Luc;luc@namur.be", "Gent;An;an@gent.be", "Brugge;Bo;geen-adres"]
    csv_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = cli_sqlite("invitations", "import", str(csv_file), expect=1)
    assert done.stdout == "3 nieuw, 0 bijgewerkt, 0 ongewijzigd, 2 fout(en).\n"
    assert "regel 4: Gemeente: Namen ligt niet" in done.stderr
    assert "regel 6: E-mail: 'geen-adres' is geen geldig e-mailadres." in done.stderr
    english = cli_sqlite("--lang", "en", "invitations", "import", str(csv_file), expect=1)
    assert english.stdout.startswith("0 new, 0 updated, 3 unchanged, 2 error(s).")
    assert "line 6: E-mail: 'geen-adres' is not a valid e-mail address." in english.stderr
    listed = json.loads(cli_sqlite("invitations", "list", "--json").stdout)
    assert [r["municipality"]["name"] for r in listed] == ["Aalst", "Gent", "Zonhoven"]
    no_raw_keys(done.stdout, done.stderr, english.stderr)


def test_a_missing_input_file_is_a_usage_error_for_every_command(
    cli_sqlite: Cli, tmp_path: Path
) -> None:
    missing = str(tmp_path / "nergens.csv")
    for args in (
        ["invitations", "import", missing],
        ["mail", "ingest", missing],
        ["assign", "scores", missing],
        ["solve", missing],
        ["--config", missing, "stats"],
    ):
        done = cli_sqlite(*args, expect=2)
        assert "bestaat niet" in done.stderr and "Fout:" in done.stderr, args  # in Dutch


def test_the_export_has_date_cells_and_status_words_and_the_csv_iso_times(
    cli_sqlite: Cli, tmp_path: Path
) -> None:
    cli_sqlite("registrations", "submit", *GENT)
    workbook = tmp_path / "export.xlsx"
    cli_sqlite("export", "--format", "xlsx", "--output", str(workbook))
    sheet = load_workbook(workbook).active
    assert sheet is not None
    header, row = list(sheet.iter_rows(values_only=True))
    record = dict(zip(header, row, strict=True))
    assert record["Status"] == "ingediend" and record["Kanaal"] == "VLAIO"
    assert isinstance(record["Ingediend"], datetime)
    assert sheet.cell(2, header.index("Ingediend") + 1).number_format == "dd/mm/yyyy hh:mm"
    csv_file = tmp_path / "export.csv"
    cli_sqlite("export", "--format", "csv", "--output", str(csv_file))
    text = csv_file.read_text(encoding="utf-8-sig")
    assert ";ingediend;VLAIO;" in text
    assert re.search(r";\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00\n$", text)


def test_the_service_logs_each_message_it_handles_and_sends_without_personal_data(
    cli_sqlite: Cli, tmp_path: Path
) -> None:
    cli_sqlite("run", "--once")
    (tmp_path / "inbox" / "new" / "gent.eml").write_bytes(
        (CORPUS / "nl_clean_template.eml").read_bytes()
    )
    done = cli_sqlite("run", "--once")
    handled = [line for line in done.stderr.splitlines() if "message handled" in line]
    sent = [line for line in done.stderr.splitlines() if "message sent" in line]
    assert len(handled) == 1 and len(sent) == 1, done.stderr
    assert re.search(r"outcome=\w+ reference=LT-\w+ channel=email municipality=Gent$", handled[0])
    # Nobody vouches for this sender, so the answer is the code e-mail (it has no reference yet).
    assert re.search(r"outcome=sent reference=- channel=email kind=verification\.code$", sent[0])
    assert "an.peeters" not in done.stderr and "Peeters" not in done.stderr


def test_a_configuration_that_is_not_utf8_or_holds_a_database_password_is_refused(
    cli_sqlite: Cli, tmp_path: Path
) -> None:
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'[database]\nurl = "sqlite:///x.db"\n# caf\xe9\n')
    done = cli_sqlite("--config", str(latin), "stats", expect=1)
    assert done.stderr.startswith("Fout: De configuratie klopt niet:\n")
    assert "latin.toml: geen UTF-8 op regel 3, kolom 6 (byte 39)" in done.stderr
    assert "Traceback" not in done.stderr
    english = cli_sqlite("--lang", "en", "--config", str(latin), "stats", expect=1)
    assert english.stderr.startswith("Error: The configuration is not right:\n")
    assert "latin.toml: not UTF-8 at line 3, column 6 (byte 39)" in english.stderr
    defaults = (Path(__file__).parents[2] / "config.toml").read_text(encoding="utf-8")
    secret_url = "postgresql+psycopg://leertraject:S3cretPass@db.example.be/leertraject"
    with_password = defaults.replace(
        'url = "sqlite:///var/leertraject.db"', f'url = "{secret_url}"'
    )
    assert secret_url in with_password
    (tmp_path / "password.toml").write_text(with_password, encoding="utf-8")
    refused = cli_sqlite("--config", str(tmp_path / "password.toml"), "stats", expect=1)
    assert "database.url" in refused.stderr and "S3cretPass" not in refused.stderr
