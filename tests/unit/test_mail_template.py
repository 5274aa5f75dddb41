"""Template extraction: the fields an official typed are found, whatever the mail client did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.form import FORM, email_labels
from core.preferences import split_preferences
from core.validators import Kind
from mail.decode import decode_message
from mail.replies import render_template
from mail.template import (
    TemplateSpec,
    extract_best,
    extract_form,
)

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "mail"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))["messages"]
HUMAN = sorted(name for name, e in EXPECTED.items() if e["kind"] == "human")

SPEC = TemplateSpec(
    email_labels(),
    multiline_fields={f.key for f in FORM.fields if f.kind is Kind.LONG_TEXT},
)


def read(text: str, sender_name: str = "") -> tuple[dict[str, str], list[str], str]:
    form = extract_form(text, SPEC, sender_name=sender_name)
    return form.values, form.preferences, form.source


@pytest.mark.parametrize("name", HUMAN)
def test_every_human_corpus_message_yields_the_expected_fields(name: str) -> None:
    mail = decode_message((CORPUS / name).read_bytes())
    form = extract_best(mail.alternatives, SPEC, sender_name=mail.from_name)
    expected = EXPECTED[name]["form"]
    assert form.values == expected["values"]
    assert form.preferences == expected["preferences"]
    assert form.source == expected["source"]


# --- labels -----------------------------------------------------------------------------


def test_labels_in_any_case_with_extra_spaces_and_colon_variants() -> None:
    values, prefs, _ = read(
        "GEMEENTE :   Gent\n  contactpersoon:An Peeters\nFunctie = Centrummanager\n"
        "Telefoonnummer: 09 123 45 67\nVoorkeur nr. 1 : 9\nvoorkeur 2:11\nVOORKEUR  3 :  3\n"
    )
    assert values == {
        "municipality": "Gent",
        "contact_name": "An Peeters",
        "contact_function": "Centrummanager",
        "contact_phone": "09 123 45 67",
    }
    assert prefs == ["9", "11", "3"]


def test_english_labels_are_understood() -> None:
    values, prefs, _ = read(
        "Municipality: Ghent\nName: An Peeters\nJob title: Town centre manager\n"
        "Email: an@gent.example.be\nPhone: 09 123 45 67\nChoice 1: 9\nChoice 2 : 11\n"
        "Preference 3: 3\nPolicy priorities: Vacancy\nAchievements: Facades\n"
        "Actions in progress: Pop-ups\n"
    )
    assert values["municipality"] == "Ghent"
    assert values["contact_function"] == "Town centre manager"
    assert values["acties"] == "Pop-ups"
    assert prefs == ["9", "11", "3"]


@pytest.mark.parametrize(
    "line",
    [
        "1e voorkeur: 9",
        "1ste keuze: 9",
        "Eerste voorkeur: 9",
        "First choice: 9",
        "Keuze #1: 9",
        "**Voorkeur 1:** 9",
        "*Voorkeur 1:* 9",
        "- Voorkeur 1: 9",
        "Voorkeur 1\t9",
    ],
)
def test_numbered_preference_labels_in_the_ways_people_write_them(line: str) -> None:
    _, prefs, _ = read(f"Gemeente: Gent\n{line}\nVoorkeur 2: 11\n")
    assert prefs == ["9", "11"]


def test_preference_ranks_give_the_order_not_the_line_order() -> None:
    _, prefs, _ = read("Voorkeur 3: 3\nVoorkeur 1: 9\nVoorkeur 2: 11\n")
    assert prefs == ["9", "11", "3"]


def test_a_dash_inside_a_theme_value_is_not_a_separator() -> None:
    _, prefs, _ = read("Voorkeur 1: 9 - Leegstand aanpakken\nVoorkeur 2 - 11 - Vastgoedstrategie\n")
    assert prefs == ["9 - Leegstand aanpakken", "11 - Vastgoedstrategie"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Voorkeuren: 9, 11, 3", ["9", "11", "3"]),
        ("Voorkeuren: 9; 11; 3", ["9", "11", "3"]),
        ("Voorkeuren: 9 en 11 en 3", ["9", "11", "3"]),
        ("Keuze: 9 11 3.", ["9", "11", "3"]),
        ("Choices: 9 and 11", ["9", "11"]),
        (
            "Voorkeuren: 9 - Leegstand aanpakken, 3 - Centrummanagement",
            ["9 - Leegstand aanpakken", "3 - Centrummanagement"],
        ),
        (
            "Voorkeuren: Leegstand aanpakken; Centrummanagement",
            ["Leegstand aanpakken", "Centrummanagement"],
        ),
    ],
)
def test_a_one_line_preference_list(line: str, expected: list[str]) -> None:
    values, prefs, _ = read(f"Gemeente: Gent\n{line}\n")
    assert prefs == expected
    assert values["preferences"] == line.split(":", 1)[1].strip()


def test_a_preference_list_on_the_lines_under_its_label() -> None:
    _, prefs, _ = read("Voorkeuren:\n1. 9 - Leegstand aanpakken\n2. 11\n- 3\n\nGroeten\n")
    assert prefs == ["9 - Leegstand aanpakken", "11", "3"]


def test_protected_theme_titles_are_not_split_on_their_comma_or_en() -> None:
    title = "Doorvertalen van het DNA van de kern in (city)marketing, publiek domein en producten"
    assert split_preferences(f"{title}, Centrummanagement", [title]) == [title, "Centrummanagement"]
    assert split_preferences(f"{title}, Centrummanagement") != [title, "Centrummanagement"]


def test_prose_that_starts_like_a_label_is_not_a_field() -> None:
    values, _, _ = read("Stad 2030: onze visie\nNaam van het project: Kern\nStad Gent doet mee\n")
    assert values == {}


def test_hints_of_the_blank_template_are_removed_and_empty_values_are_no_values() -> None:
    form = extract_form(
        "Gemeente:                 (naam, postcode of NIS-code)\n"
        "Contactpersoon: An Peeters (optioneel)\n"
        "Functie: Schepen (Economie)\n"
        "E-mail:\n"
        "Telefoon: ...\n"
        'Voorkeur 1: 9            (nummer, titel, of "9 - Leegstand aanpakken")\n',
        SPEC,
    )
    assert form.values == {"contact_name": "An Peeters", "contact_function": "Schepen (Economie)"}
    assert form.preferences == ["9"]
    assert {"municipality", "contact_email", "contact_phone"} <= form.found_labels


def test_a_value_on_the_line_below_its_label() -> None:
    values, _, _ = read("Gemeente:\nGent\nContactpersoon:\n\nFunctie: Schepen\n")
    assert values == {"municipality": "Gent", "contact_function": "Schepen"}


def test_outlook_link_noise_is_stripped_from_values() -> None:
    values, _, _ = read("E-mail: an@gent.example.be<mailto:an@gent.example.be>\n")
    assert values == {"contact_email": "an@gent.example.be"}


# --- free text, greetings and signatures -------------------------------------------------


def test_free_text_runs_over_several_lines_until_the_next_label() -> None:
    values, _, _ = read(
        "Beleidsprioriteiten: Minder leegstand.\nMeer groen.\n\nEen tweede alinea.\n"
        "Realisaties: Gevelpremie\n"
    )
    assert values["beleidsprioriteiten"] == "Minder leegstand.\nMeer groen.\n\nEen tweede alinea."
    assert values["realisaties"] == "Gevelpremie"


@pytest.mark.parametrize(
    "ending",
    [
        "Met vriendelijke groeten,\nAn Peeters\nTel: 09 000 00 00",
        "Kind regards\nAn\nPhone: 09 000 00 00",
        "Mvg\nAn",
        "Groeten,\nAn",
        "-- \nAn Peeters\nTel: 09 000 00 00",
        "Verzonden vanaf mijn iPhone",
        "Sent from my iPhone",
        "Sent from Outlook for Android",
        "Alvast bedankt!\nAn",
        "An Peeters\nCentrummanager\nStad Gent",
    ],
)
def test_greetings_and_signatures_end_the_free_text_and_are_ignored(ending: str) -> None:
    values, _, _ = read(f"Gemeente: Gent\nActies in uitvoering: Pop-up winkels.\n\n{ending}\n")
    assert values == {"municipality": "Gent", "acties": "Pop-up winkels."}


def test_the_senders_own_name_under_the_fields_is_not_free_text() -> None:
    values, _, _ = read("Realisaties: Nieuwe markt\nAn Peeters\n", sender_name="An Peeters")
    assert values["realisaties"] == "Nieuwe markt"


def test_a_message_without_any_template_yields_nothing() -> None:
    form = extract_form("Beste,\n\nIk bel u morgen.\n\nGroeten,\nPiet", SPEC)
    assert form.empty
    assert form.source == "none"
    assert form.found_labels == frozenset()


# --- replies and quotes -----------------------------------------------------------------

INVITATION = (
    "> Vul onderstaand sjabloon in.\n>\n"
    "> Gemeente:            (naam, postcode of NIS-code)\n> Contactpersoon:\n"
    "> Voorkeur 1:\n> Voorkeur 2:\n>\n> Met vriendelijke groeten,\n> VLAIO\n"
)


def test_fields_on_top_win_over_the_empty_quoted_invitation() -> None:
    text = f"Gemeente: Hasselt\nVoorkeur 1: 4\n\nOp 2 jun 2025 schreef VLAIO:\n{INVITATION}"
    values, prefs, source = read(text)
    assert (values, prefs, source) == ({"municipality": "Hasselt"}, ["4"], "top")


def test_the_municipality_typed_into_the_quoted_template_is_found() -> None:
    filled = INVITATION.replace(
        "> Gemeente:            (naam, postcode of NIS-code)", "> Gemeente: Brugge"
    )
    filled = filled.replace("> Voorkeur 1:", "> Voorkeur 1: 9")
    values, prefs, source = read(f"Zie hieronder.\n\nOn Mon, 2 Jun 2025, VLAIO wrote:\n{filled}")
    assert (values, prefs, source) == ({"municipality": "Brugge"}, ["9"], "quoted")


def test_answers_typed_between_the_quoted_labels_count() -> None:
    text = (
        "Op 2 jun schreef VLAIO:\n> Gemeente:\nBrugge\n"
        "> Contactpersoon:\nJan Claeys\n> Voorkeur 1:\n9\n"
    )
    values, prefs, _ = read(text)
    assert values == {"municipality": "Brugge", "contact_name": "Jan Claeys"}
    assert prefs == ["9"]


def test_fields_written_below_the_quote_count_as_the_answer() -> None:
    text = f"Op 2 jun schreef VLAIO:\n{INVITATION}\nGemeente: Genk\nVoorkeur 1: 3\n"
    values, prefs, source = read(text)
    assert (values, prefs, source) == ({"municipality": "Genk"}, ["3"], "top")


def test_a_correction_on_top_of_the_returned_template_keeps_the_rest() -> None:
    returned = "> Gemeente: Gent\n> Contactpersoon: An Peeters\n> Voorkeur 1: 9\n> Voorkeur 2: 9\n"
    text = f"Voorkeur 1: 9\nVoorkeur 2: 11\n\nOp 3 jun schreef VLAIO:\n{returned}"
    values, prefs, source = read(text)
    assert values == {"municipality": "Gent", "contact_name": "An Peeters"}
    assert prefs == ["9", "11"]
    assert source == "mixed"


def test_an_english_outlook_header_block_starts_the_quoted_message() -> None:
    text = (
        "Please see below.\n\nKind regards\nTom\nPhone: 056 00 00 00\n\n"
        "From: VLAIO <intake@vlaio.test>\nSent: Monday, June 2, 2025 9:00 AM\n"
        "To: Tom <tom@kortrijk.example.be>\nSubject: Invitation\n\n"
        "Municipality: Kortrijk\nPhone: 056 27 00 00\nChoice 1: 3\n"
    )
    values, prefs, source = read(text)
    assert values == {"municipality": "Kortrijk", "contact_phone": "056 27 00 00"}
    assert (prefs, source) == (["3"], "quoted")


def test_a_forwarded_registration_is_read() -> None:
    text = (
        "Ter info, doorgestuurd.\n\n---------- Forwarded message ---------\n"
        "From: Jan <jan@brugge.example.be>\nDate: ma 2 jun 2025\nSubject: inschrijving\n"
        "To: Eva <eva@brugge.example.be>\n\nGemeente: Brugge\nVoorkeuren: 1, 2, 3\n"
    )
    values, prefs, _ = read(text)
    assert values["municipality"] == "Brugge"
    assert prefs == ["1", "2", "3"]


def test_values_typed_into_a_gmail_html_quote_are_found() -> None:
    html = (
        '<div dir="ltr">Ingevuld hieronder</div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">Op ma 2 jun 2025 om 09:00 schreef VLAIO &lt;'
        '<a href="mailto:intake@vlaio.test">intake@vlaio.test</a>&gt;:<br></div>'
        '<blockquote class="gmail_quote"><div>Gemeente: Aalst</div><div>Voorkeur 1: 3</div>'
        "<div><br></div><div>Groeten</div></blockquote></div>"
    )
    from mail.html_text import html_to_text

    values, prefs, source = read(html_to_text(html))
    assert (values, prefs, source) == ({"municipality": "Aalst"}, ["3"], "quoted")


def test_values_typed_into_an_outlook_html_reply_below_the_van_block_are_found() -> None:
    from mail.html_text import html_to_text

    html = (
        "<div class=WordSection1><p class=MsoNormal>Zie hieronder.<o:p></o:p></p>"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Met vriendelijke groeten"
        "</p><p class=MsoNormal>Nathalie<br>Tel: 089 65 44 11</p>"
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        "<p class=MsoNormal><b>Van:</b> VLAIO Leertrajecten &lt;intake@vlaio.test&gt; <br>"
        "<b>Verzonden:</b> maandag 2 juni 2025 9:00<br><b>Aan:</b> Nathalie<br>"
        "<b>Onderwerp:</b> Uitnodiging<o:p></o:p></p></div>"
        "<p class=MsoNormal>Gemeente: Genk<o:p></o:p></p>"
        "<p class=MsoNormal>Telefoon: 089 65 44 00<o:p></o:p></p>"
        "<p class=MsoNormal>Voorkeur 1: 3<o:p></o:p></p></div>"
    )
    values, prefs, source = read(html_to_text(html))
    assert values == {"municipality": "Genk", "contact_phone": "089 65 44 00"}
    assert (prefs, source) == (["3"], "quoted")


# --- the template rendered back -----------------------------------------------------------

LABELS_NL = {f.key: f.label("nl") for f in FORM.fields if f.kind is not Kind.LANGUAGE}
LABELS_EN = {f.key: f.label("en") for f in FORM.fields if f.kind is not Kind.LANGUAGE}


def test_the_rejection_template_reads_back_as_what_was_understood() -> None:
    values = {
        "municipality": "Gent",
        "contact_name": "An Peeters",
        "beleidsprioriteiten": "Minder leegstand.\nMeer wonen boven winkels.",
    }
    text = render_template(
        LABELS_NL, values, preferences=["9", "11"], hints={"contact_phone": "optioneel"}
    )
    assert "Voorkeur 3:" in text
    assert "Telefoon:  (optioneel)" in text
    form = extract_form(text, SPEC)
    assert form.values == values
    assert form.preferences == ["9", "11"]


def test_the_template_renders_in_english_with_numbered_choices() -> None:
    text = render_template(LABELS_EN, {"municipality": "Ghent"}, preferences=["9"])
    lines = text.splitlines()
    assert lines[0] == "Municipality: Ghent"
    assert "Choice 1: 9" in lines and "Choice 3:" in lines
    assert extract_form(text, SPEC).preferences == ["9"]


@pytest.mark.parametrize(
    "line",
    ["Bedankt aan alle handelaars van de Veldstraat.", "Gr. Markt heraangelegd", "VG Kortrijk"],
)
def test_free_text_lines_that_start_like_a_closing_are_kept(line: str) -> None:
    values, _, _ = read(f"Realisaties: Gevelpremie\n{line}\nActies in uitvoering: Pop-ups\n")
    assert values["realisaties"] == f"Gevelpremie\n{line}"


def test_the_quoted_list_of_errors_of_our_rejection_is_not_read_as_values() -> None:
    text = (
        "Op 3 jun 2025 schreef VLAIO:\n"
        "> We konden uw inschrijving nog niet verwerken:\n>\n"
        "> - Functie: Dit veld is verplicht.\n"
        "> - Gemeente: We vonden geen gemeente 'Gnet'.\n>\n"
        "> Gemeente: Gent\n> Functie:\n> Voorkeur 1: 9\n"
    )
    values, prefs, source = read(text)
    assert (values, prefs, source) == ({"municipality": "Gent"}, ["9"], "quoted")


def test_bullets_on_the_officials_own_lines_are_fine() -> None:
    values, _, _ = read("- Gemeente: Gent\n- Functie: Schepen\n")
    assert values == {"municipality": "Gent", "contact_function": "Schepen"}
