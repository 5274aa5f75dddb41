"""Finding municipalities and themes the way officials type them."""

from __future__ import annotations

import pytest

from core.campaign import Env
from core.municipalities import LookupStatus, MunicipalityDirectory


def test_the_flemish_region_has_285_municipalities(municipalities: MunicipalityDirectory) -> None:
    assert len(municipalities.flemish) == 285


@pytest.mark.parametrize(
    ("typed", "refnis"),
    [
        ("44021", "44021"),
        ("Gent", "44021"),
        ("GENT", "44021"),
        ("stad Gent", "44021"),
        ("9090", "44088"),
        ("9820", "44088"),
        ("merelbeke melle", "44088"),
        ("Merelbeke-Melle", "44088"),
        ("St-Niklaas", "46021"),
        ("Sint Niklaas", "46021"),
        ("Antwerpn", "11002"),
        ("Herk", "71024"),
        ("Kruibeke", "46030"),
    ],
)
def test_found_by_code_name_postal_code_or_misspelling(
    municipalities: MunicipalityDirectory, typed: str, refnis: str
) -> None:
    found = municipalities.lookup(typed)
    assert found.status is LookupStatus.FOUND
    assert found.municipality is not None and found.municipality.refnis == refnis


@pytest.mark.parametrize("typed", ["Brussel", "Namen", "Liège", "1000"])
def test_outside_flanders_is_not_the_same_as_not_found(
    municipalities: MunicipalityDirectory, typed: str
) -> None:
    assert municipalities.lookup(typed).status is LookupStatus.OUTSIDE_FLANDERS


def test_an_unclear_name_asks_which_one(municipalities: MunicipalityDirectory) -> None:
    found = municipalities.lookup("Heist")
    assert found.status is LookupStatus.AMBIGUOUS
    assert {m.name for m in found.candidates} == {"Heist-op-den-Berg", "Knokke-Heist"}


def test_chat_search_offers_at_most_eight_flemish_buttons(
    municipalities: MunicipalityDirectory,
) -> None:
    found = municipalities.search("Sint")
    assert 1 <= len(found) <= 8
    assert all(m.in_flanders and m.name.startswith("Sint") for m in found)


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("9", 9),
        ("thema 9", 9),
        ("9 - Leegstand aanpakken", 9),
        ("leegstand aanpakken", 9),
        ("Centrummanagement", 3),
        ("centrum management", 3),
        ("Samenwerken/onderhandelen met ontwikkelaars", 12),
        ("Sustainable urban logistics", 8),
        ("leegstnd aanpakken", 9),
        ("Centrummanagment", 3),
    ],
)
def test_themes_found_by_number_title_or_partial_title(env: Env, typed: str, number: int) -> None:
    theme = env.themes.find(typed)
    assert theme is not None and theme.number == number


def test_a_word_in_several_titles_is_not_guessed(env: Env) -> None:
    assert env.themes.find("duurzame") is None  # themes 7 and 8 both start with it
    assert env.themes.find("kern") is None
    assert env.themes.find("13") is None


@pytest.mark.parametrize("typed", ["leegstand", "Leegstand", "leegstnd"])
def test_a_word_in_three_titles_is_asked_back_with_every_candidate(env: Env, typed: str) -> None:
    assert env.themes.find(typed) is None  # 9 starts with it, but 10 and 11 mention it too
    assert [t.number for t in env.themes.matches(typed)] == [9, 10, 11]
