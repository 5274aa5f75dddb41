"""Every validation rule of the registration form: a bad input and the exact code it gets."""

from __future__ import annotations

from typing import Any

import pytest

from core.campaign import Env
from core.form import FORM

GOOD: dict[str, Any] = {
    "municipality": "Gent",
    "contact_name": "An Peeters",
    "contact_function": "Centrummanager",
    "contact_email": "an.peeters@stad.gent",
    "contact_phone": "09 123 45 67",
    "preferences": ["9", "11", "3"],
    "beleidsprioriteiten": "Een levendige kern.",
}


def errors_for(env: Env, **changes: Any) -> list[tuple[str, str]]:
    result = FORM.validate({**GOOD, **changes}, env.form_context)
    return [(e.field, e.code) for e in result.errors]


def test_a_complete_form_is_valid_and_cleaned(env: Env) -> None:
    result = FORM.validate(GOOD, env.form_context)
    assert result.ok
    assert result.values["municipality"] == "44021"
    assert result.values["preferences"] == (9, 11, 3)
    assert result.values["contact_phone"] == "09 123 45 67"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"municipality": ""}, ("municipality", "required")),
        ({"municipality": "Atlantis"}, ("municipality", "municipality.not_found")),
        ({"municipality": "Namen"}, ("municipality", "municipality.outside_flanders")),
        ({"municipality": "1000"}, ("municipality", "municipality.outside_flanders")),
        ({"municipality": "Heist"}, ("municipality", "municipality.ambiguous")),
        ({"municipality": "1804"}, ("municipality", "municipality.ambiguous")),
        ({"contact_name": "   "}, ("contact_name", "required")),
        ({"contact_name": "x" * 201}, ("contact_name", "too_long")),
        ({"contact_function": "x" * 201}, ("contact_function", "too_long")),
        ({"contact_email": ""}, ("contact_email", "required")),
        ({"contact_email": "an.peeters@"}, ("contact_email", "email.invalid")),
        ({"contact_email": "an peeters@gent.be"}, ("contact_email", "email.invalid")),
        ({"contact_email": "an..peeters@gent.be"}, ("contact_email", "email.invalid")),
        ({"contact_phone": "bel me"}, ("contact_phone", "phone.invalid")),
        ({"contact_phone": "123"}, ("contact_phone", "phone.invalid")),
        ({"language": "fr"}, ("language", "language.invalid")),
        ({"preferences": []}, ("preferences", "required")),
        ({"preferences": ["9", "11"]}, ("preferences", "preferences.too_few")),
        ({"preferences": "1, 2, 3, 4, 5, 6"}, ("preferences", "preferences.too_many")),
        ({"preferences": ["9", "9", "3"]}, ("preferences", "preferences.duplicate")),
        ({"preferences": ["9", "13", "3"]}, ("preferences", "preferences.unknown_theme")),
        ({"preferences": ["9", "", "3", "4"]}, ("preferences", "preferences.gap")),
        ({"beleidsprioriteiten": "x" * 2001}, ("beleidsprioriteiten", "too_long")),
        ({"realisaties": "x" * 2001}, ("realisaties", "too_long")),
        ({"acties": "x" * 2001}, ("acties", "too_long")),
    ],
)
def test_each_rule_gives_its_own_code(
    env: Env, changes: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert expected in errors_for(env, **changes)


def test_the_job_title_is_optional(env: Env) -> None:
    assert errors_for(env, contact_function=None) == []


def test_all_errors_come_back_at_once(env: Env) -> None:
    found = errors_for(env, municipality="Namen", contact_email="nope", preferences=["1"])
    assert [field for field, _ in found] == ["municipality", "contact_email", "preferences"]


def test_messages_exist_in_dutch_and_english_and_name_the_problem(env: Env) -> None:
    result = FORM.validate({**GOOD, "municipality": "Namen"}, env.form_context)
    error = result.errors[0]
    assert "Namen" in error.message("nl") and "Vlaamse Gewest" in error.message("nl")
    assert "Flemish Region" in error.message("en")
    assert error.as_dict("en")["code"] == "municipality.outside_flanders"


@pytest.mark.parametrize(
    ("raw", "numbers"),
    [
        ("9, 11, 3", (9, 11, 3)),
        ("9; 11; 3", (9, 11, 3)),
        (["9 - Leegstand aanpakken", "Centrummanagement", "thema 11"], (9, 3, 11)),
        (["leegstand aanpakken", "duurzame stadsdistributie", "1"], (9, 8, 1)),
        (["Town centre management", "12", "7"], (3, 12, 7)),
    ],
)
def test_themes_by_number_title_or_partial_title(
    env: Env, raw: Any, numbers: tuple[int, ...]
) -> None:
    result = FORM.validate({**GOOD, "preferences": raw}, env.form_context)
    assert result.ok, result.errors
    assert result.values["preferences"] == numbers


def test_outlook_mailto_form_of_an_address_is_understood(env: Env) -> None:
    raw = "an.peeters@Stad.Gent <mailto:an.peeters@Stad.Gent>"
    result = FORM.validate({**GOOD, "contact_email": raw}, env.form_context)
    assert result.values["contact_email"] == "an.peeters@stad.gent"


def test_the_form_order_drives_the_chat(env: Env) -> None:
    assert FORM.keys()[:3] == ["language", "municipality", "contact_name"]
    following = FORM.next_missing({"language": "nl", "municipality": "44021"})
    assert following is not None and following.key == "contact_name"
    assert following.prompt("en").startswith("What is your name")


def test_email_labels_come_from_the_form_in_both_languages() -> None:
    labels = FORM.email_labels()
    assert "Gemeente" in labels["municipality"] and "Municipality" in labels["municipality"]
    assert "Acties in uitvoering" in labels["acties"] and "Actions in progress" in labels["acties"]
    assert "language" not in labels


THEME_2 = "Doorvertalen van het DNA van de kern in (city)marketing, publiek domein en producten"


@pytest.mark.parametrize(
    ("typed", "numbers"),
    [
        (f"{THEME_2}, Centrummanagement, 9", (2, 3, 9)),
        (f"9; {THEME_2}; 3", (9, 2, 3)),
        (f"Centrummanagement, {THEME_2}, 9", (3, 2, 9)),
        (f"{THEME_2}\nCentrummanagement\n9", (2, 3, 9)),
        ("9 en 11 en 3", (9, 11, 3)),
    ],
)
def test_theme_2s_title_keeps_its_comma_and_en_in_a_typed_list(
    env: Env, typed: str, numbers: tuple[int, ...]
) -> None:
    """One way to split a typed list, for the chat, the e-mail and the console: the title of
    theme 2 ("... (city)marketing, publiek domein en producten") is one choice, not three."""
    result = FORM.validate({**GOOD, "preferences": typed}, env.form_context)
    assert result.ok, result.errors
    assert result.values["preferences"] == numbers
