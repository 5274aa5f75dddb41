"""A guessed municipality or theme is either the only one that fits or asked back; it is
never chosen silently among several."""

from __future__ import annotations

import pytest

from core.campaign import Env
from core.form import FORM
from core.municipalities import LookupStatus, MunicipalityDirectory
from tests.fakes import FakeUnitOfWork
from tests.unit.test_conversation import Person, invite


@pytest.mark.parametrize(("typed", "name"), [("Kontch", "Kontich"), ("Lokren", "Lokeren")])
def test_a_misspelling_close_to_one_name_is_that_name(
    municipalities: MunicipalityDirectory, typed: str, name: str
) -> None:
    found = municipalities.lookup(typed)
    assert found.municipality is not None and found.municipality.name == name


def test_the_start_of_one_name_that_is_also_a_misspelling_of_another_is_asked(
    municipalities: MunicipalityDirectory, env: Env
) -> None:
    found = municipalities.lookup("Hale")  # Halen starts with it; Halle is one letter away
    assert found.status is LookupStatus.AMBIGUOUS
    assert {m.name for m in found.candidates} == {"Halen", "Halle"}
    [error] = FORM.get("municipality").clean("Hale", env.form_context)[1]
    assert (
        error.message("nl") == "'Hale' kan meerdere gemeenten zijn: Halen, Halle. Welke bedoelt u?"
    )


def test_a_theme_word_in_three_titles_typed_in_the_chat_is_asked_back(
    uow: FakeUnitOfWork, env: Env
) -> None:
    invite(uow)
    person = Person(uow, env)
    person.send("/start tok-an")
    person.send("Centrummanager")
    person.send("-")
    answer = person.send("leegstand")
    assert "'leegstand' past bij meer dan een thema (9, 10, 11)" in answer.replies[0].text
    draft = uow.drafts.get(f"telegram:{person.user_id}")
    assert draft is not None and not draft.state.get("picks")
