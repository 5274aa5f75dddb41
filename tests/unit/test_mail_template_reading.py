"""What officials really write: the labels they use, lists under a sentence, signatures after
an empty field, and values that contradict each other (asked back, never chosen)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.campaign import Env
from core.form import FORM, email_labels
from core.validators import Conflict, Kind
from mail.template import TemplateSpec, extract_form

SPEC = TemplateSpec(
    email_labels(), multiline_fields={f.key for f in FORM.fields if f.kind is Kind.LONG_TEXT}
)


def read(text: str) -> tuple[dict[str, str], list[str]]:
    form = extract_form(text, SPEC)
    return form.values, form.preferences


@pytest.mark.parametrize("field", ["acties", "realisaties", "beleidsprioriteiten"])
@pytest.mark.parametrize("after", ["Jan", "An Peeters", "Bedankt", "Groetjes van An"])
def test_a_word_after_a_blank_line_under_an_empty_label_is_no_value(field: str, after: str) -> None:
    label = FORM.get(field).label("nl")
    values, _ = read(f"Gemeente: Gent\nVoorkeuren: 9, 11, 3\n{label}:\n\n{after}\n")
    assert field not in values


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Contact: An Peeters", "An Peeters"),
        ("Contact person: An Peeters", "An Peeters"),
        ("Naam: An Peeters", "An Peeters"),
        ("Contactpersoon: An Peeters", "An Peeters"),
    ],
)
def test_the_labels_people_use_for_the_contact(line: str, name: str) -> None:
    values, _ = read(f"Gemeente: Gent\n{line}\n")
    assert values["contact_name"] == name


@pytest.mark.parametrize("label", ["Voorkeuren", "Keuzes", "Onze keuzes", "Preferences"])
def test_the_labels_people_use_for_the_list(label: str) -> None:
    _, prefs = read(f"Gemeente: Gent\n{label}: 9, 11, 3\n")
    assert prefs == ["9", "11", "3"]


@pytest.mark.parametrize(
    "intro",
    [
        "Hierbij onze voorkeuren:",
        "Voor Gent zijn dit onze keuzes:",
        "Please find below our preferences:",
    ],
)
@pytest.mark.parametrize(
    "items", ["1. 9\n2. 11\n3. 3", "- 9\n- 11\n- 3", "• 9 - Leegstand aanpakken\n• 11\n• 3"]
)
def test_a_label_ending_a_sentence_with_a_list_below(intro: str, items: str) -> None:
    _, prefs = read(f"Gemeente: Gent\n\n{intro}\n{items}\n\nMet vriendelijke groeten,\nAn\n")
    assert [p.split(" ")[0] for p in prefs] == ["9", "11", "3"]


def test_a_field_given_twice_with_different_values_is_a_question() -> None:
    values, _ = read("Gemeente: Gent\nContactpersoon: An\nGemeente: Aalst\n")
    conflict = values["municipality"]
    assert isinstance(conflict, Conflict) and conflict.options == ("Gent", "Aalst")
    assert read("Gemeente: Gent\nGemeente: gent\n")[0]["municipality"] == "Gent"


def test_a_preference_given_twice_with_different_themes_is_a_question() -> None:
    _, prefs = read("Gemeente: Gent\nVoorkeur 1: 9\nVoorkeur 2: 11\nVoorkeur 1: 3\n")
    assert isinstance(prefs[0], Conflict) and prefs[0].options == ("9", "3")
    assert prefs[1] == "11"


def test_two_different_lists_are_a_question() -> None:
    values, prefs = read("Voorkeuren: 9, 11, 3\nGemeente: Gent\nKeuzes: 1, 2, 3\n")
    assert prefs == [] and isinstance(values["preferences"], Conflict)


@pytest.mark.parametrize(
    ("sentence", "rank"),
    [
        ("Voorkeur 1 moet 3 zijn", 1),
        ("Sorry, voorkeur 2 moet thema 7 zijn.", 2),
        ("Preference 1 should be 3", 1),
    ],
)
def test_a_correction_in_prose_is_a_question_and_never_free_text(sentence: str, rank: int) -> None:
    values, prefs = read(
        f"Gemeente: Gent\nVoorkeur 1: 9\nVoorkeur 2: 11\nVoorkeur 3: 3\n"
        f"Acties in uitvoering: Pop-up winkels.\n{sentence}\n"
    )
    assert values["acties"] == "Pop-up winkels."
    corrected = prefs[rank - 1]
    assert isinstance(corrected, Conflict) and corrected.sentence == sentence


def test_prose_about_the_town_in_a_free_text_is_not_a_correction() -> None:
    values, prefs = read(
        "Gemeente: Gent\nBeleidsprioriteiten: De stad moet meer groen.\nNaam moet nog komen.\n"
        "Voorkeuren: 9, 11, 3\n"
    )
    assert values["beleidsprioriteiten"] == "De stad moet meer groen.\nNaam moet nog komen."
    assert not any(isinstance(v, Conflict) for v in [*values.values(), *prefs])


def test_the_documented_example_registers_what_the_documentation_says(env: Env) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "email-template.md").read_text(encoding="utf-8")
    example = doc.split("## An example", 1)[1].split("```")[1]
    form = extract_form(example, SPEC, sender_name="Jo Smet")
    raw = {**form.values, "preferences": form.preferences}
    result = FORM.validate(raw, env.form_context)
    assert result.ok, result.errors
    assert env.municipality_name(result.values["municipality"]) == "Merelbeke-Melle"
    assert result.values["preferences"] == (9, 3, 12)
    assert result.values["contact_function"] is None and result.values["contact_phone"] is None
    assert result.values["beleidsprioriteiten"] == (
        "Minder leegstand in de Hoofdstraat.\nMeer wonen boven winkels."
    )


@pytest.mark.parametrize("name", ["Jan", "An Peeters", "Marie-Jo"])
def test_a_lone_name_under_a_filled_free_text_is_a_signature(name: str) -> None:
    values, _ = read(f"Gemeente: Gent\nActies in uitvoering: Pop-up winkels.\n\n{name}\n")
    assert values["acties"] == "Pop-up winkels."


def test_a_second_paragraph_of_a_free_text_is_kept() -> None:
    values, _ = read("Realisaties: Gevelpremie.\n\nWe starten in mei met Pop-ups.\n")
    assert values["realisaties"] == "Gevelpremie.\n\nWe starten in mei met Pop-ups."
